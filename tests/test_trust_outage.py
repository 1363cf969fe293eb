"""A database lost anywhere in a request (the session, the account, a page) gets the outage page: 503,
in French, saying that nothing is saved; any other error keeps the usual 500 page.

The tests use this module as the root URLconf: the site's own, with the 500 handler of cqp_site/outage.py
(which cqp_site/urls.py names as well: see tests/test_trust_wiring.py)."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

from cqp_site.urls import urlpatterns  # noqa: F401 (this module is the URLconf of these tests)
from evaluations.models import CriterionMark, Grid
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import user
from tests.evaluations.test_views import all_marked, form_data, grid_url

pytestmark = pytest.mark.django_db

handler500 = "cqp_site.outage.server_error"

OUTAGE_TEXT = "La base de données ne répond pas : rien n'est enregistré."


@pytest.fixture
def president(client, settings, demo_exams):
    """The president of Léa Martin's GRU exam, signed in, about to save the grid; errors come back as pages."""
    settings.ROOT_URLCONF = __name__
    client.force_login(user("president"))
    client.raise_request_exception = False
    return client


def save_the_grid(client):
    exam = exam_of("Martin", "GRU")
    return client.post(grid_url(exam), form_data(exam, **all_marked(exam)))


def assert_outage_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    content = response.content.decode()
    assert "Service momentanément indisponible" in content
    assert OUTAGE_TEXT in content
    assert not Grid.objects.exists() and not CriterionMark.objects.exists()


@pytest.mark.parametrize("error", [OperationalError("connexion perdue"), InterfaceError("connexion fermée")])
def test_a_session_lost_during_a_grid_save_gets_the_outage_page(president, error):
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.load", side_effect=error):
        assert_outage_page(save_the_grid(president))


@pytest.mark.parametrize("error", [OperationalError("connexion perdue"), InterfaceError("connexion fermée")])
def test_an_account_lost_during_a_grid_save_gets_the_outage_page(president, error):
    with mock.patch("django.contrib.auth.backends.ModelBackend.get_user", side_effect=error):
        assert_outage_page(save_the_grid(president))


def test_a_database_lost_in_a_page_gets_the_outage_page(president):
    with mock.patch("evaluations.selectors.jury_home", side_effect=OperationalError("serveur arrêté")):
        response = president.get("/jury/")
    assert response.status_code == 503 and "rien n'est enregistré" in response.content.decode()


def test_any_other_error_keeps_the_usual_page(president):
    with mock.patch("evaluations.selectors.jury_home", side_effect=RuntimeError("bogue")):
        response = president.get("/jury/")
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()
