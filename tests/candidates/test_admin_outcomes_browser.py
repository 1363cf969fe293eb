"""Issue 16 in a real browser (Debian's chromium), as an Ucanss administrator does it in the admin: a candidate
declared absent from an exam that has begun, from the exam's page; the page then shows the outcome, who
recorded it and when. An exam still to come, or one whose grid was submitted meanwhile, is refused with its
reason, and nothing is written. The screens are photographed at 1024×768 and 390×844 into SCREENSHOT_DIR,
when it is set."""

import pytest
from django.urls import reverse
from django.utils import formats, timezone
from playwright.sync_api import expect

from candidates.models import Exam, ExamEvent, ExamStatus
from evaluations import services
from tests.browser import log_in
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import graded_state, user

from .test_exam_outcomes_browser import coming_exams, photograph  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECLARE = "Déclarer le candidat absent"
CONFIRM = "Je confirme que le candidat ne s'est pas présenté à l'épreuve."


def open_exam(page, exam):
    """The exam's page in the admin, as the administrator reaches it from the list of exams."""
    page.goto(reverse("admin:candidates_exam_changelist") + f"?q={exam.candidate.last_name}")
    row = page.locator("#result_list tbody tr", has_text=exam.bloc.code)
    row.locator("th a").click()
    expect(page.locator("#exam-outcome")).to_be_visible()


def status_and_events(exam):
    return Exam.objects.get(pk=exam.pk).status, ExamEvent.objects.filter(exam=exam).count()


def test_an_administrator_declares_a_candidate_absent_from_the_exam_page(open_browser, demo_exams):
    exam = exam_of("Fontaine", "GRU")  # a month ago, no grid
    page = open_browser()
    log_in(page, "gestionnaire")
    open_exam(page, exam)
    outcome = page.locator("#exam-outcome")
    expect(outcome.locator("strong")).to_have_text("Prévue")
    expect(outcome.locator(".exam-outcome-actions a")).to_have_text(
        ["Reporter l'épreuve", "Excuser l'absence du candidat", "Annuler l'épreuve", DECLARE]
    )
    photograph(page, "admin-epreuve-commencee")

    outcome.get_by_role("link", name=DECLARE).click()
    expect(page.get_by_role("heading", name=DECLARE)).to_be_visible()
    expect(page.locator(".exam-outcome-facts dd")).to_have_text(
        [
            "FONTAINE Chloé",
            "Bloc GRU — Gestion de la relation usagers de la Sécurité sociale",
            f"{exam.session} ({exam.session.starts_on:%d/%m/%Y} – {exam.session.ends_on:%d/%m/%Y})",
            formats.date_format(timezone.localtime(exam.scheduled_at), "l j F Y, H:i"),
            f"{exam.president.full_name}, {exam.representative.full_name}",
        ]
    )
    # Not confirmed: the form says so, and nothing is written.
    page.get_by_role("button", name=DECLARE).click()
    expect(page.locator(".form-row.errors .errorlist")).to_have_text("Ce champ est obligatoire.")
    assert status_and_events(exam) == (ExamStatus.SCHEDULED, 0)
    page.get_by_label(CONFIRM).check()
    photograph(page, "admin-declarer-absent")
    page.get_by_role("button", name=DECLARE).click()

    expect(page.locator(".messagelist .success")).to_have_text(
        "Absence enregistrée : le bloc est présenté au jury paritaire national comme non validé, "
        "«\u00a0absent à l'épreuve\u00a0»."
    )
    event = ExamEvent.objects.get(exam=exam)
    assert (event.action, event.user.username, event.reason) == ("absent", "gestionnaire", "")
    expect(outcome.locator("strong")).to_have_text("Candidat absent")
    expect(outcome.locator(".exam-events li")).to_have_text(
        [f"{timezone.localtime(event.at):%d/%m/%Y %H:%M} — Candidat absent (Gaëlle Gestionnaire)"]
    )
    # Only the excuse remains possible, and the exam is read-only: it is what happened.
    expect(outcome.locator(".exam-outcome-actions a")).to_have_text(["Excuser l'absence du candidat"])
    expect(page.locator("input[name=_save]")).to_have_count(0)
    photograph(page, "admin-epreuve-candidat-absent")
    assert status_and_events(exam) == (ExamStatus.ABSENT, 1)


def test_an_exam_graded_while_the_form_was_open_is_not_declared_absent(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    page = open_browser()
    log_in(page, "gestionnaire")
    open_exam(page, exam)
    page.get_by_role("link", name=DECLARE).click()
    page.get_by_label(CONFIRM).check()
    # Meanwhile the president fills in the grid and submits it: the exam did take place.
    services.save_grid(exam, user("president"), graded_state(exam), 0)
    services.submit_grid(exam, user("president"))
    page.get_by_role("button", name=DECLARE).click()

    expect(page.locator("#outcome-refused")).to_have_text(
        "La grille de cette épreuve est soumise ou signée : l'épreuve a eu lieu, son issue est la grille."
    )
    photograph(page, "admin-declarer-absent-refus-grille")
    assert status_and_events(exam) == (ExamStatus.SCHEDULED, 0)
    page.get_by_role("link", name="Revenir à l'épreuve").click()
    outcome = page.locator("#exam-outcome")
    expect(outcome.locator("p").first).to_have_text("Prévue · grille soumise ou signée : l'épreuve a eu lieu")
    expect(outcome.locator(".exam-outcome-actions a")).to_have_count(0)


def test_an_exam_still_to_come_is_not_declared_absent(open_browser, coming_exams):  # noqa: F811
    exam = exam_of("Martin", "GDU")  # in ten days
    page = open_browser()
    log_in(page, "gestionnaire")
    open_exam(page, exam)
    # The page does not offer it...
    expect(page.locator("#exam-outcome .exam-outcome-actions a")).to_have_text(
        ["Reporter l'épreuve", "Excuser l'absence du candidat", "Annuler l'épreuve"]
    )
    # ...and the form, reached by its address (a bookmark, a link sent), refuses it.
    page.goto(reverse("admin:candidates_exam_absence", args=[exam.pk]))
    page.get_by_label(CONFIRM).check()
    page.get_by_role("button", name=DECLARE).click()
    expect(page.locator("#outcome-refused")).to_have_text(
        "L'épreuve n'a pas encore commencé : le candidat ne peut pas être déclaré absent."
    )
    expect(page.get_by_label(CONFIRM)).to_be_visible()  # still the form, to go back from
    photograph(page, "admin-declarer-absent-refus-a-venir")
    assert status_and_events(exam) == (ExamStatus.SCHEDULED, 0)
