"""What becomes of an exam, in a real browser (Debian's chromium): the president's absence button on the grid
page, the administrator's forms (postpone, excuse) and the cancellation of several exams with a reason, and the
national jury's file of a candidate absent. One test per new screen; each screen is also photographed at
1024×768 and 390×844 into SCREENSHOT_DIR, when it is set."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from candidates import demo
from candidates.models import Exam, ExamStatus
from evaluations import services
from tests.browser import PHONE, TABLET, log_in, screenshot
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coming_exams(shipped_referential):
    """The demo world as of today: the winter sessions and their exams are still to come."""
    demo.load_demo()


def photograph(page, name):
    screenshot(page, name, sizes=(TABLET, PHONE))


def test_the_president_declares_the_candidate_absent_on_the_grid_page(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    page = open_browser()
    log_in(page, "president")
    page.goto(reverse("evaluations:grid", kwargs={"pk": exam.pk}))
    card = page.locator("#absence")
    expect(card).to_contain_text("Le candidat ne s'est pas présenté ?")
    card.locator("summary").click()  # folded on the grid until the president opens it
    photograph(page, "grille-bouton-absent")
    button = page.get_by_role("button", name="Déclarer le candidat absent")
    button.click()  # the box unticked: the browser asks for it, nothing is sent
    expect(page.locator("#id_confirm_absence")).to_have_js_property("validity.valid", False)
    assert Exam.objects.get(pk=exam.pk).status == ExamStatus.SCHEDULED
    page.get_by_label("Je confirme, au titre de la présidence du jury, que le candidat est absent").check()
    button.click()
    expect(page.locator(".alert-success")).to_contain_text("Absence du candidat enregistrée")
    outcome = page.locator("#exam-outcome")
    expect(outcome.get_by_role("heading")).to_have_text("Candidat absent")
    expect(outcome).to_contain_text("Enregistré par Claire Dumas")
    expect(page.locator("#grid-form")).to_have_count(0)
    photograph(page, "grille-candidat-absent")
    assert Exam.objects.get(pk=exam.pk).status == ExamStatus.ABSENT


def test_an_administrator_postpones_then_excuses_an_exam_in_the_admin(open_browser, coming_exams):
    exam = exam_of("Martin", "GDU")
    new = timezone.localtime(exam.scheduled_at + datetime.timedelta(days=4)).replace(hour=14, minute=30)
    page = open_browser()
    log_in(page, "gestionnaire")
    page.goto(reverse("admin:candidates_exam_change", args=[exam.pk]))
    photograph(page, "admin-epreuve-prevue")
    page.get_by_role("link", name="Reporter l'épreuve").click()
    expect(page.get_by_role("heading", name="Reporter l'épreuve")).to_be_visible()
    page.get_by_label("Nouvelle date et heure").fill("2001-01-01T09:00")
    page.get_by_label("Motif").fill("Salle indisponible")
    page.get_by_role("button", name="Reporter l'épreuve").click()
    expect(page.locator("#outcome-refused")).to_have_text("Une épreuve se reporte à une date à venir.")
    photograph(page, "admin-reporter-refus")
    page.get_by_label("Nouvelle date et heure").fill(f"{new:%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="Reporter l'épreuve").click()
    expect(page.locator(".messagelist")).to_contain_text("Épreuve reportée")
    expect(page.locator(".messagelist")).to_contain_text("3 messages de convocation partent par courriel.")
    expect(page.locator("#exam-outcome")).to_contain_text(
        f"Reportée du {timezone.localtime(exam.scheduled_at):%d/%m/%Y %H:%M}"
    )
    page.get_by_role("link", name="Excuser l'absence du candidat").click()
    page.get_by_label("Motif").fill("Raison de santé, justificatif reçu le 2 décembre")
    photograph(page, "admin-excuser")
    page.get_by_role("button", name="Excuser l'absence du candidat").click()
    expect(page.locator(".messagelist")).to_contain_text("Absence excusée")
    expect(page.locator("#exam-outcome")).to_contain_text(
        "Absence excusée — « Raison de santé, justificatif reçu le 2 décembre »"
    )
    expect(page.get_by_role("link", name="Convoquer de nouveau le candidat (nouvelle épreuve)")).to_be_visible()
    photograph(page, "admin-epreuve-excusee")
    exam = Exam.objects.get(pk=exam.pk)
    assert (exam.status, exam.scheduled_at, exam.convocation_sequence) == (ExamStatus.EXCUSED, new, 2)


def test_an_administrator_cancels_exams_with_a_reason_from_the_list(open_browser, coming_exams):
    gru, mdr = exam_of("Robert", "GRU"), exam_of("Robert", "MDR")
    page = open_browser()
    log_in(page, "gestionnaire")
    page.goto(reverse("admin:candidates_exam_changelist"))
    for exam in (gru, mdr):
        page.locator(f"input[name=_selected_action][value='{exam.pk}']").check()
    page.locator("select[name=action]").select_option("cancel_exams")
    page.locator("button[name=index]").click()
    expect(page.get_by_role("heading", name="Annuler les épreuves")).to_be_visible()
    page.get_by_role("button", name="Annuler ces épreuves").click()
    expect(page.locator(".errorlist")).to_contain_text("Ce champ est obligatoire.")
    page.get_by_label("Motif").fill("Centre d'examen fermé (travaux)")
    photograph(page, "admin-annuler-epreuves")
    page.get_by_role("button", name="Annuler ces épreuves").click()
    expect(page.locator(".messagelist")).to_contain_text("2 épreuves annulées.")
    page.get_by_role("link", name="annulée").first.click()  # the status filter
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert set(Exam.objects.filter(status=ExamStatus.CANCELLED).values_list("pk", flat=True)) == {gru.pk, mdr.pk}


def test_the_national_jury_reads_absent_on_the_file(open_browser, demo_exams):
    from candidates import services as exam_services

    exam_services.record_absence(exam_of("Martin", "GRU"), acting_user=user("president"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    page = open_browser()
    log_in(page, "jpn")
    page.goto(reverse("evaluations:deliberation", kwargs={"pk": deliberation.pk}))
    lea = page.locator("#files tbody tr", has_text="MARTIN Léa")
    expect(lea).to_contain_text("GRU : absent (absent à l'épreuve) · ✘ non validé")
    photograph(page, "deliberation-absent")
    page.get_by_role("link", name="MARTIN Léa").click()
    expect(page.get_by_role("heading", name="Épreuves manquées")).to_be_visible()
    expect(page.locator("#absences")).to_contain_text("candidat absent, enregistré par Claire Dumas")
    expect(page.get_by_text("rien n'a été évalué, le bloc ne peut pas être validé à cette session.")).to_be_visible()
    photograph(page, "dossier-absent")
