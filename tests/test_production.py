"""Production mode, end to end: `scripts/serve` (migrate, gunicorn, the task worker) with DEBUG off on a
database of its own, driven by Debian's chromium as each role uses it.

Nothing here runs in the suite's own Django: the site, its worker and its commands are subprocesses
configured by the environment only (deploy/cqp.env.example), as a deployment is. The module's tests
share one running site and follow the flow: the pages each role walks, the deliberation signed and
its certificates issued by the worker, then every file those pages link to, asked by every role.
"""

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from playwright.sync_api import expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from candidates.demo import PASSWORD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60
ISSUING_SECONDS = 60
STOP_SECONDS = 20
ROLES = ("admin", "gestionnaire", "president", "jury.maladie", "jury.famille", "jpn")
HASHED_STATIC = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[a-z0-9]+$")
ONE_YEAR = 365 * 24 * 3600


# --- The site, as deployed ----------------------------------------------------------------------------


def deployment_variables():
    """Every variable the application reads, as deploy/cqp.env.example lists them."""
    text = (ROOT / "deploy" / "cqp.env.example").read_text()
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", text, re.MULTILINE))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


APPLICATION_ROLE = "cqp_app_test"


class ProductionDatabase:
    """PostgreSQL when the suite runs on it (`<name>_production` on the same server), else an SQLite file.

    On PostgreSQL the site runs as it should be deployed: migrations as the tables' owner
    (MIGRATE_DATABASE_URL), web processes and workers as a role that does not own them
    (DATABASE_APP_ROLE, in DATABASE_URL)."""

    def __init__(self, tmp):
        url = os.environ.get("DATABASE_URL", "")
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(url)
            self.name = f"{parts.path.lstrip('/')}_production"
            self.owner_url = urlunsplit(parts._replace(path=f"/{self.name}"))
            host = parts.netloc.rsplit("@", 1)[-1]
            self.url = urlunsplit(parts._replace(netloc=f"{APPLICATION_ROLE}@{host}", path=f"/{self.name}"))
            self.server = urlunsplit(parts._replace(path="/postgres"))
        else:
            self.url = self.owner_url = f"sqlite:///{tmp / 'production.sqlite3'}"

    def _execute(self, statement):
        import psycopg2

        connection = psycopg2.connect(self.server)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def create(self):
        if self.postgres:
            self.drop()
            self._execute(f'CREATE DATABASE "{self.name}"')
            self._execute(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APPLICATION_ROLE}') "
                f"THEN CREATE ROLE {APPLICATION_ROLE} LOGIN; END IF; END $$"
            )

    def variables(self):
        if not self.postgres:
            return {}
        return {"MIGRATE_DATABASE_URL": self.owner_url, "DATABASE_APP_ROLE": APPLICATION_ROLE}

    def drop(self):
        if self.postgres:
            self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def environment(tmp, port, database_url):
    """The deployment's environment, and nothing of the suite's (its settings module, pytest's variables)."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in deployment_variables() and not name.startswith(("DJANGO_", "PYTEST_"))
    }
    return {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": "production-test-" + "k3y-" * 12,
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        "CERTIFICATE_P12_PATH": str(tmp / "signing" / "ucanss.p12"),
        "CERTIFICATE_P12_PASSPHRASE": "production-test-passphrase",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_LOST_AFTER_SECONDS": "5",
        "LOG_FORMAT": "json",
        "TASKS_BACKEND": "database",
    }


def log_tail(path, lines=40):
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def run(command, env, log, timeout=300):
    """A command to its end, its output in `log`; a failure shows the output's end."""
    with log.open("w") as output:
        code = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, timeout=timeout)
    assert code.returncode == 0, f"{' '.join(command)} failed ({code.returncode}):\n{log_tail(log)}"


def start(command, env, log):
    output = log.open("w")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    output.close()
    process.log = log
    return process


