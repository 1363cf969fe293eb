"""Files already before a deliberation take the facts of their candidate's record as it is now: the
closest there is to what was deliberated. Signed files are frozen by a trigger: it is switched off for
this one update, as the owner running migrations may."""

from django.db import migrations


def record_facts(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The files, and their audit copies (the columns are new there too, and must not stay empty).
            for table in ("evaluations_candidatefile", "evaluations_candidatefileaudit"):
                cursor.execute(
                    "SELECT set_config('pgtrigger.ignore', (SELECT COALESCE(array_agg(tgname)::text, '{}') "
                    f"FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND NOT tgisinternal), true)"
                )
                cursor.execute(
                    f"UPDATE {table} AS file SET certification_id = candidate.certification_id, "
                    "route = candidate.route, pass_validated_on = candidate.pass_validated_on, "
                    "premss_validated_on = candidate.premss_validated_on "
                    "FROM candidates_candidate AS candidate WHERE candidate.id = file.candidate_id"
                )
            cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        return
    CandidateFile = apps.get_model("evaluations", "CandidateFile")
    for file in CandidateFile.objects.select_related("candidate"):
        candidate = file.candidate
        file.certification_id, file.route = candidate.certification_id, candidate.route
        file.pass_validated_on, file.premss_validated_on = candidate.pass_validated_on, candidate.premss_validated_on
        file.save(update_fields=["certification", "route", "pass_validated_on", "premss_validated_on"])


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0007_files_keep_what_was_deliberated")]

    operations = [migrations.RunPython(record_facts, migrations.RunPython.noop)]
