"""Issue 16 in a real browser (Debian's chromium), as an Ucanss administrator does it in the admin: an issued
certificate opened, the holder's name corrected in the candidate's record, the certificate re-issued with a
reason; the admin then shows the new certificate and the old one replaced, and the old one's public page
leads to the new. A reason of blanks is refused on the form, and nothing changes. The screens are
photographed into SCREENSHOT_DIR, when it is set."""

import re

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from playwright.sync_api import expect

from certificates import services
from certificates.models import Certificate, CertificateEvent
from tests.browser import log_in, screenshot

from .test_reissue_browser import in_a_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Nom d'usage : Martin-Durand depuis son mariage."


def readonly(page, field):
    """The value the admin shows for a read-only field of the change page."""
    return page.locator(f".field-{field} .readonly")


def test_an_administrator_reissues_a_certificate_after_correcting_the_holders_name(open_browser, spring):
    in_a_thread(lambda: services.start_issuing(spring))  # Léa Martin's two CCP, produced and signed
    old = Certificate.objects.order_by("number").first()
    year, today = spring.held_on.year, formats.date_format(timezone.localdate(), "j F Y")
    assert old.number == f"CCP-GC-{year}-000001"

    page = open_browser()
    log_in(page, "gestionnaire")
    page.goto(reverse("admin:certificates_certificate_changelist"))
    page.get_by_role("link", name=old.number, exact=True).click()
    expect(readonly(page, "holder_name")).to_have_text("Léa MARTIN")
    expect(readonly(page, "replacement")).to_have_text("Rééditer (nom corrigé)")
    screenshot(page, "admin-certificat-emis")

    # The record still says Martin: the page says to correct it first, and offers no form.
    page.get_by_role("link", name="Rééditer (nom corrigé)").click()
    expect(page.get_by_role("heading", name=f"Rééditer le certificat {old.number}")).to_be_visible()
    expect(page.locator("#content .errornote")).to_have_text(
        "Le dossier du candidat porte le même nom que le certificat : corrigez d'abord le nom dans le dossier "
        "du candidat, puis revenez rééditer le certificat."
    )
    expect(page.get_by_label("Motif de la réédition")).to_have_count(0)
    screenshot(page, "admin-reedition-nom-identique")

    page.get_by_role("link", name="corrigez d'abord le nom dans le dossier du candidat").click()
    page.locator("#id_last_name").fill("Martin-Durand")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist .success")).to_have_text(
        "L’objet candidat « MARTIN-DURAND Léa » a été modifié avec succès."
    )

    page.goto(reverse("admin:certificates_certificate_change", args=[old.pk]))
    page.get_by_role("link", name="Rééditer (nom corrigé)").click()
    expect(page.locator("#content table th")).to_have_text(
        [f"Nom sur le certificat {old.number}", "Nom dans le dossier du candidat"]
    )
    names = page.locator("#content table td")
    expect(names).to_have_text(["Léa MARTIN", "Léa MARTIN-DURAND"])
    reason = page.get_by_label("Motif de la réédition")
    submit = page.get_by_role("button", name="Rééditer")

    # Refused: the reason left empty (the browser asks for it), then made of blanks (the server refuses it).
    submit.click()
    expect(reason).to_have_js_property("validity.valueMissing", True)
    reason.fill("   ")
    submit.click()
    expect(page.locator("#content .errorlist")).to_have_text("Ce champ est obligatoire.")
    expect(names).to_have_text(["Léa MARTIN", "Léa MARTIN-DURAND"])  # the same page, nothing re-issued
    screenshot(page, "admin-reedition-motif-refuse")
    assert (Certificate.objects.count(), Certificate.objects.get(pk=old.pk).is_replaced) == (2, False)
    assert not CertificateEvent.objects.exists()

    reason.fill(REASON)
    screenshot(page, "admin-reedition-formulaire")
    submit.click()
    new = Certificate.objects.get(replaces=old)
    assert (new.number, new.holder_name) == (f"CCP-GC-{year}-000003", "Léa MARTIN-DURAND")
    expect(page.locator(".messagelist .success")).to_have_text(
        f"Certificat {old.number} remplacé par le certificat {new.number}, au nom de Léa MARTIN-DURAND : il est "
        "produit et envoyé à son titulaire en arrière-plan."
    )
    expect(page).to_have_url(
        re.compile(re.escape(reverse("admin:certificates_certificate_change", args=[new.pk])) + "$")
    )
    expect(readonly(page, "number")).to_have_text(new.number)
    expect(readonly(page, "holder_name")).to_have_text("Léa MARTIN-DURAND")
    expect(readonly(page, "pdf_download")).to_have_text(f"Télécharger {new.number}.pdf")  # produced and signed
    expect(readonly(page, "replacement")).to_have_text(f"Remplace le certificat {old.number}Rééditer (nom corrigé)")
    # The button sits under the line above it, not over its words.
    replacement = readonly(page, "replacement")
    above = replacement.get_by_role("link", name=old.number).bounding_box()
    button = replacement.get_by_role("link", name="Rééditer (nom corrigé)").bounding_box()
    assert button["y"] >= above["y"] + above["height"]
    screenshot(page, "admin-certificat-reedite")

    # The old one: replaced today by the new, who did it, when and why; nothing more to do on it.
    readonly(page, "replacement").get_by_role("link", name=old.number).click()
    expect(readonly(page, "number")).to_have_text(old.number)
    expect(readonly(page, "holder_name")).to_have_text("Léa MARTIN")
    expect(readonly(page, "replacement")).to_have_text(f"Remplacé le {today} par le certificat {new.number}")
    event = CertificateEvent.objects.get()
    when = formats.date_format(timezone.localtime(event.at), "DATETIME_FORMAT")
    expect(readonly(page, "history")).to_have_text(
        f"{when} — réédité (nom corrigé) ({new.number}) par Gaëlle Gestionnaire : {REASON}"
    )
    expect(readonly(page, "revocation")).to_have_text("—")
    screenshot(page, "admin-certificat-remplace")

    page.goto(reverse("admin:certificates_certificate_changelist"))
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text=old.number).locator(".field-validity")).to_have_text("remplacé")
    expect(rows.filter(has_text=new.number).locator(".field-validity")).to_have_text("valide")

    # The old one's public page, reached from the admin: replaced, with the link to the new one, valid.
    page.goto(reverse("admin:certificates_certificate_change", args=[old.pk]))
    readonly(page, "verification").get_by_role("link").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_have_text(
        f"Certificat remplacé le {today} par le n° {new.number} : il n'est plus valide, "
        "seul le nouveau certificat fait foi."
    )
    screenshot(page, "verification-ancien-certificat")
    verdict.get_by_role("link", name=f"n° {new.number}").click()
    expect(page.locator("#verdict")).to_have_text("Certificat valide, délivré par l'Ucanss.")
    expect(page.locator("dd").first).to_have_text("Léa MARTIN-DURAND")
