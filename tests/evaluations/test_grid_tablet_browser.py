"""The jury's grid on a tablet and a phone (issue 19): one line per criterion, graded by touch or by
keyboard alone, the outcomes always in view, « Enregistrer » kept while offline and sent once back
online, the signature one activation away, and no accessibility violation at 1024×768 and 390×844.

Run alone with `python -m pytest -m browser tests/evaluations/test_grid_tablet_browser.py -s` (the
heights of the page are printed); screenshots go to SCREENSHOT_DIR when it is set.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.signals import request_started
from playwright.sync_api import expect

from candidates.demo import PASSWORD
from evaluations import services
from evaluations.models import Grid, GridStatus
from tests.browser import PHONE, TABLET, log_in, screenshot

from .conftest import exam_of
from .test_browser import criteria, grid_url, layout_of, open_grid, outcome, radio, stored_marks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OFFLINE = "Hors ligne : votre saisie est gardée sur cet appareil et sera envoyée au retour de la connexion."
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# The MDR grid (Léa Martin, unsaved, as the president sees it: 5 competences, 20 criteria), measured in
# screens (document.documentElement.scrollHeight / window.innerHeight) before issue 19, with the code of
# 28 November 2026, in this test's window (Debian's chromium 156, Playwright, the fonts of Debian 12):
# 4059 px at 1024×768, 6524 px at 390×844.
SCREENS_BEFORE = {TABLET: 4059 / 768, PHONE: 6524 / 844}
# The goal of issue 19: at most half of that length. Measured alike with the folded notes (carnet, comments,
# the exam's facts): 2.58 screens at 1024×768 (1978 px, 0.49), 3.84 at 390×844 (3244 px, 0.497).
HALF = 0.5


def user(username):
    return get_user_model().objects.get(username=username)


def submitted_grid(exam):
    """The exam's grid, every criterion validated and a favourable opinion, submitted by the president."""
    layout = layout_of(exam)
    state = layout.empty_state()
    state.update({key: True for key in state if key.startswith("criterion-")})
    state.update({key: "favourable" for key in state if key.startswith("verdict-")})
    services.save_grid(exam, user("president"), state, 0)
    return services.submit_grid(exam, user("president"))


def focused(page, selector):
    return page.evaluate("selector => document.activeElement.matches(selector)", selector)


def tab_to(page, selector, backwards=False):
    """Presses Tab (Shift+Tab backwards) until the element matching `selector` has the focus."""
    for _ in range(300):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if focused(page, selector):
            return
    pytest.fail(f"Tab never reaches {selector}")


def posts_received(url):
    """A list that grows by one for each POST to `url` the live server receives (until the test ends)."""
    received = []

    def count(sender, environ, **kwargs):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == url:
            received.append(url)

    request_started.connect(count, weak=False)
    return received, lambda: request_started.disconnect(count)


def serious_violations(page):
    """What axe-core finds against WCAG 2.1 A and AA, of impact critical, serious or moderate."""
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})).violations"
    )
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in violations
        if violation["impact"] in ("critical", "serious", "moderate")
    ]


def screens(page):
    return page.evaluate("document.documentElement.scrollHeight / window.innerHeight")


# --- The tests ------------------------------------------------------------------------------------


def test_a_whole_mdr_grid_is_graded_and_saved_with_the_keyboard_alone(open_browser, demo_exams):
    exam = exam_of("Martin", "MDR")
    (bloc,) = layout_of(exam).blocs
    every = criteria(bloc)
    refused = {every[0].id, every[7].id}  # the first criterion of C7 (6 criteria), the second of C8 (3 criteria)
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)

    for criterion in every:
        # Tab reaches the pair « Validé » / « Non validé » on its first radio; Space checks it, an arrow moves
        # to the other and checks it.
        tab_to(page, f"input[name='{criterion.key}']")
        if criterion.id in refused:
            page.keyboard.press("ArrowRight")
        else:
            page.keyboard.press("Space")
    # The focus is seen: the label of the focused radio is outlined.
    assert page.evaluate("getComputedStyle(document.activeElement.labels[0]).outlineStyle") == "solid"
    # The live outcomes, in the competence and in the sticky summary.
    c7, c8, *_others = bloc.competences
    expect(outcome(page, c7)).to_have_text("✔ 5 critères validés sur 6, 5 requis : acquise")
    expect(outcome(page, c8)).to_have_text("✘ 2 critères validés sur 3, 3 requis : non acquise")
    expect(page.locator(f".grid-bar a[data-outcome-of='competence-{c8.id}']")).to_have_text("C8 ✘ : non acquise")
    expect(page.locator(f".grid-bar a[data-outcome-of='bloc-{bloc.id}']")).to_have_text("MDR ✔ : validé")
    # Not acquired, C8's comment unfolds by itself; C7's, acquired and empty, stays a line.
    expect(page.locator(f"#competence-{c8.id}-comment")).to_have_attribute("open", "")
    expect(page.locator(f"#competence-{c7.id}-comment")).not_to_have_attribute("open", "")
    tab_to(page, f"input[name='{bloc.verdict_key}']")
    page.keyboard.press("Space")

    # Back up to « Enregistrer », in the sticky summary, and Enter.
    tab_to(page, "button[name=save]", backwards=True)
    assert page.locator("button[name=save]").is_visible()
    page.keyboard.press("Enter")
    expect(page.locator(".alert")).to_have_text(["Grille enregistrée."])
    marks = stored_marks(exam)
    assert [marks[criterion.id] for criterion in every] == [criterion.id not in refused for criterion in every]
    assert Grid.objects.get(exam=exam).revision == 1
    for criterion in every:
        expect(radio(page, criterion, validated=criterion.id not in refused)).to_be_checked()


