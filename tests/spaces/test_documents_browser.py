"""The livret 2 in a real browser (Debian's chromium), on a phone: the VAE candidate deposits it from his space and
sees it listed (a PNG in its place is refused, with the reason); the president of his interview's jury downloads it
from the grid. Photographed at 390×844 and 1024×768 into SCREENSHOT_DIR, when it is set."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.models import CandidateDocument
from tests.browser import PHONE, TABLET, log_in, screenshot
from tests.evaluations.conftest import exam_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.7\n% livret 2 de Hugo Lambert\n%%EOF\n"


def test_the_candidate_deposits_his_livret2_on_a_phone_and_his_jury_downloads_it(open_browser, demo_exams, tmp_path):
    page = open_browser()
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    log_in(page, "hugo.lambert")
    expect(page).to_have_url(reverse("spaces:candidate_home"))
    documents = page.locator("#documents")
    expect(documents).to_contain_text("Aucun document déposé pour l'instant.")

    page.get_by_label("Nature du document").select_option("livret2")
    page.get_by_label("Fichier").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n"}
    )
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Document refusé — photo.png : ce n'est pas un PDF ; seul ce format est accepté."
    )
    assert not CandidateDocument.objects.exists()
    screenshot(page, "candidat-livret2-refuse", sizes=(PHONE,))

    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    page.get_by_label("Nature du document").select_option("livret2")
    page.get_by_label("Fichier").set_input_files(
        {"name": "livret2-lambert.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="déposé")).to_have_text(
        "Livret 2 (VAE) déposé : « livret2-lambert.pdf »."
    )
    expect(documents.locator("#document-list")).to_contain_text("livret2-lambert.pdf")
    expect(documents.locator("#document-list")).to_contain_text("Livret 2 (VAE) · déposé le")
    expect(documents.locator("#documents-livret2")).to_contain_text("Livret 2 : reçu le")  # on paper, in the demo
    documents.scroll_into_view_if_needed()
    screenshot(page, "candidat-documents", sizes=(PHONE, TABLET))

    jury = open_browser()
    jury.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    log_in(jury, "president")
    jury.goto(reverse("evaluations:grid", kwargs={"pk": exam_of("Lambert").pk}))
    link = jury.get_by_role("link", name="Livret 2 du candidat (PDF)")
    expect(link).to_be_visible()
    screenshot(jury, "jury-entretien-vae-livret2", sizes=(PHONE, TABLET))
    jury.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    with jury.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "livret2-lambert.pdf"
    path = tmp_path / "livret2.pdf"
    download.value.save_as(path)
    assert path.read_bytes() == PDF
