import datetime
import os

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 (tests/mail.py), down at first: `smtp.start()`; and Django's SMTP
    backend pointed at it."""
    from .mail import SmtpServer

    server = SmtpServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def admin_client_fr(admin_client):
    """The admin as an administrator sees it (French is the site's language)."""
    return admin_client


@pytest.fixture
def shipped_referential(db):
    """The referential shipped in fixtures/referentials/, loaded as `load_referentials` does."""
    from referentials.models import ReferentialVersion

    call_command("load_referentials", verbosity=0, stdout=open("/dev/null", "w"))
    return ReferentialVersion.objects.get(label="2020")


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """Each test stores its files in a folder of its own: counting them means something."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def signing_certificate(django_db_blocker):
    """A self-signed signing certificate, made once for the suite as `create_signing_certificate` does."""
    from django.conf import settings

    call_command("create_signing_certificate", stdout=open("/dev/null", "w"))
    return settings.CERTIFICATE_P12_PATH


@pytest.fixture
def demo_exams(shipped_referential):
    """The demo world, placed a month back so that every one of its exams has taken place.

    Accounts (password `candidates.demo.PASSWORD`): `president` (Claire Dumas) presides every exam;
    `jury.maladie` (Sophie Bernard) sits on the GC exams of Léa Martin and Chloé Fontaine,
    `jury.famille` (Karim Haddad) on Hugo Lambert's VAE interview and Yanis Robert's COS exams.
    """
    from candidates import demo

    demo.load_demo(today=timezone.localdate() - datetime.timedelta(days=30))


@pytest.fixture
def role_groups(transactional_db):
    """The roles' groups, which a migration creates and the flush after each of these tests removes.

    `serialized_rollback` cannot bring them back here: while Playwright's loop runs, Django hands
    this thread another connection object than the one that holds the serialized database.
    """
    from candidates import roles

    for name in (roles.UCANSS_ADMINISTRATORS, roles.PROFESSIONAL_JURY, roles.NATIONAL_JURY):
        Group.objects.get_or_create(name=name)
    roles.grant_administrator_permissions()


CHROMIUM = "/usr/bin/chromium"


# --- The browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Debian's chromium, one per test module (never a downloaded one); None if it is missing.

    Per module, not per session: Playwright's loop must be gone once a module's browser tests are
    over, or the tests after them that sign a PDF (pyHanko runs its own asyncio loop) would fail.

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
