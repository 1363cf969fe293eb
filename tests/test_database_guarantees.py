"""What PostgreSQL guarantees to a role that does not own the tables, as the application runs in
production (DATABASE_APP_ROLE): no TRUNCATE, no trigger switched off, signed rows refused whatever
the session sets; rows it may write, it writes."""

import datetime

import psycopg2
import pytest
from django.db import connection

from candidates.models import AttestationEvent, Candidate
from cqp_site import database
from evaluations.models import Deliberation
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's roles and triggers"),
    pytest.mark.django_db(transaction=True),
]

ROLE = "cqp_app_test"
CORE_TABLES = {
    "evaluations_grid",
    "evaluations_criterionmark",
    "evaluations_signature",
    "evaluations_deliberation",
    "evaluations_blocdecision",
    "evaluations_deliberationmember",
    "candidates_acquiredbloc",
    "candidates_cqpaward",
    "certificates_certificate",
    "certificates_certificateevent",
    "candidates_candidateaudit",
    "evaluations_gridaudit",
}


@pytest.fixture
def as_application(role_groups, demo_exams):
    """A connection as a role that does not own the tables, granted what `migrate` grants it; Léa
    Martin's GRU grid signed."""
    run_exam(exam_of("Martin", "GRU"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE ROLE {ROLE} LOGIN")
    database.grant(connection, ROLE)
    settings = connection.settings_dict
    application = psycopg2.connect(
        dbname=settings["NAME"], user=ROLE, host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432
    )
    yield application
    application.close()


def refused(application, sql, params=()):
    """The statement's error, or None when it went through (rolled back either way)."""
    with application.cursor() as cursor:
        try:
            cursor.execute(sql, params)
        except psycopg2.Error as error:
            return error.pgerror.splitlines()[0]
        finally:
            application.rollback()
    return None


def test_every_frozen_and_audit_table_refuses_truncate(as_application):
    tables = database.protected_tables()
    assert CORE_TABLES <= set(tables)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname = 'cqp_no_truncate'")
        assert sorted(row[0] for row in cursor.fetchall()) == tables
    for table in tables:
        assert refused(as_application, f'TRUNCATE "{table}" CASCADE') == (
            f"ERROR:  permission denied for table {table}"
        )


def test_the_truncate_trigger_holds_even_if_the_privilege_is_granted_by_mistake(as_application):
    # With the trail of re-issues and revocations, the renewals and the register deposits that refer to them (a
    # table referred to is truncated with the tables referring to it, or not at all).
    tables = (
        "certificates_certificate, certificates_certificateevent, certificates_certificaterenewal, "
        "certificates_registerdeposit_certificates"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT TRUNCATE ON {tables} TO {ROLE}")
    try:
        assert refused(as_application, f"TRUNCATE {tables}") == (
            "ERROR:  signé : TRUNCATE refusé sur certificates_certificate"
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"REVOKE TRUNCATE ON {tables} FROM {ROLE}")


def test_a_session_cannot_switch_the_triggers_off(as_application):
    switch_off = (
        "SELECT set_config('pgtrigger.ignore', (SELECT array_agg(tgname)::text FROM pg_trigger "
        "WHERE tgrelid = 'evaluations_grid'::regclass), true); "
    )
    assert refused(as_application, switch_off + "UPDATE evaluations_grid SET revision = 99 WHERE status = 'signed'")
    assert "signé" in refused(as_application, switch_off + "DELETE FROM evaluations_signature")
    assert refused(as_application, "ALTER TABLE evaluations_grid DISABLE TRIGGER ALL") == (
        "ERROR:  must be owner of table evaluations_grid"
    )
    assert refused(as_application, "SET session_replication_role = replica") == (
        'ERROR:  permission denied to set parameter "session_replication_role"'
    )


def test_the_application_role_still_does_its_work(as_application):
    lea = Candidate.objects.get(last_name="Martin")
    assert (
        refused(as_application, "UPDATE candidates_candidate SET email = 'lea@example.fr' WHERE id = %s", [lea.pk])
        is None
    )
    attestation = lea.attestations.first()
    AttestationEvent.objects.create(  # the carnet's trail, append-only: the erasure's function removes it too
        attestation=attestation, role="tutor", action="attested", comment="Vu au guichet.", user=lea.tutor.user
    )
    events = "SELECT count(*) FROM candidates_attestationevent WHERE attestation_id = %s"
    assert "Cannot update or delete" in refused(as_application, "DELETE FROM candidates_attestationevent")
    with as_application.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM candidates_candidateaudit WHERE pgh_obj_id = %s", [lea.pk])
        assert cursor.fetchone()[0] > 0
        cursor.execute("SELECT cqp_erase_candidate_audit(%s)", [lea.pk])
        cursor.execute("SELECT count(*) FROM candidates_candidateaudit WHERE pgh_obj_id = %s", [lea.pk])
        assert cursor.fetchone()[0] == 0
        cursor.execute(events, [attestation.pk])
        assert cursor.fetchone()[0] == 0
    as_application.rollback()


def test_the_application_role_cannot_sign_a_deliberation_before_its_date(as_application):
    deliberation = deliberation_for(SPRING)
    Deliberation.objects.filter(pk=deliberation.pk).update(held_on=datetime.date.today() + datetime.timedelta(days=2))
    sign_now = "UPDATE evaluations_deliberation SET status = 'signed', signed_at = now(), digest = %s WHERE id = %s"
    assert refused(as_application, sign_now, ["0" * 64, deliberation.pk]) == (
        'ERROR:  new row for relation "evaluations_deliberation" violates check constraint '
        '"deliberation_signed_on_or_after_its_date"'
    )
