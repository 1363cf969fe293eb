"""What PostgreSQL itself guarantees beyond the rows' triggers (django-pgtrigger), installed after
every `migrate` by the role that owns the tables:

- TRUNCATE, which no row trigger sees, is refused on every frozen table and audit table;
- a trigger can be switched off (`pgtrigger.ignore`) by the owner of the database only, not by the
  application's role, whatever it sets in its session;
- the one sanctioned exception, erasing a candidate's audit copies and the trail of their carnet (RGPD),
  goes through a function that runs with the owner's rights;
- when DATABASE_APP_ROLE names the role the application runs as, it gets SELECT, INSERT, UPDATE and
  DELETE on the tables (no TRUNCATE, no ownership: it can neither alter nor disable a trigger).
"""

from django.apps import apps
from django.conf import settings
from django.db import connections

OWNER = """(current_user = (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database())
           OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))"""

REFUSE_TRUNCATE = f"""
CREATE OR REPLACE FUNCTION public.cqp_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT {OWNER} THEN
        RAISE EXCEPTION 'signé : TRUNCATE refusé sur %', TG_TABLE_NAME USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
"""

# django-pgtrigger's own function, with one condition added before its body: the owner only.
OWNER_ONLY_IGNORE = f"""
CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) RETURNS BOOLEAN AS $$
DECLARE
    _pgtrigger_ignore TEXT[];
BEGIN
    IF NOT {OWNER} THEN
        RETURN FALSE;
    END IF;
    BEGIN
        SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
        EXCEPTION WHEN OTHERS THEN
    END;
    IF _pgtrigger_ignore IS NOT NULL THEN
        RETURN trigger_name = ANY(_pgtrigger_ignore);
    END IF;
    RETURN FALSE;
END;
$$ LANGUAGE plpgsql;
"""

ERASE_CANDIDATE_AUDIT = """
CREATE OR REPLACE FUNCTION public.cqp_erase_candidate_audit(candidate BIGINT) RETURNS INTEGER
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
    erased INTEGER;
BEGIN
    PERFORM set_config('pgtrigger.ignore', (
        SELECT COALESCE(array_agg(tgname)::text, '{}') FROM pg_trigger
        WHERE tgrelid IN ('candidates_candidateaudit'::regclass, 'candidates_attestationevent'::regclass)
        AND NOT tgisinternal
    ), true);
    DELETE FROM candidates_candidateaudit WHERE pgh_obj_id = candidate;
    GET DIAGNOSTICS erased = ROW_COUNT;
    -- The carnet's trail (who attested what, with their comments), append-only otherwise.
    DELETE FROM candidates_attestationevent WHERE attestation_id IN (
        SELECT id FROM candidates_competenceattestation WHERE candidate_id = candidate
    );
    PERFORM set_config('pgtrigger.ignore', '{}', true);
    RETURN erased;
END $$;
"""


def protected_tables():
    """The frozen models' tables and the audit trail's."""
    from pghistory.models import Event

    from cqp_site.frozen import FrozenModel

    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, FrozenModel | Event) and not model._meta.proxy and model._meta.managed
    )


def install(using="default", **kwargs):
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = [table for table in protected_tables() if table in connection.introspection.table_names()]
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_TRUNCATE)
        cursor.execute(OWNER_ONLY_IGNORE)
        cursor.execute(ERASE_CANDIDATE_AUDIT)
        for table in tables:
            cursor.execute(
                f'CREATE OR REPLACE TRIGGER cqp_no_truncate BEFORE TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION public.cqp_refuse_truncate()"
            )
    if settings.DATABASE_APP_ROLE:
        grant(connection, settings.DATABASE_APP_ROLE)


def grant(connection, role):
    """The application's role may read and write rows, nothing more."""
    quoted = connection.ops.quote_name(role)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quoted}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        # Tables made after migrate (the cache table) too.
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {quoted}"
        )
        cursor.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION public.cqp_erase_candidate_audit(BIGINT) TO {quoted}")


def check_constraints_at_once(using="default"):
    """Within the current transaction, check foreign keys at each statement rather than at commit.

    Django declares its foreign keys DEFERRABLE INITIALLY DEFERRED. Inside one transaction that
    writes thousands of rows to tables with triggers (the audit trail, the frozen rows), PostgreSQL
    queues every deferred check, and the time per row grows with the transaction: measured 551 ms
    for the first 4,000 rows and 1,829 ms for the fourth 4,000, against a flat 170 ms with the
    checks made at once. Bulk writes (adding files to a deliberation, signing it, numbering
    certificates) call this first; they write parents before children, so nothing needs deferring.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
