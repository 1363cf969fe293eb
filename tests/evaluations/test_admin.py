"""Administrators follow grids in the admin, read-only: only the jury's screens write them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from candidates.demo import PASSWORD
from evaluations import selectors, services
from evaluations.models import Grid

from .conftest import exam_of

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
