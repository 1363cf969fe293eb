"""PDFs from Django templates with WeasyPrint: grids, minutes, certificates.

WeasyPrint fetches whatever a document names (stylesheets, images, fonts). Here it gets `data:` URLs and
the project's static files, read from disk, and nothing else: no network, no other file. A penetration test
made a candidate's name escape into the CSS of a PDF and the server fetch http:// and file:// URLs; the
templates no longer put data in CSS, and this keeps any slip from reaching further.

Every render of a process shares one WeasyPrint font configuration: a new one per render (WeasyPrint's
default) leaks about 350 KiB per PDF, which made a 2,000-certificate batch grow past 750 MiB, and gathering
the system's fonts each time made rendering 25 % slower. A font configuration is not meant for two threads
at once: gunicorn's sync workers and the task worker render one PDF at a time per process, and the lock
below keeps a threaded server (runserver) from rendering two at once.
"""

import mimetypes
import posixpath
import threading
from functools import cache
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

# What relative URLs (`{% static %}` gives /static/...) resolve against. A reserved name (RFC 2606): never
# looked up, it only tells the fetcher that a URL is the project's own.
BASE_URL = "https://pdf.invalid/"


_rendering = threading.Lock()


def html_to_pdf(html: str, *, tagged=False) -> bytes:
    return write_pdf(html, tagged=tagged)


def write_pdf(html: str, target=None, *, archival=False, tagged=False, attachments=()):
    """The HTML rendered as a PDF into `target`, a binary file object (or, if None, returned as bytes).

    `archival`: PDF/A-3b and tagged (a certificate is kept for a career); `tagged`: tagged only, for the working
    documents (grids, minutes) a screen reader must read too, with no PDF/A identification (issue 19);
    `attachments`: WeasyPrint `Attachment`s embedded in the PDF (PDF/A-3 allows embedded files: the
    machine-readable credential)."""
    from weasyprint import HTML  # on first use: WeasyPrint takes half a second to import

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=project_fetcher())
    if archival:
        options = {"pdf_variant": "pdf/a-3b", "pdf_tags": True, "finisher": _archival_finish}
    else:
        options = {"pdf_tags": True} if tagged else {}
    with _rendering:
        return document.write_pdf(target, font_config=font_config(), attachments=list(attachments), **options)


def _archival_finish(document, pdf):
    """Two touches to WeasyPrint's PDF/A, before it is written:

    - PDF/A: an entry of the document information must equal its XMP twin. pyHanko, when it signs, sets the
      XMP's pdf:Producer to its own name but appends its name to an existing /Producer of the information
      (« WeasyPrint …; pyHanko … »); without one there, it writes the same name in both.
    - The catalog's associated files (/AF) list each attachment once: WeasyPrint 70 adds each twice (from
      the embedded files' name tree, then from the file specifications)."""
    pdf.info.pop("Producer", None)
    if "AF" in pdf.catalog:
        pdf.catalog["AF"][:] = list(dict.fromkeys(pdf.catalog["AF"]))


@cache
def font_config():
    """The process's one font configuration (the module docstring says why)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf_response(template_name, context, filename, request=None):
    """The template rendered as a tagged PDF (a working document: grids), shown inline in the browser."""
    pdf = html_to_pdf(render_to_string(template_name, context, request=request), tagged=True)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


def project_fetcher():
    """WeasyPrint's fetcher, restricted to `data:` URLs and the static files."""
    return _fetcher_class()()


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if urlsplit(url).scheme.lower() == "data":
                decoded = DataHandler().data_open(Request(url))
                return URLFetcherResponse(url, decoded.read(), decoded.headers)
            name = static_name(url)
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, read_static_file(name), {"Content-Type": content_type})

    return ProjectFetcher


def static_name(url):
    """The static file a URL names, under STATIC_URL resolved against BASE_URL; ValueError for anything else."""
    prefix, asked = urlsplit(urljoin(BASE_URL, settings.STATIC_URL)), urlsplit(url)
    if (asked.scheme.lower(), asked.netloc.lower()) != (prefix.scheme, prefix.netloc) or not asked.path.startswith(
        prefix.path
    ):
        raise ValueError(f"Not a static file of the project: {url}")
    name = unquote(asked.path.removeprefix(prefix.path))
    if not name or name != posixpath.normpath(name) or name.startswith(("/", "..")) or "\\" in name or "\0" in name:
        raise ValueError(f"Not a static file name: {url}")
    return name


def read_static_file(name):
    """A static file's bytes: from the apps' and STATICFILES_DIRS folders, else from the collected files."""
    try:
        path = finders.find(name)
        if path:
            with open(path, "rb") as file:
                return file.read()
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as file:
                return file.read()
    except SuspiciousFileOperation as error:
        raise ValueError(f"Not a static file name: {name}") from error
    raise ValueError(f"No such static file: {name}")
