"""The users' guides (docs/guides/, issue 19) walked in a real browser, one test per guide: each step done as the
role does it, its screenshot taken at every run and written to docs/guides/images/<guide>-<step>.png when the
screen changed, so that the pictures never go stale (1024×768, the window as the user sees it). The navigation is
photographed too, at 1024×768 and 390×844, into SCREENSHOT_DIR when it is set.

The steps name elements by their role and label only (« Validé », « Enregistrer »), as a user finds them."""

import io
import re

import pytest
from django.urls import reverse
from PIL import Image, ImageChops
from playwright.sync_api import expect

from candidates import demo
from cqp_site.guides import IMAGES_DIR
from evaluations import services
from evaluations.models import CandidateFile
from tests.browser import PHONE, TABLET, log_in, screenshot
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, graded_state, run_exam, user
from tests.spaces.test_candidate_space_browser import signed_spring_with_certificates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def today_demo(shipped_referential):
    """The demo world as of today: Léa Martin's spring exams held, her GDU exam to come."""
    demo.load_demo()


def shot(page, guide, step, at=None):
    """The window, scrolled to `at` (a locator) if given, as the guide's picture of that step: written when the
    page changed, kept when only a time or a random code in it did (`a_few_words_apart`), so that a run leaves
    the repository as it was unless a screen changed."""
    if at is not None:
        at.first.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -80)")
    path = IMAGES_DIR / f"{guide}-{step}.png"
    taken = page.screenshot()
    if not path.exists() or not a_few_words_apart(path.read_bytes(), taken):
        path.write_bytes(taken)


def a_few_words_apart(before, after, share=0.01):
    """Whether two PNG pictures of the same size differ on fewer than `share` of their pixels (1 %: a time, a
    verification code, a number; a moved or new element changes more)."""
    with Image.open(io.BytesIO(before)) as old, Image.open(io.BytesIO(after)) as new:
        if old.size != new.size:
            return False
        changed = (
            ImageChops.difference(old.convert("RGB"), new.convert("RGB")).convert("L").point(lambda v: 255 * bool(v))
        )
        return changed.histogram()[255] < share * old.size[0] * old.size[1]


def look_at_the_navigation(page, name):
    """The header at a tablet's and a phone's width (for the eyes: SCREENSHOT_DIR); it wraps within a phone."""
    screenshot(page, f"nav-{name}", sizes=(TABLET, PHONE))
    page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    assert page.evaluate("document.querySelector('header').scrollWidth") <= PHONE[0]
    page.set_viewport_size({"width": TABLET[0], "height": TABLET[1]})


def nav(page):
    return page.get_by_role("navigation", name="Navigation principale")


def test_the_jury_guide(open_browser, today_demo):
    exam = exam_of("Martin", "GRU")
    full = graded_state(exam)
    page = open_browser()
    page.goto(reverse("login"))
    page.locator("#id_username").fill("president")
    shot(page, "jury", "connexion")
    log_in(page, "president")
    expect(nav(page).get_by_role("link", name="Mes épreuves")).to_have_attribute("aria-current", "page")
    look_at_the_navigation(page, "jury")
    shot(page, "jury", "epreuves")

    page.get_by_role("link", name=re.compile("Léa Martin|MARTIN Léa")).first.click()
    page.get_by_label("Validé", exact=True).first.check()
    shot(page, "jury", "grille")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".alert-success, [role=status]").first).to_be_visible()
    shot(page, "jury", "enregistrer")

    services.save_grid(exam, user("president"), full, exam.grid.revision)  # the rest of the grid, as if ticked
    page.reload()
    page.get_by_role("button", name="Enregistrer et soumettre aux signatures").click()
    password = page.get_by_role("region", name="Signer la grille").locator("input[type=password]")
    expect(password).to_be_visible()
    shot(page, "jury", "soumettre", at=page.get_by_role("heading", name="Signer la grille"))
    password.fill(demo.PASSWORD)
    page.get_by_role("button", name="Signer", exact=True).click()
    expect(page.get_by_text("Vous avez signé.")).to_be_visible()
    shot(page, "jury", "signer", at=page.get_by_role("heading", name="Signer la grille"))


