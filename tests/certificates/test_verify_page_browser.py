"""The public verification page in a real browser, on a phone first and a tablet: what a CCP certifies (its
bloc's competences, the bloc's RNCP code) and what a CQP does (its blocs and their codes), with the RNCP
mentions, readable without sideways scrolling."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from certificates import services
from certificates.models import Certificate, Signatory
from referentials.models import ReferentialVersion
from tests.browser import PHONE, TABLET, screenshot

from .test_mentions import fill_gc_bloc_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def numbered(spring, winter):
    """Léa Martin's CCP GRU, MDR and GDU, and her CQP GC, numbered (their pages need no PDF), with the RNCP
    identifiers an administrator filled in."""
    version = ReferentialVersion.objects.get(label="2020")
    ReferentialVersion.objects.filter(pk=version.pk).update(registered_on=datetime.date(2021, 4, 14))
    fill_gc_bloc_codes(version)
    Signatory.objects.create(name="Camille Exemple", title="Directrice générale", from_date=datetime.date(2020, 1, 1))
    services.number_certificates(spring)
    services.number_certificates(winter)
    return Certificate.objects.select_related("bloc")


def fits_the_width(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_page_of_a_ccp_lists_its_competences_and_rncp_mentions(open_browser, numbered):
    gru = numbered.get(bloc__code="GRU")
    page = open_browser()
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(reverse("certificates:verify", kwargs={"code": gru.code}))
    expect(page.locator("#verdict")).to_have_text("Certificat valide, délivré par l'Ucanss.")
    expect(page.locator("#rncp")).to_have_text(
        "Gestionnaire conseil de la Sécurité sociale (RNCP 35729, niveau 5), enregistrée au RNCP par décision de "
        "France compétences du 14 avril 2021"
    )
    expect(page.locator("#bloc-rncp")).to_have_text("RNCP35729BC01")
    expect(page.get_by_role("heading", name="Compétences certifiées — bloc GRU")).to_be_visible()
    items = page.locator("#parts li")
    expect(items).to_have_count(6)
    expect(items.first).to_have_text(
        "C1 — Proposer l'offre de service adaptée à la situation de l'utilisateur, en développant un argumentaire "
        "clair, afin de garantir l'accès aux droits et services"
    )
    assert fits_the_width(page)
    screenshot(page, "verify-ccp", sizes=[PHONE, TABLET])


def test_the_page_of_a_cqp_lists_its_blocs_with_their_codes(open_browser, numbered):
    cqp = numbered.get(kind="CQP")
    page = open_browser()
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(reverse("certificates:verify", kwargs={"code": cqp.code}))
    expect(page.locator("#verdict")).to_have_text("Certificat valide, délivré par l'Ucanss.")
    expect(page.locator("#bloc-rncp")).to_have_count(0)
    expect(page.locator("#parts li")).to_have_text(
        [
            "GRU — Gestion de la relation usagers de la Sécurité sociale (RNCP35729BC01)",
            "MDR — Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale",
            "GDU — Gestion des droits de l'utilisateur de la Sécurité sociale (RNCP35729BC03)",
        ]
    )
    assert fits_the_width(page)
    screenshot(page, "verify-cqp", sizes=[PHONE, TABLET])
