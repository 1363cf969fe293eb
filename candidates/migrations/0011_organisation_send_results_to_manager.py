from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0010_exam_scheduled_at_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='organisation',
            name='send_results_to_manager',
            field=models.BooleanField(
                default=False,
                help_text="Désactivé par défaut : les résultats d'un candidat sont des données personnelles qui le concernent (RGPD). L'organisme, en tant qu'employeur, décide de l'activer après en avoir informé ses salariés.",
                verbose_name='Envoyer une copie des résultats au manager',
            ),
        ),
    ]