def stop(processes):
    """SIGTERM to each process group, a bounded wait, then SIGKILL."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def get(url, timeout=5):
    """(status, body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(url, processes, seconds):
    """Polls `url` until it answers 200; fails with the processes' logs if one dies or time runs out."""
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, f"{process.args} stopped ({process.returncode}):\n{log_tail(process.log)}"
        try:
            status, body = last = get(url, timeout=2)
        except OSError as error:
            status, last = None, error
        if status == 200:
            return body
        time.sleep(0.25)
    logs = "\n\n".join(f"{process.args}:\n{log_tail(process.log)}" for process in processes)
    pytest.fail(f"{url} did not answer 200 within {seconds} s (last: {last})\n{logs}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """migrate, the signing certificate and the demo, then gunicorn and the worker, until the module ends."""
    tmp = tmp_path_factory.mktemp("production")
    port = free_port()
    database = ProductionDatabase(tmp)
    database.create()
    env = {**environment(tmp, port, database.url), **database.variables()}
    debug_env = {**env, "DEBUG": "1"}  # setup_demo's accounts have a known password: DEBUG only
    python = sys.executable
    processes = []
    try:
        # The signing certificate needs no database: made while migrate runs.
        certificate = start([python, "manage.py", "create_signing_certificate"], debug_env, tmp / "certificate.log")
        run(["bash", "scripts/serve", "migrate"], env, tmp / "migrate.log")
        assert certificate.wait(timeout=60) == 0, log_tail(certificate.log)
        processes += [
            start(["bash", "scripts/serve", "web"], env, tmp / "web.log"),
            start(["bash", "scripts/serve", "worker"], env, tmp / "worker.log"),
        ]
        run([python, "manage.py", "setup_demo"], debug_env, tmp / "setup_demo.log")
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/sante/vivant/", processes, STARTUP_SECONDS)
        wait_for(f"{url}/sante/", processes, STARTUP_SECONDS)
        yield SimpleNamespace(url=url, tmp=tmp, env=env, downloads={}, web=processes[0], worker=processes[1])
    finally:
        stop(processes)
        database.drop()


# --- The browser ----------------------------------------------------------------------------------------


# The browser: the suite's one chromium (tests/conftest.py), Playwright's sync API allowing one per process.


class Visit:
    """One user's browser window: every response and console error recorded, for the test to assert."""

    def __init__(self, browser, site, username, storage_state=None):
        self.username = username
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="fr-FR",
            reduced_motion="reduce",
            base_url=site.url,
            storage_state=storage_state,
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.responses, self.errors = [], []
        self.page.on("response", lambda response: self.responses.append(response))
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def on_console(self, message):
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location['url']} on {self.page.url})")

    def log_in(self):
        """Through the login form, landing on the user's home page."""
        self.page.goto("/connexion/")
        self.page.get_by_label("Identifiant").fill(self.username)
        self.page.get_by_label("Mot de passe").fill(PASSWORD)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Se connecter").click()
        return self

    def download(self, url):
        """A file, through this user's session (what a click on its link downloads)."""
        response = self.context.request.get(url, max_redirects=0)
        self.responses.append(response)
        return response

    def failures(self):
        return [(response.status, response.url) for response in self.responses if response.status >= 400]


@pytest.fixture(scope="module")
def sessions():
    """Each user's cookies after their first login: later windows start signed in (a login costs a
    password hash, about a second here)."""
    return {}


@pytest.fixture
def visit(browser, site, sessions):
    """Opens a fresh window for a user, signed in and on their home page."""
    visits = []

    def open_visit(username):
        if username in sessions:
            visits.append(Visit(browser, site, username, storage_state=sessions[username]))
            visits[-1].page.goto("/")
        else:
            visits.append(Visit(browser, site, username).log_in())
            sessions[username] = visits[-1].context.storage_state()
        return visits[-1]

    yield open_visit
    for opened in visits:
        opened.context.close()


def screenshot(page, name):
    directory = os.environ.get("SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"))


def assert_site_styled(page):
    """Bootstrap (its custom properties) and site.css (its code colour, darker than Bootstrap's) apply."""
    styles = page.evaluate(
        """() => [getComputedStyle(document.body).getPropertyValue('--bs-primary').trim(),
                  getComputedStyle(document.documentElement).getPropertyValue('--bs-code-color').trim()]"""
    )
    assert styles == ["#0d6efd", "#a0265f"], page.url


def assert_admin_styled(page):
    """The admin's own CSS: its header colours."""
    page.wait_for_selector("#header")  # the URL may have changed before the new page is there
    header = page.evaluate("() => getComputedStyle(document.getElementById('header')).backgroundColor")
    assert header == "rgb(65, 118, 144)", page.url


def static_urls(page):
    return page.evaluate(
        """() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')]
                 .map(e => new URL(e.href || e.src).pathname)"""
    )


def assert_statics_hashed_and_cached(visit_):
    """What the pages link to is WhiteNoise's hashed copy, cached by browsers for a year at least."""
    statics = {urlsplit(response.url).path: response for response in visit_.responses if "/static/" in response.url}
    assert statics, "no static file was loaded"
    for path, response in statics.items():
        assert HASHED_STATIC.match(path), path
        max_age = re.search(r"max-age=(\d+)", response.headers.get("cache-control", ""))
        assert max_age and int(max_age.group(1)) >= ONE_YEAR, (path, response.headers.get("cache-control"))


