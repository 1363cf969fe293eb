"""The audit trail (django-pghistory, PostgreSQL triggers): every change recorded, bulk ones too,
with who made it; its tables append-only; administrators read it in the admin, table by table or
object by object, at any size."""

import re
from html import unescape
from urllib.parse import urlencode

import pghistory
import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import Candidate
from cqp_site import audit_admin
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


# --- In the admin: one list per audit table, one object's history across tables ------------------------


# session, account, not a jury member, its permissions (2), capped count, estimate, the page, the previous
# versions of its updates, not a jury member (the menu)
QUERIES_OF_A_TABLE_HISTORY = 10


def changed_in_a_request(username="gestionnaire"):
    """Martin's job title changed from a page of the admin, as pghistory's middleware records it."""
    with pghistory.context(user=user(username).pk, url="/admin/candidates/candidate/1/change/"):
        Candidate.objects.filter(last_name="Martin").update(job_title="Conseillère experte")
    return Candidate.objects.get(last_name="Martin")


def test_administrators_read_a_table_history_newest_first_with_who_where_and_what(
    client, demo_exams, django_assert_num_queries
):
    martin = changed_in_a_request()
    client.force_login(user("gestionnaire"))
    url = reverse("admin:candidates_candidateaudit_changelist")
    with django_assert_num_queries(QUERIES_OF_A_TABLE_HISTORY):
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Historique — candidats" in page
    rows = re.findall(r"<tr>.*?</tr>", page.split('id="result_list"')[1].split("<tbody>")[1], re.DOTALL)
    latest = unescape(re.sub(r"<[^>]+>", " ", rows[0]))
    assert " ".join(latest.split()).endswith(
        f"modification candidat n° {martin.pk} (MARTIN Léa) · historique lié gestionnaire "
        "/admin/candidates/candidate/1/change/ emploi occupé : Gestionnaire conseil → Conseillère experte"
    )


def test_a_table_history_of_one_object(client, demo_exams):
    martin = changed_in_a_request()
    client.force_login(user("gestionnaire"))
    response = client.get(reverse("admin:candidates_candidateaudit_changelist"), {"pgh_obj": martin.pk})
    assert response.context["cl"].result_count == 2
    assert [event.pgh_label for event in response.context["cl"].result_list] == ["update", "insert"]


def test_a_table_history_answers_with_the_same_queries_whatever_its_size(
    client, demo_exams, monkeypatch, django_assert_num_queries
):
    """Beyond `exact_up_to` rows the count is PostgreSQL's estimate, not a COUNT(*) of the table."""
    martin = changed_in_a_request()
    monkeypatch.setattr(audit_admin.LazyCountPaginator, "exact_up_to", 2)
    client.force_login(user("gestionnaire"))
    url = reverse("admin:candidates_candidateaudit_changelist")
    assert Candidate.audit_trail.field.model.objects.count() > 3
    counts = []
    for query in ({}, {"pgh_obj": martin.pk}):
        with django_assert_num_queries(QUERIES_OF_A_TABLE_HISTORY) as queries:
            response = client.get(url, query)
        assert response.status_code == 200
        counted, estimated = (query["sql"] for query in queries.captured_queries[5:7])
        assert "LIMIT 3" in counted and "EXPLAIN" in estimated
        counts.append(response.context["cl"].result_count)
    assert counts[0] > 2 and counts[1] == 2


def test_the_events_page_lists_the_tables_without_reading_them(client, demo_exams, django_assert_num_queries):
    client.force_login(user("gestionnaire"))
    # session, account, not a jury member (twice: the site, its menu), its permissions (2)
    with django_assert_num_queries(6):
        response = client.get(reverse("admin:pghistory_events_changelist"))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:candidates_candidateaudit_changelist") in page
    assert reverse("admin:evaluations_criterionmarkaudit_changelist") in page


def test_an_object_history_gathers_its_changes_and_those_of_its_records(client, demo_exams):
    martin = changed_in_a_request()
    client.force_login(user("gestionnaire"))
    url = reverse("admin:pghistory_events_changelist")
    response = client.get(url, {"method": "references", "obj": f"candidates.Candidate:{martin.pk}"})
    assert response.status_code == 200
    tables = {str(event.pgh_model) for event in response.context["cl"].result_list}
    assert {"candidates.CandidateAudit", "candidates.ExamAudit"} <= tables
    page = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    assert "Gestionnaire conseil → Conseillère experte" in page
    assert f"Historique de candidat n° {martin.pk}" in page


def test_an_object_history_never_aggregates_every_table(client, demo_exams):
    """Without a scope (or with pghistory's other filters) the page would read every table: it is narrowed."""
    martin = Candidate.objects.get(last_name="Martin")
    client.force_login(user("gestionnaire"))
    url = reverse("admin:pghistory_events_changelist")
    obj = f"candidates.Candidate:{martin.pk}"
    tracks = f"{url}?{urlencode({'method': 'tracks', 'obj': obj})}"
    assert client.get(url, {"obj": obj}).url == tracks
    assert client.get(url, {"obj": obj, "method": "tracks", "label": "insert"}).url == tracks
    for unknown in ("candidates.Candidate:987654321x", "candidates.Nothing:1", "auth.User:1", "x\x00:1", "²"):
        assert client.get(url, {"obj": unknown, "method": "tracks"}).status_code == 404
