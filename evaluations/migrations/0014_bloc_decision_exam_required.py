import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0013_bloc_decisions_take_their_exam")]

    operations = [
        migrations.AlterField(
            model_name="blocdecision",
            name="exam",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="candidates.exam",
                verbose_name="épreuve",
            ),
        ),
        migrations.AlterField(
            model_name="blocdecisionaudit",
            name="exam",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="candidates.exam",
                verbose_name="épreuve",
            ),
        ),
    ]