def assert_no_failure(*visits):
    """No answer of 400 or more, no error in the browser's console, for any of these users."""
    problems = {walked.username: (walked.failures(), walked.errors) for walked in visits}
    assert problems == {walked.username: ([], []) for walked in visits}


def assert_file(response, kind):
    assert response.status == 200, (response.status, response.url)
    body = response.body()
    if kind == "pdf":
        assert (response.headers["content-type"], body[:5]) == ("application/pdf", b"%PDF-"), response.url
    else:
        assert (response.headers["content-type"], body[:4]) == ("application/zip", b"PK\x03\x04"), response.url
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(rf'(attachment|inline); filename="[^"/]+\.{kind}"', disposition), (disposition, response.url)
    return body


# --- The tests --------------------------------------------------------------------------------------------


def test_each_role_walks_its_pages_styled_without_an_error(site, visit):
    jury = visit("jury.maladie")
    page = jury.page
    expect(page).to_have_url(f"{site.url}/jury/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes épreuves")
    signed = page.locator("section", has=page.get_by_role("heading", name=re.compile("^Grilles signées")))
    expect(signed.locator("tbody tr")).to_have_count(3)
    assert_site_styled(page)
    signed.locator("tr", has_text="GRU").filter(has_text="Martin").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Léa Martin")
    expect(page.locator("#grid-status .badge")).to_have_text("Signée par le jury")
    assert_site_styled(page)
    screenshot(page, "grille-jury")
    grid_pdf = page.get_by_role("link", name="Télécharger la grille (PDF)").get_attribute("href")
    assert_file(jury.download(grid_pdf), "pdf")
    site.downloads["grid_pdf"] = (grid_pdf, "pdf", {"president", "jury.maladie"}, "jury.maladie")

    national = visit("jpn")
    page = national.page
    expect(page).to_have_url(f"{site.url}/jury-national/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Délibérations du jury paritaire national")
    assert_site_styled(page)
    page.get_by_role("link", name="Jury paritaire national — session de printemps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jury paritaire national — session de printemps")
    minutes_pdf = page.get_by_role("link", name="Procès-verbal (PDF)").get_attribute("href")
    page.locator("#files").get_by_role("link", name="MARTIN Léa").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Léa Martin — CQP GC, formation")
    assert_site_styled(page)
    file_grid_pdf = page.get_by_role("link", name="grille en PDF").first.get_attribute("href")
    assert_file(national.download(file_grid_pdf), "pdf")
    page.goto("/statistiques/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    assert_site_styled(page)
    minutes = national.download(minutes_pdf)
    if minutes.status == 302:  # laid out by the worker: its progress page shows the link once the PDF is made
        page.goto(minutes.headers["location"])
        page.locator("#output-download").wait_for(timeout=ISSUING_SECONDS * 1000)
        minutes = national.download(page.locator("#output-download").get_attribute("href"))
    assert_file(minutes, "pdf")
    site.downloads["minutes_pdf"] = (minutes_pdf, "pdf", {"jpn"}, "jpn")
    site.downloads["file_grid_pdf"] = (file_grid_pdf, "pdf", {"jpn"}, "jpn")

    administrator = visit("gestionnaire")
    page = administrator.page
    expect(page).to_have_url(f"{site.url}/admin/")
    assert_admin_styled(page)
    for path, title in [
        ("/admin/candidates/candidate/", "Sélectionnez l’objet candidat à changer"),
        ("/admin/candidates/exam/", "Sélectionnez l’objet épreuve à changer"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert_admin_styled(page)
    page.goto("/admin/candidates/candidate/")
    page.locator("#result_list tbody tr th a").first.click()
    expect(page).to_have_url(re.compile(r"/admin/candidates/candidate/\d+/change/$"))
    assert_admin_styled(page)
    page.goto("/admin/certificates/certificate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sélectionnez l’objet certificat à afficher")
    assert_admin_styled(page)

    for walked in (jury, national, administrator):
        for url in static_urls(walked.page):
            assert HASHED_STATIC.match(url) or url == "/admin/jsi18n/", url  # the admin's translations: a view
        assert_statics_hashed_and_cached(walked)
    assert_no_failure(jury, national, administrator)


def test_a_signed_deliberation_is_issued_by_the_worker(site, visit):
    national = visit("jpn")
    page = national.page
    page.get_by_role("link", name="Jury paritaire national — session de printemps").click()
    # Every file of the spring session is ready and already added by the demo; each bloc's decision is
    # its computed result, so the president may sign as it stands.
    expect(page.get_by_text("Tous les dossiers des sessions ont leurs grilles signées.")).to_be_visible()
    expect(page.locator("#files tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Ajouter les dossiers prêts").click()
    expect(page.get_by_role("status")).to_have_text("0 dossier ajouté à la délibération.")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Signer la délibération").click()
    expect(page.get_by_role("status")).to_have_text(
        "Délibération signée : ses décisions sont inscrites au dossier de chaque candidat."
    )

    administrator = visit("gestionnaire")
    page = administrator.page
    page.goto("/admin/evaluations/deliberation/")
    page.locator("#result_list tbody tr", has_text="session de printemps").locator("input.action-select").check()
    page.locator("select[name=action]").select_option("issue_certificates")
    page.locator("button[name=index]").click()
    expect(page).to_have_url(re.compile(r"/admin/certificates/issuingrun/\d+/avancement/$"))
    archive_link = page.get_by_role("link", name="Télécharger l'archive ZIP")
    archive_link.wait_for(timeout=ISSUING_SECONDS * 1000)  # the page reloads itself until the worker is done
    expect(page.locator("#issuing-count")).to_have_text("2 / 2 certificats (100 %)")
    archive_url = archive_link.get_attribute("href")
    archive = zipfile.ZipFile(io.BytesIO(assert_file(administrator.download(archive_url), "zip")))
    names = archive.namelist()
    assert re.fullmatch(r"CCP-GC-(\d{4})-000001\.pdf CCP-GC-\1-000002\.pdf", " ".join(names)), names

    number = names[0].removesuffix(".pdf")
    page.goto("/admin/certificates/certificate/")
    page.get_by_role("link", name=number).click()
    link = page.get_by_role("link", name=f"Télécharger {number}.pdf")
    expect(link).to_be_visible()
    assert_admin_styled(page)
    screenshot(page, "certificat-admin")
    certificate_url = link.get_attribute("href")
    pdf = assert_file(administrator.download(certificate_url), "pdf")

    trust = signing_certificate(site)
    for name in names:
        assert_signed_by(archive.read(name), trust)
    assert pdf == archive.read(names[0])
    (stored,) = Path(site.env["MEDIA_ROOT"]).rglob(f"{number}*.pdf")
    assert stored.read_bytes() == pdf
    assert_no_failure(national, administrator)
    site.downloads["certificate_pdf"] = (certificate_url, "pdf", {"admin", "gestionnaire"}, "gestionnaire")
    site.downloads["archive_zip"] = (archive_url, "zip", {"admin", "gestionnaire"}, "gestionnaire")


def signing_certificate(site):
    _key, certificate, _others = pkcs12.load_key_and_certificates(
        Path(site.env["CERTIFICATE_P12_PATH"]).read_bytes(), site.env["CERTIFICATE_P12_PASSPHRASE"].encode()
    )
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def assert_signed_by(pdf, trust):
    """pyHanko validates in an asyncio loop of its own: in another thread than Playwright's."""
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    with ThreadPoolExecutor(max_workers=1) as thread:
        status = thread.submit(validate_pdf_signature, signature, ValidationContext(trust_roots=[trust])).result()
    assert (status.intact, status.valid, status.coverage.name) == (True, True, "ENTIRE_FILE")


def test_every_file_goes_to_its_rightful_users_only(site, visit):
    """The files the pages above link to (those tests run first, in this module's order), each already
    downloaded there by one of its rightful users; here by every other role."""
    assert set(site.downloads) == {"grid_pdf", "minutes_pdf", "file_grid_pdf", "certificate_pdf", "archive_zip"}
    visits = {username: visit(username) for username in ROLES}
    answers, expected = {}, {}
    for name, (url, kind, rightful, downloaded_by) in sorted(site.downloads.items()):
        answers[name, downloaded_by] = 200
        for username in set(ROLES) - {downloaded_by}:
            response = visits[username].download(url)
            answers[name, username] = response.status
            if username in rightful:
                assert_file(response, kind)
        expected.update({(name, username): 200 if username in rightful else 404 for username in ROLES})
    assert answers == expected


def test_health_says_every_part_works(site):
    status, body = get(f"{site.url}/sante/")
    assert (status, json.loads(body)) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "worker": "ok", "storage": "ok", "signing_certificate": "ok"}},
    )
    assert (site.web.poll(), site.worker.poll()) == (None, None)
