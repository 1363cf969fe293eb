"""What a shared computer keeps after logging out, in a real browser (Debian's chromium, Playwright).

Run alone with `python -m pytest -m browser`."""

import pytest
from playwright.sync_api import expect

from tests.evaluations.conftest import exam_of
from tests.evaluations.test_browser import criteria, layout_of, log_in, open_grid, radio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GRID_KEYS = "Object.keys(localStorage).filter((key) => key.startsWith('cqp-grid-'))"


def test_logging_out_leaves_no_unsaved_grid_input_in_the_browser(open_browser, demo_exams):
    exam = exam_of("Martin", "GRU")
    c1 = criteria(layout_of(exam).blocs[0])[0]
    page = open_browser()
    log_in(page, "president")
    open_grid(page, exam)
    radio(page, c1).check()
    expect(page.locator("#save-state")).to_have_text("Modifications non enregistrées.")
    assert len(page.evaluate(GRID_KEYS)) == 1

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert page.dialogs == ["beforeunload"]  # she was warned that her input was not saved
    assert page.evaluate(GRID_KEYS) == []
