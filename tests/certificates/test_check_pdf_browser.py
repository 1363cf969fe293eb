"""« Check a PDF you were shown » in a real browser, on a phone: an employer uploads the PDF a candidate sent
and reads the verdict and what was checked; then the same PDF with one byte changed."""

import pytest
from django.core.cache import caches
from django.urls import reverse
from playwright.sync_api import expect

from certificates import services
from certificates.models import Certificate
from tests.browser import PHONE, screenshot

from .test_reissue_browser import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def issue(deliberation):
    """The deliberation's certificates numbered, rendered, signed and stored; Léa Martin's CCP GRU read back."""
    services.start_issuing(deliberation)
    certificate = Certificate.objects.get(bloc__code="GRU")
    with certificate.pdf.open("rb") as pdf:
        return certificate, pdf.read()


def upload(page, name, data):
    page.locator("#id_pdf").set_input_files({"name": name, "mimeType": "application/pdf", "buffer": data})
    page.get_by_role("button", name="Vérifier le PDF").click()


def test_an_employer_checks_the_pdf_on_a_phone(open_browser, spring):
    certificate, data = in_a_thread(lambda: issue(spring))
    caches["default"].clear()  # no request counted by an earlier test (a transactional test keeps the cache table)

    page = open_browser()
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.goto(reverse("certificates:lookup"))
    expect(page.get_by_role("heading", name="Vérifier un PDF qu'on vous a transmis")).to_be_visible()
    upload(page, "certificat-lea-martin.pdf", data)

    verdict = page.locator("#pdf-verdict")
    expect(verdict).to_contain_text(f"Authentique : ce fichier est le PDF du certificat n° {certificate.number}")
    expect(verdict).to_contain_text("délivré par l'Ucanss à Léa MARTIN")
    expect(verdict).to_be_in_viewport()  # the page opens at the answer, not at its top
    expect(page.locator("#pdf-findings li")).to_have_text(
        [
            "✓ Vérifié : Empreinte SHA-256 identique à celle du PDF délivré : le fichier est, octet pour octet, "
            "celui de l'Ucanss.",
            "✓ Vérifié : Signature électronique de l'Ucanss intacte, couvrant tout le fichier : rien n'a changé "
            "depuis.",
        ]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # nothing runs off the screen
    screenshot(page, "verifier-pdf-authentique", [PHONE])

    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    upload(page, "certificat-lea-martin.pdf", bytes(changed))
    expect(page.locator("#pdf-verdict")).to_have_text(
        f"Modifié : ce fichier se présente comme le certificat n° {certificate.number}, mais ce n'est pas le PDF "
        "délivré par l'Ucanss : il a été modifié ou fabriqué, et ne fait pas foi."
    )
    expect(page.locator("#pdf-verdict")).to_have_attribute("role", "alert")
    screenshot(page, "verifier-pdf-modifie", [PHONE])

    page.locator("#id_pdf").set_input_files(
        {"name": "photo.pdf", "mimeType": "application/pdf", "buffer": b"\x89PNG\r\n\x1a\n"}
    )
    page.get_by_role("button", name="Vérifier le PDF").click()
    expect(page.get_by_text("photo.pdf : ce n'est pas un PDF ; seul ce format est accepté.")).to_be_visible()
    screenshot(page, "verifier-pdf-refuse", [PHONE])
