"""Administrators follow grids in the admin, read-only: only the jury's screens write them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from candidates.demo import PASSWORD
from evaluations import selectors, services
from evaluations.models import Grid
from tests.candidates.factories import SessionFactory

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


def save_all(*exams):
    president = get_user_model().objects.get(username="president")
    for exam in exams:
        state = selectors.grid_layout(exam).empty_state()
        services.save_grid(exam, president, {**state, **{k: True for k in state if k.startswith("criterion-")}}, 0)


@pytest.fixture
def gestionnaire(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    return client


def test_grid_list_makes_the_same_queries_for_1_or_4_grids(gestionnaire, django_assert_num_queries):
    url = reverse("admin:evaluations_grid_changelist")
    save_all(exam_of("Martin", "GRU"))
    with django_assert_num_queries(13):
        assert gestionnaire.get(url).status_code == 200
    save_all(exam_of("Martin", "MDR"), exam_of("Fontaine", "GRU"), exam_of("Lambert"))
    with django_assert_num_queries(13):
        assert "MARTIN Léa" in gestionnaire.get(url).content.decode()


def test_a_grid_is_read_only_in_the_admin(gestionnaire):
    save_all(exam_of("Martin", "GRU"))
    grid = Grid.objects.get()
    url = reverse("admin:evaluations_grid_change", args=[grid.pk])
    page = gestionnaire.get(url)
    assert page.status_code == 200 and "Enregistrer" not in page.content.decode()
    assert gestionnaire.post(url, {"status": "signed", "revision": 9}).status_code == 403
    assert (
        gestionnaire.post(reverse("admin:evaluations_grid_delete", args=[grid.pk]), {"post": "yes"}).status_code == 403
    )
    grid.refresh_from_db()
    assert (grid.status, grid.revision) == ("draft", 1)


def test_a_deliberations_page_makes_the_same_queries_whatever_the_sessions(gestionnaire, django_assert_num_queries):
    for exam in (exam_of("Martin", "GRU"), exam_of("Martin", "MDR"), exam_of("Fontaine", "GRU")):
        run_exam(exam)
    open_one = deliberation_for(SPRING)
    signed = deliberation_for(SPRING, "CQP COS — session d'hiver")
    services.add_ready_files(signed, user("jpn"))
    services.sign_deliberation(signed, user("jpn"), PASSWORD)
    urls = [reverse("admin:evaluations_deliberation_change", args=[d.pk]) for d in (open_one, signed)]
    gestionnaire.get(urls[0])  # the process's caches (content types) warm, as in service
    # the form lists every session to choose from; the members present (the inline) and what they lack are 2
    with django_assert_num_queries(15):
        assert gestionnaire.get(urls[0]).status_code == 200
    with django_assert_num_queries(11):  # signed: its 2 sessions shown as text, its members present read-only
        assert "session d&#x27;hiver (COS)" in gestionnaire.get(urls[1]).content.decode()
    SessionFactory.create_batch(5, certification=signed.sessions.first().certification)
    with django_assert_num_queries(15):
        assert gestionnaire.get(urls[0]).status_code == 200
