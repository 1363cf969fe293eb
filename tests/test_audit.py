"""The audit trail (django-pghistory, PostgreSQL triggers): every change recorded, bulk ones too,
with who made it; its tables append-only; administrators read it in the admin."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import Candidate
from evaluations import services
from evaluations.models import CriterionMark
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the audit trail is PostgreSQL's triggers"),
]


def test_bulk_changes_are_recorded_with_before_and_after(demo_exams):
    Candidate.objects.filter(last_name="Martin").update(job_title="Conseillère experte")
    events = list(Candidate.audit_trail.field.model.objects.filter(last_name="Martin").order_by("pgh_id"))
    assert [event.pgh_label for event in events] == ["insert", "update"]
    assert (events[0].job_title, events[1].job_title) == ("Gestionnaire conseil", "Conseillère experte")


def test_a_grid_save_is_recorded_with_who_made_it(client, demo_exams):
    exam = exam_of("Martin", "GRU")
    client.login(username="president", password=PASSWORD)
    layout = services.selectors.grid_layout(exam)
    data = {"revision": 0, **{key: "oui" for key in layout.empty_state() if key.startswith("criterion-")}}
    client.post(reverse("evaluations:grid", kwargs={"pk": exam.pk}), data)
    audit = CriterionMark.audit_trail.field.model.objects.filter(pgh_obj__grid__exam=exam)
    assert audit.count() == 30
    contexts = {event.pgh_context.metadata.get("user") for event in audit.select_related("pgh_context")}
    assert contexts == {user("president").pk}


def test_the_audit_tables_refuse_updates_and_deletes(demo_exams):
    table = Candidate.audit_trail.field.model._meta.db_table
    for statement in (f'UPDATE "{table}" SET job_title = %s', f'DELETE FROM "{table}"'):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, ["x"] if "UPDATE" in statement else [])


def test_administrators_read_the_trail_in_the_admin(client, demo_exams):
    Candidate.objects.filter(last_name="Martin").update(job_title="Conseillère experte")
    client.login(username="gestionnaire", password=PASSWORD)
    response = client.get(reverse("admin:pghistory_events_changelist"))
    assert response.status_code == 200
    assert "Conseillère experte" in response.content.decode()