def test_enregistrer_offline_keeps_the_input_and_sends_it_once_back_online(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    c1, c2, c3 = criteria(layout_of(exam).blocs[0])[:3]
    received, stop = posts_received(grid_url(exam))
    try:
        page = open_browser()
        log_in(page, "president")
        open_grid(page, exam)
        radio(page, c1).check()
        radio(page, c2, validated=False).check()

        page.context.set_offline(True)
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.locator("#save-state")).to_have_text(OFFLINE)
        expect(page.locator("#save-state")).to_have_attribute("aria-live", "polite")
        expect(page.locator("#grid-form")).to_be_visible()
        # Still offline, a third mark joins what waits to be sent.
        radio(page, c3).check()
        expect(page.locator("#save-state")).to_have_text(OFFLINE)
        screenshot(page, "grille-hors-ligne", sizes=(TABLET, PHONE))
        assert received == []
        assert not Grid.objects.filter(exam=exam).exists()

        page.context.set_offline(False)
        expect(page.locator(".alert")).to_have_text(["Grille enregistrée."])
        expect(radio(page, c3)).to_be_checked()
        # Nothing is left waiting in the browser, and nothing was asked before leaving the page.
        assert page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('cqp-grid-'))") == []
        assert page.dialogs == []
        assert len(received) == 1
        marks = stored_marks(exam)
        assert (marks[c1.id], marks[c2.id], marks[c3.id]) == (True, False, True)
    finally:
        stop()


def test_input_queued_offline_comes_back_with_the_page_and_is_sent_once(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    c1, c2 = criteria(layout_of(exam).blocs[0])[:2]
    received, stop = posts_received(grid_url(exam))
    try:
        page = open_browser()
        log_in(page, "president")
        open_grid(page, exam)
        radio(page, c1, validated=False).check()
        radio(page, c2).check()
        page.context.set_offline(True)
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.locator("#save-state")).to_have_text(OFFLINE)
        # The tablet is closed while offline; the page is opened again once the connection is back.
        again = page.context.new_page()
        page.close()
        again.context.set_offline(False)
        again.goto(grid_url(exam))
        expect(again.locator(".alert-success")).to_have_text("Grille enregistrée.")
        expect(radio(again, c1, validated=False)).to_be_checked()
        expect(radio(again, c2)).to_be_checked()
        assert len(received) == 1
        marks = stored_marks(exam)
        assert (marks[c1.id], marks[c2.id]) == (False, True)
    finally:
        stop()


def test_the_signature_is_one_activation_away_from_the_top_of_a_submitted_grid(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    submitted_grid(exam)
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)
    link = page.get_by_role("link", name="Signer la grille")
    expect(link).to_be_in_viewport()
    link.focus()
    page.keyboard.press("Enter")
    password = page.locator("#id_password")
    expect(password).to_be_focused()
    expect(password).to_be_in_viewport()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".alert-success")).to_have_text(
        "Votre signature est enregistrée ; l'autre membre du jury doit signer."
    )
    expect(page.get_by_role("link", name="Signer la grille")).to_have_count(0)


@pytest.mark.parametrize("state", ["unsaved", "submitted", "signed"])
def test_axe_finds_no_violation_on_the_grid(open_browser, demo_exams, state):
    exam = exam_of("Martin", "MDR" if state == "unsaved" else "GRU")
    if state != "unsaved":
        submitted_grid(exam)
    if state == "signed":
        services.sign_grid(exam, user("president"), PASSWORD)
        assert services.sign_grid(exam, user("jury.maladie"), PASSWORD).status == GridStatus.SIGNED
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)
    for width, height in (TABLET, PHONE):
        page.set_viewport_size({"width": width, "height": height})
        assert serious_violations(page) == [], f"{state} at {width}×{height}"
        # Nothing spills sideways: the page scrolls only down.
        assert page.evaluate("document.documentElement.scrollWidth") == width
    screenshot(page, f"grille-{state}", sizes=(TABLET, PHONE))


def test_the_mdr_grid_is_at_most_half_as_long_as_before(open_browser, demo_exams):
    """Issue 19: half the length. What the jury reads while grading stays in view (criteria, outcomes, the
    carnet's dates); what it reads once is folded to a line that says the essential (the exam's facts, the
    carnet's details, an empty comment); on a phone a criterion's pair shows ✔ and ✘, so that its text takes
    the width. The figures are printed (run with -s)."""
    exam = exam_of("Martin", "MDR")
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)
    after = {}
    for size in (TABLET, PHONE):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        after[size] = screens(page)
        print(f"MDR grid at {size[0]}×{size[1]}: {SCREENS_BEFORE[size]:.2f} screens before, {after[size]:.2f} after")
    screenshot(page, "grille-mdr", sizes=(TABLET, PHONE))
    assert after[TABLET] / SCREENS_BEFORE[TABLET] <= HALF
    assert after[PHONE] / SCREENS_BEFORE[PHONE] <= HALF
