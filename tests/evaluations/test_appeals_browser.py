"""An appeal in a real browser (Debian's chromium): the administrator finds the signed decision and records the
appeal with its letter; the national joint jury puts it before a later deliberation and rules on it with a
justification, reading the contested decision and the grounds. Photographed at 1024×768 and 390×844 into
SCREENSHOT_DIR, when it is set."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluations.models import Appeal, Ruling
from tests.browser import PHONE, TABLET, log_in, screenshot

from .test_deliberations import deliberation_for
from .test_results_mail import sign, spring  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GROUNDS = "La situation présentée couvrait la compétence 2 : je demande le réexamen du bloc."


def test_an_appeal_is_recorded_in_the_admin_then_ruled_on_by_a_later_deliberation(open_browser, spring):  # noqa: F811
    first = sign(spring)
    page = open_browser()
    log_in(page, "gestionnaire")
    page.goto(reverse("admin:evaluations_blocdecision_changelist") + "?q=Fontaine")
    page.get_by_role("link", name="Enregistrer un recours").click()
    expect(page.get_by_role("heading", name="Ajout : recours")).to_be_visible()
    page.get_by_label("Reçu le").fill(timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_label("Motifs du recours").fill(GROUNDS)
    page.get_by_label("Pièces jointes").set_input_files(
        [{"name": "courrier.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n%%EOF\n"}]
    )
    screenshot(page, "admin-recours-ajout", sizes=(TABLET,))
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("a été ajouté")
    appeal = Appeal.objects.get()
    page.goto(reverse("admin:evaluations_appeal_change", args=[appeal.pk]))
    expect(page.locator(".field-state")).to_contain_text("En attente de la prochaine délibération")
    expect(page.get_by_role("link", name="courrier.pdf")).to_be_visible()
    screenshot(page, "admin-recours", sizes=(TABLET,))

    later = deliberation_for()
    page.context.clear_cookies()
    log_in(page, "jpn")
    page.goto(reverse("evaluations:deliberation", kwargs={"pk": later.pk}))
    expect(page.locator("#ready")).to_contain_text("1 recours à examiner.")
    page.get_by_role("button", name="Ajouter les dossiers prêts").click()
    page.get_by_role("link", name="FONTAINE Chloé").click()
    card = page.locator(f"#appeal-{appeal.pk}")
    expect(card).to_contain_text(f"Motifs : « {GROUNDS} »")
    expect(card).to_contain_text("bloc non validé")
    expect(card.get_by_role("link", name="courrier.pdf")).to_be_visible()
    page.get_by_label("Bloc validé").check()
    page.get_by_role("button", name="Enregistrer la décision sur GRU").click()
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text("demande une justification")
    page.get_by_label("Bloc validé").check()
    page.get_by_label("Justification (obligatoire").fill("La présentation couvrait bien la compétence 2.")
    page.get_by_role("button", name="Enregistrer la décision sur GRU").click()
    expect(page.get_by_text("Décision enregistrée pour le bloc GRU.")).to_be_visible()
    expect(page.get_by_text("Justification de la décision sur recours : « La présentation couvrait")).to_be_visible()
    screenshot(page, "dossier-recours", sizes=(TABLET, PHONE))
    assert Appeal.objects.get().ruling.decision == Ruling.VALIDATED

    page.goto(reverse("evaluations:candidate_file", kwargs={"pk": first.pk, "file_pk": appeal.contested.file_id}))
    expect(page.locator(f"#appealed-{appeal.pk}")).to_contain_text("examiné par la délibération")
