"""The candidate's own page in a real browser (Debian's chromium), on a phone first: Léa Martin logs in, reads her
convocation and files it in her calendar, then, once the national joint jury has signed and her certificates are
issued, reads her results and downloads a certificate. Photographed at 390×844 and 1024×768 into SCREENSHOT_DIR,
when it is set."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from candidates import demo
from certificates import services as certificate_services
from certificates.models import Certificate
from evaluations import services as evaluation_services
from tests.browser import PHONE, TABLET, log_in, screenshot
from tests.certificates.test_reissue_browser import in_a_thread
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coming_exams(shipped_referential):
    """The demo world as of today: Léa Martin's spring exams held, her GDU exam in ten days."""
    demo.load_demo()


def signed_spring_with_certificates():
    """GRU and MDR validated by a signed deliberation; its certificates issued (produced and signed by the task
    worker, immediate in tests)."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    deliberation = evaluation_services.sign_deliberation(deliberation, user("jpn"), demo.PASSWORD)
    certificate_services.start_issuing(deliberation)
    return deliberation


def fits_a_phone(page):
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]  # nothing runs off the screen


def test_on_her_phone_lea_reads_her_convocation_then_downloads_her_certificate(
    open_browser, coming_exams, signing_certificate
):
    exam = exam_of("Martin", "GDU")
    starts = timezone.localtime(exam.scheduled_at)
    page = open_browser()
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    log_in(page, "lea.martin")
    expect(page).to_have_url(f"{page.url.split('/mon-espace/')[0]}/mon-espace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace candidat")

    convocation = page.get_by_role(
        "article", name="Épreuve du bloc GDU « Gestion des droits de l'utilisateur de la Sécurité sociale »"
    )
    expect(convocation).to_be_visible()
    expect(convocation).to_contain_text("à 09h30 (heure de Paris), jusqu'à 11h00 environ")
    expect(convocation).to_contain_text("Claire Dumas (présidence du jury) et Sophie Bernard (représentation métier)")
    expect(page.locator("#cqp-GC-GDU")).to_contain_text("Épreuve prévue")
    expect(page.locator("#no-results")).to_have_text("Aucun résultat pour l'instant.")
    fits_a_phone(page)
    screenshot(page, "espace-candidat-convocation", sizes=(PHONE, TABLET))

    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    with page.expect_download() as download:
        convocation.get_by_role("link", name="Ajouter à mon agenda (fichier .ics)").click()
    assert download.value.suggested_filename == f"convocation-GDU-{starts:%Y-%m-%d}.ics"
    ics = Path(download.value.path()).read_text().splitlines()
    assert ics[0] == "BEGIN:VCALENDAR"
    assert f"DTSTART;TZID=Europe/Paris:{starts:%Y%m%dT093000}" in ics

    deliberation = in_a_thread(signed_spring_with_certificates)
    gru = Certificate.objects.get(bloc__code="GRU")
    assert gru.pdf
    page.reload()
    results = page.locator(f"#deliberation-{deliberation.pk}")
    expect(results.get_by_role("listitem").filter(has_text="Bloc GRU")).to_contain_text("validé")
    expect(page.locator("#cqp-GC-GRU")).to_contain_text("Acquis")
    card = page.get_by_role("article", name=f"CCP — bloc GRU : {gru.bloc.title}")
    expect(card.get_by_label("Lien de vérification, à copier pour un employeur")).to_have_value(
        certificate_services.verify_url(gru)
    )
    fits_a_phone(page)
    with page.expect_download() as download:
        card.get_by_role("link", name="Télécharger le certificat signé (PDF)").click()
    assert download.value.suggested_filename == f"{gru.number}.pdf"
    assert Path(download.value.path()).read_bytes() == gru.pdf.open("rb").read()
    page.locator("#certificats").scroll_into_view_if_needed()
    screenshot(page, "espace-candidat-resultats-certificats", sizes=(PHONE, TABLET))
