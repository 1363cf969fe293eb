"""The carnet de suivi online in a real browser (Debian's chromium), on a phone: the tutor and the manager attest a
competence of Léa Martin's coming GDU exam, the president reads both on the grid; the manager of managers sees
the indirect reports and not another team. Each screen is also photographed at 1024×768 and 390×844 into
SCREENSHOT_DIR, when it is set."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from candidates import demo
from candidates.demo import PASSWORD
from candidates.models import AttestationEvent, Candidate, Organisation
from evaluations import services
from referentials.models import Competence
from tests.browser import PHONE, TABLET, log_in, screenshot
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def coming_exams(shipped_referential):
    """The demo world as of today: Léa Martin's GDU exam is in ten days, her GRU and MDR took place."""
    demo.load_demo()


def on_phone(page):
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})


def photograph(page, name):
    screenshot(page, name, sizes=(TABLET, PHONE))
    on_phone(page)


def fits_the_phone(page):
    """Nothing runs off to the right on a phone."""
    on_phone(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]


def attest(page, competence, role, day, comment, photo=None):
    card = page.locator(f"#competence-{competence.pk}")
    card.get_by_text(f"Attester en tant que {role}").click()
    form = card.locator(f"form[action$='/{role}/attester/']")
    form.get_by_label("Maîtrise constatée le").fill(f"{day:%Y-%m-%d}")
    form.get_by_label("Commentaire (facultatif)").fill(comment)
    if photo:
        fits_the_phone(page)
        form.scroll_into_view_if_needed()
        photograph(page, photo)
    form.get_by_role("button", name="Attester").click()
    expect(page.locator(".alert-success")).to_have_text(f"Compétence GDU {competence.code} attestée.")


def test_the_tutor_and_the_manager_attest_on_a_phone_and_the_president_reads_it(open_browser, coming_exams):
    gdu = Competence.objects.filter(bloc__version__label="2020", bloc__code="GDU").order_by("order").first()
    today = timezone.localdate()
    tutor_day, manager_day = today - datetime.timedelta(days=4), today - datetime.timedelta(days=1)

    tutor = open_browser()
    on_phone(tutor)
    log_in(tutor, "emma.garnier")
    expect(tutor.get_by_role("heading", name="Les candidats que vous accompagnez")).to_be_visible()
    expect(tutor.locator("#followed li")).to_have_count(2)
    expect(tutor.locator("#followed")).to_contain_text("Léa Martin tuteur")
    fits_the_phone(tutor)
    photograph(tutor, "accompagnement-tuteur")
    tutor.get_by_role("link", name="Léa Martin").click()
    expect(tutor.locator("#relation")).to_have_text("tuteur")
    expect(tutor.locator(".frozen").first).to_contain_text("L'épreuve du bloc GRU a commencé le")
    attest(tutor, gdu, "tuteur", tutor_day, "Traite seule les dossiers de prestations, vu le 12.", "carnet-formulaire")
    card = tutor.locator(f"#competence-{gdu.pk}")
    expect(card.locator("[data-role=tutor]")).to_contain_text(
        f"Tuteur : attestée le {tutor_day:%-d/%m/%Y} (en ligne, par Emma Garnier)"
    )
    expect(card.get_by_role("button", name="Retirer mon attestation")).to_be_visible()
    expect(card.get_by_text("Attester en tant que manager")).to_have_count(0)
    fits_the_phone(tutor)
    photograph(tutor, "carnet-tuteur-atteste")

    manager = open_browser()
    on_phone(manager)
    log_in(manager, "marc.petit")
    manager.get_by_role("link", name="Léa Martin").click()
    attest(manager, gdu, "manager", manager_day, "Confirmé en entretien de suivi.")
    expect(manager.locator(f"#competence-{gdu.pk} [data-role=manager]")).to_contain_text(
        f"Manager : attestée le {manager_day:%-d/%m/%Y} (en ligne, par Marc Petit)"
    )
    fits_the_phone(manager)
    photograph(manager, "carnet-manager-atteste")
    assert AttestationEvent.objects.count() == 2

    president = open_browser()
    on_phone(president)
    log_in(president, "president")
    president.goto(reverse("evaluations:grid", kwargs={"pk": exam_of("Martin", "GDU").pk}))
    competence_card = president.locator(f"section[aria-labelledby='competence-{gdu.pk}-title']")
    carnet_line = competence_card.locator("p", has_text="Carnet de suivi")
    expect(carnet_line).to_have_text(
        f"Carnet de suivi : attestée par le tuteur (Emma Garnier, en ligne) le {tutor_day:%-d/%m/%Y} : « Traite "
        "seule les dossiers de prestations, vu le 12. », par le manager (Marc Petit, en ligne) le "
        f"{manager_day:%-d/%m/%Y} : « Confirmé en entretien de suivi. »."
    )
    carnet_line.scroll_into_view_if_needed()
    photograph(president, "grille-carnet-en-ligne")


def test_the_manager_of_managers_sees_the_indirect_reports_not_another_team(open_browser, coming_exams):
    hugo = Candidate.objects.get(last_name="Lambert")
    page = open_browser()
    on_phone(page)
    log_in(page, "nadia.roux")
    followed = page.locator("#followed")
    expect(followed.locator("li")).to_have_count(2)
    expect(followed).to_contain_text("Léa Martin manager de Marc Petit")
    expect(followed).to_contain_text("Chloé Fontaine manager de Marc Petit")
    expect(followed).not_to_contain_text("Hugo Lambert")
    fits_the_phone(page)
    photograph(page, "accompagnement-manager-de-managers")
    page.get_by_role("link", name="Léa Martin").click()
    expect(page.locator("#relation")).to_have_text("manager de Marc Petit")
    expect(page.locator("#read-only")).to_contain_text("seuls le tuteur et le manager direct du candidat y attestent")
    expect(page.get_by_text("Attester en tant que")).to_have_count(0)
    fits_the_phone(page)
    photograph(page, "carnet-manager-de-managers")
    response = page.goto(reverse("spaces:companion_candidate", kwargs={"candidate_pk": hugo.pk}))
    assert response.status == 404


def test_the_manager_reads_the_signed_results_on_a_phone(open_browser, demo_exams):
    run_exam(
        exam_of("Fontaine", "GRU"),
        validated=False,
        verdict="unfavourable",
        recommendations="Consolider la relation de service en situation de travail.",
    )
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    Organisation.objects.filter(name="CPAM de Paris").update(send_results_to_manager=True)
    page = open_browser()
    on_phone(page)
    log_in(page, "marc.petit")
    page.get_by_role("link", name="Chloé Fontaine").click()
    results = page.locator("#results")
    expect(results.locator(".result")).to_have_count(1)
    expect(results.locator(".result")).to_contain_text(
        "Bloc GRU — Gestion de la relation usagers de la Sécurité sociale : non validé"
    )
    expect(results.locator(".result")).to_contain_text(
        "Préconisations du jury professionnel : Consolider la relation de service en situation de travail."
    )
    fits_the_phone(page)
    photograph(page, "carnet-manager-resultats")
