import os

import pytest
from playwright.sync_api import expect, sync_playwright

from candidates.models import Exam

CHROMIUM = "/usr/bin/chromium"


def exam_of(last_name, bloc_code=None):
    """The exam of a demo candidate on a bloc; without a bloc, their VAE interview."""
    exams = Exam.objects.filter(candidate__last_name=last_name)
    exams = exams.filter(bloc__code=bloc_code) if bloc_code else exams.filter(bloc__isnull=True)
    return exams.get()


# --- The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(django_db_setup):
    """Debian's chromium, one for the whole session (never a downloaded one); None if it is missing.

    Playwright's sync API keeps an asyncio loop running in this thread, which makes Django refuse
    ORM calls (SynchronousOnlyOperation): the tests, their fixtures and the database teardown make
    them in between two browser calls, never concurrently, so the check is lifted while the
    browser runs. The test database is created before the loop starts (hence `django_db_setup`).
    """
    if not os.access(CHROMIUM, os.X_OK):
        yield None  # each test fails when it opens a window: see `open_browser`
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM)
            expect.set_options(timeout=10_000)
            yield chromium
            chromium.close()


@pytest.fixture
def open_browser(browser, live_server, role_groups):
    """Opens a fresh browser window (own cookies and localStorage) on the live server.

    A "leave this page?" prompt is accepted (and recorded on `page.dialogs`); any other dialog is a
    surprise and is dismissed. JavaScript errors of the page fail the test.
    """
    contexts, errors = [], []

    def open_page():
        if browser is None:
            pytest.fail(
                f"The browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium): it is missing. "
                "Run the other tests with -m 'not browser'.",
                pytrace=False,
            )
        context = browser.new_context(
            viewport={"width": 1024, "height": 768}, locale="fr-FR", reduced_motion="reduce", base_url=live_server.url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.dialogs = []

        def on_dialog(dialog):
            page.dialogs.append(dialog.type)
            dialog.accept() if dialog.type == "beforeunload" else dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
