"""Hostile data in the PDFs: a name or a title never becomes CSS, and WeasyPrint fetches nothing but data: URLs
and the project's static files (penetration test: CSS injection into the footer, then SSRF and local files)."""

import base64
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import Candidate
from cqp_site import pdf
from evaluations.models import Deliberation

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for

pytestmark = pytest.mark.django_db

# A red pixel: what the listener answers and what the local file holds, so that a fetch shows as an image.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

# What the penetration test typed: a newline ends the CSS string of the footer, the rest is a stylesheet.
PAYLOADS = {
    "web": "\n;}} body{background:url(%(web)s/fond)} .draft{display:none}",
    "file": "\n;}} h1::before{content:url(file://%(file)s)}",
    "font": "\n;}} @font-face{font-family:p;src:url(%(web)s/police)} body{font-family:p}",
}


@pytest.fixture
def listener():
    """A web server on 127.0.0.1 (port chosen by the system) that records every request and answers an image."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", received=received)
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def local_image():
    """A PNG on the server's disk, at a short path (the payload must fit the name's 100 characters)."""
    with tempfile.NamedTemporaryFile(suffix=".png", dir="/tmp") as file:
        file.write(PIXEL)
        file.flush()
        yield file.name


def payload(kind, listener, local_image):
    return PAYLOADS[kind] % {"web": listener.url, "file": local_image}


def read_back(content, tmp_path):
    """The PDF's text (layout kept) and how many images it draws."""
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]  # after two lines of column headings
    return text, sum(1 for row in rows if row[2] == "image")  # not their transparency masks ("smask")


@pytest.fixture
def president(client, demo_exams):
    assert client.login(username="president", password=PASSWORD)
    return client


@pytest.mark.parametrize("kind", PAYLOADS)
def test_a_hostile_candidate_name_fetches_nothing_and_keeps_the_working_document_banner(
    president, listener, local_image, tmp_path, kind
):
    exam = exam_of("Robert", "GRU")
    url = reverse("evaluations:grid_pdf", kwargs={"pk": exam.pk})
    text, images = read_back(president.get(url).content, tmp_path)
    assert "Document de travail" in text and images == 0
    assert "Grille d'évaluation — ROBERT Yanis" in text  # the footer, from the body's text
    assert "page 1 / " in text

    # Straight into the database, as if a validator had been forgotten.
    Candidate.objects.filter(pk=exam.candidate_id).update(first_name="Yanis" + payload(kind, listener, local_image))
    text, images = read_back(president.get(url).content, tmp_path)
    assert listener.received == []
    assert images == 0
    assert "Document de travail" in text
    assert "Grille d'évaluation — ROBERT Yanis" in text


@pytest.fixture
def jpn(client, demo_exams):
    assert client.login(username="jpn", password=PASSWORD)
    return client


@pytest.mark.parametrize("kind", PAYLOADS)
def test_a_hostile_deliberation_title_fetches_nothing_and_keeps_the_draft_banner(
    jpn, listener, local_image, tmp_path, kind
):
    deliberation = deliberation_for(SPRING)
    url = reverse("evaluations:minutes_pdf", kwargs={"pk": deliberation.pk})
    text, images = read_back(jpn.get(url).getvalue(), tmp_path)
    footer = f"Procès-verbal — Délibération du jury paritaire national — {deliberation.held_on:%-d/%m/%Y}"
    assert "Projet : la délibération n'est pas signée." in text and images == 0
    assert footer in text and "page 1 / 1" in text

    title = "Délibération du jury paritaire national" + payload(kind, listener, local_image)
    Deliberation.objects.filter(pk=deliberation.pk).update(title=title)
    text, images = read_back(jpn.get(url).getvalue(), tmp_path)
    assert listener.received == []
    assert images == 0
    assert "Projet : la délibération n'est pas signée." in text
    assert "Procès-verbal — Délibération du jury paritaire national" in text


def test_the_renderer_takes_data_urls_and_static_files_and_fetches_nothing_else(
    listener, local_image, tmp_path, settings
):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "pixel.png").write_bytes(PIXEL)
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path / "static"]
    html = f"""<!doctype html><html><head>
    <link rel="stylesheet" href="{listener.url}/feuille.css">
    <style>@import url("{listener.url}/import.css"); body {{ background: url({listener.url}/fond) }}</style>
    </head><body>
    <img src="data:image/png;base64,{base64.b64encode(PIXEL).decode()}" alt="">
    <img src="{settings.STATIC_URL}pixel.png" alt="">
    <img src="{listener.url}/image" alt=""><img src="file://{local_image}" alt=""><img src="/admin/" alt="">
    <img src="{settings.STATIC_URL}../../..{local_image}" alt="">
    </body></html>"""
    text, images = read_back(pdf.html_to_pdf(html), tmp_path)
    assert listener.received == []
    assert images == 2  # the data: URL and the static file


def test_the_fetcher_serves_the_static_files_only():
    fetcher = pdf.project_fetcher()
    static = urljoin(pdf.BASE_URL, settings.STATIC_URL)
    response = fetcher.fetch(static + "site.css")
    site_css = (Path(settings.BASE_DIR) / "static" / "site.css").read_bytes()
    assert (response.read(), response.content_type) == (site_css, "text/css")
    for url in [
        static + "../cqp_site/settings.py",
        static + "%2e%2e/cqp_site/settings.py",
        static + "nothing-here.css",
        static,
        urljoin(pdf.BASE_URL, "/admin/"),
        "file:///etc/passwd",
        f"file://{settings.BASE_DIR}/static/site.css",
        "http://127.0.0.1:1/x",
        "ftp://127.0.0.1/x",
    ]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
