"""A submitted or signed grid cannot be moved: its exam keeps its candidate, bloc, session, date and
jury, whatever the path (model, bulk, admin, raw SQL on PostgreSQL)."""

import datetime
import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from candidates.admin import SESSION_EXAMS_SHOWN
from candidates.demo import PASSWORD
from candidates.models import Candidate, CertificationSession, Exam
from cqp_site.frozen import FrozenError
from evaluations import services
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import run_exam, user
from tests.evaluations.test_services import all_validated

from .factories import CandidateFactory, ExamFactory

pytestmark = pytest.mark.django_db

REFUSED = "La grille de cette épreuve est soumise ou signée"


@pytest.fixture
def signed_exam(demo_exams):
    exam = exam_of("Martin", "GRU")
    run_exam(exam)
    return Exam.objects.get(pk=exam.pk)


def other_candidate():
    return Candidate.objects.get(last_name="Fontaine")


def test_the_model_refuses_to_move_a_signed_grid(signed_exam):
    signed_exam.candidate = other_candidate()
    with pytest.raises(FrozenError, match=REFUSED):
        signed_exam.save()
    signed_exam.refresh_from_db()
    signed_exam.scheduled_at += datetime.timedelta(days=1)
    with pytest.raises(FrozenError, match=REFUSED):
        signed_exam.save()


@pytest.mark.parametrize("field", ["candidate", "candidate_id", "scheduled_at", "president"])
def test_bulk_writes_refuse_too(signed_exam, field):
    value = {
        "candidate": other_candidate(),
        "candidate_id": other_candidate().pk,
        "scheduled_at": signed_exam.scheduled_at + datetime.timedelta(hours=1),
        "president": signed_exam.president,
    }[field]
    with pytest.raises(FrozenError, match=REFUSED):
        Exam.objects.filter(pk=signed_exam.pk).update(**{field: value})
    signed_exam.candidate = other_candidate()
    with pytest.raises(FrozenError, match=REFUSED):
        Exam.objects.bulk_update([signed_exam], ["candidate"])


def test_the_place_may_still_change_and_a_reopened_grid_frees_its_exam(demo_exams):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    services.submit_grid(exam, user("president"))
    Exam.objects.filter(pk=exam.pk).update(place="Salle 12")
    with pytest.raises(FrozenError):
        Exam.objects.filter(pk=exam.pk).update(scheduled_at=exam.scheduled_at + datetime.timedelta(hours=1))
    services.reopen_grid(exam, user("president"))
    Exam.objects.filter(pk=exam.pk).update(scheduled_at=exam.scheduled_at + datetime.timedelta(hours=1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers live in PostgreSQL")
@pytest.mark.parametrize("column", ["candidate_id", "bloc_id", "session_id", "president_id", "scheduled_at"])
def test_postgresql_refuses_raw_sql(signed_exam, column):
    other = {
        "candidate_id": other_candidate().pk,
        "bloc_id": exam_of("Martin", "MDR").bloc_id,
        "session_id": CertificationSession.objects.exclude(pk=signed_exam.session_id).first().pk,
        "president_id": signed_exam.representative_id,
        "scheduled_at": signed_exam.scheduled_at + datetime.timedelta(hours=1),
    }[column]
    with pytest.raises(DatabaseError, match="grille soumise"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE candidates_exam SET {column} = %s WHERE id = %s", [other, signed_exam.pk])


def test_the_admin_shows_the_subject_of_a_graded_exam_without_letting_it_change(client, signed_exam):
    client.login(username="gestionnaire", password=PASSWORD)
    url = reverse("admin:candidates_exam_change", args=[signed_exam.pk])
    page = client.get(url).content.decode()
    assert page.count("La grille est soumise : ne change plus.") == 6  # and the kind, never editable
    data = {
        "session": signed_exam.session_id,
        "candidate": other_candidate().pk,
        "bloc": signed_exam.bloc_id,
        "scheduled_at_0": "01/01/2030",
        "scheduled_at_1": "09:00",
        "place": "Salle 7",
        "video_link": "",
        "president": signed_exam.president_id,
        "representative": signed_exam.representative_id,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    exam = Exam.objects.get(pk=signed_exam.pk)
    assert (exam.candidate_id, exam.scheduled_at, exam.place) == (
        signed_exam.candidate_id,
        signed_exam.scheduled_at,
        "Salle 7",
    )


def test_the_session_page_links_its_exams_instead_of_editing_them(client, signed_exam, django_assert_num_queries):
    """No inline forms: each exam is a link to its own page, where a graded one stays as it is."""
    client.login(username="gestionnaire", password=PASSWORD)
    session = signed_exam.session
    url = reverse("admin:candidates_certificationsession_change", args=[session.pk])
    client.get(url)  # Django's content types cached
    with django_assert_num_queries(QUERIES_OF_THE_SESSION_PAGE):
        page = client.get(url).content.decode()
    assert 'name="exams-' not in page
    for exam in Exam.objects.filter(session=session):
        assert reverse("admin:candidates_exam_change", args=[exam.pk]) in page
    assert f"/admin/candidates/exam/?session__id__exact={session.pk}" in page
    assert f"/admin/candidates/exam/add/?session={session.pk}" in page
    assert page.count("<td>soumise</td>") == Exam.objects.filter(session=session).graded().count() == 1


QUERIES_OF_THE_SESSION_PAGE = 10  # whatever the number of exams: the page reads the first ones only


def test_the_session_page_makes_the_same_queries_for_any_number_of_exams(
    client, signed_exam, django_assert_num_queries
):
    client.login(username="gestionnaire", password=PASSWORD)
    session = signed_exam.session
    for _ in range(SESSION_EXAMS_SHOWN + 10):  # more exams than the page shows
        candidate = CandidateFactory(
            organisation=signed_exam.candidate.organisation, certification=session.certification
        )
        ExamFactory(
            session=session,
            candidate=candidate,
            bloc=signed_exam.bloc,
            president=signed_exam.president,
            representative=signed_exam.representative,
        )
    url = reverse("admin:candidates_certificationsession_change", args=[session.pk])
    client.get(url)  # Django's content types cached
    with django_assert_num_queries(QUERIES_OF_THE_SESSION_PAGE):
        client.get(url)


def test_an_exam_is_added_from_its_session_with_the_session_filled_in(client, signed_exam):
    client.login(username="gestionnaire", password=PASSWORD)
    session = signed_exam.session
    page = client.get(reverse("admin:candidates_exam_add"), {"session": session.pk}).content.decode()
    assert re.search(rf'<option value="{session.pk}" selected>', page)