def test_the_national_jury_guide(open_browser, today_demo):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    page = open_browser()
    log_in(page, "jpn")
    look_at_the_navigation(page, "jury-national")
    shot(page, "jury-national", "deliberations")
    page.get_by_role("link", name=deliberation.title).click()
    shot(page, "jury-national", "deliberation")

    page.get_by_role("link", name="FONTAINE Chloé").click()
    expect(page.get_by_role("link", name="Dossier suivant : Léa Martin →").first).to_be_visible()
    shot(page, "jury-national", "dossier")
    page.get_by_label("Bloc validé", exact=True).check()
    page.get_by_role("button", name="Enregistrer la décision sur GRU").click()
    expect(page.get_by_label("Bloc validé", exact=True)).to_be_checked()  # refused, the choice kept
    page.get_by_label("Justification (obligatoire si la décision diffère du résultat calculé)").fill(
        "Observation perturbée par une panne ; maîtrise attestée par le carnet."
    )
    page.get_by_role("button", name="Enregistrer la décision sur GRU").click()
    expect(page.locator(".alert-success")).to_have_text("Décision enregistrée pour le bloc GRU.")
    shot(page, "jury-national", "decision")

    page.get_by_role("link", name=f"← {deliberation.title}").first.click()
    page.locator("form[action$='/signer/'] input[type=password]").fill(demo.PASSWORD)
    page.locator("form[action$='/signer/'] button[type=submit]").click()
    expect(page.locator("[role=status].alert-success")).to_contain_text("Délibération signée")
    shot(page, "jury-national", "signature")


def test_the_administrator_guide(open_browser, today_demo):
    deliberation_for(SPRING)
    page = open_browser()
    log_in(page, "gestionnaire")
    page.goto(reverse("evaluations:statistics"))
    look_at_the_navigation(page, "administrateur")
    nav(page).get_by_role("link", name="Administration").click()
    shot(page, "administrateur", "accueil")
    page.get_by_role("link", name="Voir le site").click()
    expect(nav(page).get_by_role("link", name="Statistiques")).to_have_attribute("aria-current", "page")

    page.goto(reverse("admin:candidates_candidate_import"))
    shot(page, "administrateur", "import")
    page.goto(reverse("admin:candidates_certificationsession_changelist"))
    page.get_by_role("link", name=SPRING).first.click()
    expect(page.locator("#content-main form")).to_be_visible()  # the session's page, drawn: not the one leaving
    shot(page, "administrateur", "session")
    page.goto(reverse("admin:evaluations_deliberation_changelist"))
    page.locator("select[name=action]").select_option(
        label="Délivrer les certificats (CCP et CQP) des délibérations signées"
    )
    shot(page, "administrateur", "certificats")


def test_the_candidate_guide(open_browser, today_demo, signing_certificate):
    page = open_browser()
    log_in(page, "lea.martin")
    look_at_the_navigation(page, "candidat")
    shot(page, "candidat", "espace", at=page.get_by_role("heading", name="Mes épreuves"))
    shot(page, "candidat", "documents", at=page.get_by_role("heading", name="Mes documents"))
    signed_spring_with_certificates()
    page.reload()
    shot(page, "candidat", "resultats", at=page.get_by_role("heading", name="Mes résultats"))
    shot(page, "candidat", "certificats", at=page.get_by_role("heading", name="Mes certificats"))


def test_the_tutor_and_manager_guide(open_browser, today_demo):
    page = open_browser()
    log_in(page, "emma.garnier")
    look_at_the_navigation(page, "tuteur")
    shot(page, "tuteur-manager", "candidats")
    page.get_by_role("link", name="Léa Martin").first.click()
    shot(page, "tuteur-manager", "carnet", at=page.get_by_role("heading", name="Carnet de suivi des compétences"))
    attest = page.locator("summary", has_text="Attester en tant que tuteur").first
    attest.click()
    shot(page, "tuteur-manager", "attester", at=attest)
    page.get_by_role("button", name="Attester", exact=True).first.click()
    expect(page.locator(".alert-success").first).to_be_visible()


def test_anonymous_visitors_and_the_manager_find_their_way(open_browser, today_demo):
    """The help and the header of those the guides above do not photograph: a visitor and a manager."""
    page = open_browser()
    page.goto(reverse("help"))
    look_at_the_navigation(page, "anonyme")
    page.keyboard.press("Tab")  # « Aller au contenu », then the brand, then the navigation: by keyboard
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(nav(page).get_by_role("link", name="Vérifier un certificat")).to_be_focused()
    nav(page).get_by_role("link", name="Aide").focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Guide du membre de jury professionnel").click()
    expect(page.get_by_role("img", name="La grille d'évaluation")).to_be_visible()
    for source in page.evaluate("[...document.images].map(image => image.src)"):
        answer = page.request.get(source)
        assert (answer.status, answer.headers["content-type"]) == (200, "image/png"), source
    screenshot(page, "help-guide-jury", sizes=(TABLET, PHONE))
    log_in(page, "marc.petit")
    look_at_the_navigation(page, "manager")
    assert CandidateFile.objects.count() == 0
