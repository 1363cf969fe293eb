"""The national joint jury in a real browser: review, override with a justification, sign off, minutes."""

import subprocess

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc
from evaluations import services
from evaluations.models import DeliberationStatus

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_national_jury_holds_a_deliberation_from_review_to_minutes(open_browser, demo_exams, tmp_path):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="favourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))

    page = open_browser()
    page.goto(reverse("login"))
    page.locator("#id_username").fill("jpn")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.get_by_role("link", name=deliberation.title).click()
    files = page.locator("#files tbody tr")
    expect(files).to_have_count(2)
    expect(page.locator("#totals")).to_contain_text("Avis ≠ calcul")

    # Only the file where the opinion and the computed result differ.
    page.get_by_label("Avis différent du calcul").check()
    page.get_by_role("button", name="Filtrer").click()
    expect(files).to_have_count(1)
    page.get_by_role("link", name="FONTAINE Chloé").click()

    # Overruling needs a justification: refused without, kept with.
    page.get_by_label("Bloc validé", exact=True).check()
    page.get_by_role("button", name="Enregistrer la décision sur GRU").click()
    expect(page.locator(".alert-danger")).to_have_text(
        "Décider le bloc GRU autrement que le résultat calculé demande une justification écrite."
    )
    page.get_by_label("Bloc validé", exact=True).check()
    page.get_by_label("Justification (obligatoire si la décision diffère du résultat calculé)").fill(
        "Observation perturbée par une panne ; maîtrise attestée par le carnet."
    )
    page.get_by_role("button", name="Enregistrer la décision sur GRU").click()
    expect(page.locator(".alert-success")).to_have_text("Décision enregistrée pour le bloc GRU.")
    expect(page.get_by_text("Décision du jury paritaire national : Bloc validé")).to_be_visible()

    page.get_by_role("link", name=f"← {deliberation.title}").click()
    chloe = page.locator("#files tbody tr", has_text="FONTAINE Chloé")
    expect(chloe).to_contain_text("décision du jury")
    expect(chloe).to_contain_text("CCP seulement")

    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Signer la délibération").click()
    expect(page.get_by_role("status")).to_have_text(
        "Délibération signée : ses décisions sont inscrites au dossier de chaque candidat."
    )
    expect(page.get_by_role("button", name="Ajouter les dossiers prêts")).to_have_count(0)
    deliberation.refresh_from_db()
    assert deliberation.status == DeliberationStatus.SIGNED
    assert sorted(
        AcquiredBloc.objects.filter(deliberation=deliberation).values_list("candidate__last_name", "bloc__code")
    ) == [("Fontaine", "GRU"), ("Martin", "GRU"), ("Martin", "MDR")]

    with page.expect_download() as download:
        page.evaluate(
            "url => { const a = document.createElement('a'); a.href = url; a.download = 'pv.pdf'; a.click(); }",
            reverse("evaluations:minutes_pdf", kwargs={"pk": deliberation.pk}),
        )
    path = tmp_path / "pv.pdf"
    download.value.save_as(path)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split()
    )
    assert "2 dossiers examinés · 0 CQP délivré · 2 dossiers avec CCP seulement" in text
    assert "GRU : bloc validé (résultat calculé : bloc" in text
    assert "justification : Observation perturbée par une panne" in text
