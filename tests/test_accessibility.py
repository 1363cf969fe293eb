"""The accessibility statement (RGAA model), linked from every page, and the issuing progress that never
reloads itself. The pages themselves are checked by axe-core in tests/test_accessibility_browser.py."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates.models import IssuingRun
from evaluations.models import Deliberation

pytestmark = pytest.mark.django_db


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_the_statement_follows_the_rgaa_model(client):
    text = text_of(client.get(reverse("accessibility")))
    for sentence in (
        "Déclaration d'accessibilité",
        "L'Ucanss (Union des caisses nationales de sécurité sociale) s'engage à rendre ses services numériques "
        "accessibles, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.",
        "est partiellement conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA)",
        "Aucun audit de conformité manuel n'a encore été réalisé",
        "Contenus non accessibles",
        "Cette déclaration a été établie le 28 novembre 2026 .",
        "HTML CSS JavaScript",
        "ordinateur (1024 × 768 pixels) et téléphone (390 × 844 pixels)",
        "Pages du service ayant fait l'objet de la vérification",
        "accessibilite@ucanss.fr",
        "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07.",
    ):
        assert sentence in text


def test_the_statement_names_the_axe_core_version_the_tests_use(client):
    pinned = json.loads((Path(settings.BASE_DIR) / "package.json").read_text())["devDependencies"]["axe-core"]
    page = client.get(reverse("accessibility")).content.decode()
    assert f'axe-core <span id="axe-version">{pinned}</span>' in page


def test_the_contact_address_comes_from_the_settings():
    # Read once at start-up from the environment (ACCESSIBILITY_CONTACT_EMAIL), as the URL's context holds it.
    assert settings.ACCESSIBILITY_CONTACT_EMAIL == "accessibilite@ucanss.fr"


@pytest.mark.parametrize("name", ["login", "certificates:lookup", "password_reset"])
def test_every_page_links_to_the_statement(client, name):
    page = client.get(reverse(name)).content.decode()
    assert f'<a href="{reverse("accessibility")}">Accessibilité : partiellement conforme</a>' in page


def test_the_admin_links_to_the_statement(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert f'<a href="{reverse("accessibility")}">Accessibilité : partiellement conforme</a>' in page


def test_the_issuing_progress_never_reloads_itself(admin_client, admin_user):
    deliberation = Deliberation.objects.create(
        title="Jury de printemps", held_on=timezone.localdate(), president=admin_user
    )
    run = IssuingRun.objects.create(deliberation=deliberation, total=4, done=1)
    page = admin_client.get(reverse("admin:certificates_issuingrun_progress", args=[run.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert '<div id="issuing-status" role="status" aria-live="polite">' in page
    assert "1 / 4 certificats (25 %)" in page
    assert f'<a href="{reverse("admin:certificates_issuingrun_progress", args=[run.pk])}">Actualiser</a>' in page
    assert "certificates/issuing-progress.js" in page
