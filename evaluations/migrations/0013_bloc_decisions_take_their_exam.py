"""Each decision already taken rests on a signed grid: it takes the grid's exam. Decisions of signed
deliberations are frozen by a trigger: it is switched off for this one update, as the owner running
migrations may (as in 0008_files_record_their_facts)."""

from django.db import migrations


def take_their_exam(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The decisions, and their audit copies (the column is new there too, and must not stay empty).
            for table in ("evaluations_blocdecision", "evaluations_blocdecisionaudit"):
                cursor.execute(
                    "SELECT set_config('pgtrigger.ignore', (SELECT COALESCE(array_agg(tgname)::text, '{}') "
                    f"FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND NOT tgisinternal), true)"
                )
                cursor.execute(
                    f"UPDATE {table} AS decision SET exam_id = grid.exam_id "
                    "FROM evaluations_grid AS grid WHERE grid.id = decision.grid_id AND decision.exam_id IS NULL"
                )
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        return
    BlocDecision = apps.get_model("evaluations", "BlocDecision")
    for decision in BlocDecision.objects.filter(exam__isnull=True).select_related("grid"):
        decision.exam_id = decision.grid.exam_id
        decision.save(update_fields=["exam"])


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0012_bloc_decision_rests_on_its_exam")]

    operations = [migrations.RunPython(take_their_exam, migrations.RunPython.noop)]
