"""Issue 18: a certificate is kept for a career. Its PDF, as issued (signed) and stored, reads back as PDF/A-3b,
tagged, with its fonts embedded and its title, author and language set; the signature, an incremental update
made afterwards, keeps all of it. The grids' and minutes' PDFs are not archival, but tagged too (issue 19)."""

import io
import re
import subprocess

import pikepdf
import pytest
from django.urls import reverse

from candidates.demo import PASSWORD
from certificates import credentials, services
from certificates.models import Certificate
from cqp_site.pdf import write_pdf
from evaluations import exports
from tests.evaluations.conftest import exam_of

pytestmark = pytest.mark.django_db

AUTHOR = "Union des caisses nationales de sécurité sociale (Ucanss)"
HIDDEN_FLAGS = 0b100011  # Invisible (1), Hidden (2), NoView (32): forbidden on an annotation of a PDF/A
PRINT_FLAG = 0b100


def poppler(command, data):
    return subprocess.run([command, "-"], input=data, capture_output=True, check=True).stdout.decode()


def fonts(data):
    """Each font of `pdffonts` as a dict of its columns, cut where the header's dashes say."""
    lines = poppler("pdffonts", data).splitlines()
    header, dashes, rows = lines[0], lines[1], lines[2:]
    spans = [match.span() for match in re.finditer(r"-+", dashes)]
    names = [header[start:end].strip() for start, end in spans]
    return [{name: row[start:end].strip() for name, (start, end) in zip(names, spans, strict=True)} for row in rows]


def structure_types(node, found=None):
    """The structure types of the tagged PDF's tree, from its root."""
    found = set() if found is None else found
    if isinstance(node, pikepdf.Dictionary):
        if "/S" in node:
            found.add(str(node.S))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            structure_types(kid, found)
    return found


def figures(node, found=None):
    found = [] if found is None else found
    if isinstance(node, pikepdf.Dictionary):
        if node.get("/S") == "/Figure":
            found.append(node)
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            figures(kid, found)
    return found


def archival_facts(data):
    """What makes the PDF archival, read back: by pikepdf (the catalog, the XMP, the document information),
    by poppler (`pdfinfo`, `pdffonts`)."""
    info = poppler("pdfinfo", data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root
        xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        docinfo = pdf.trailer.Info
        annotations = [annotation for page in pdf.pages for annotation in page.get("/Annots", [])]
        embedded = [pdf.attachments[name].obj for name in pdf.attachments]
        catalogued = {spec.objgen for spec in root.get("/AF", [])}
        return {
            "header": data[:8].decode(),
            "pdfaid": (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")),
            "output intent": [str(intent.S) for intent in root.OutputIntents],
            "marked": bool(root.MarkInfo.Marked),
            "structure": {"/Document", "/H1", "/P", "/L", "/LI", "/Figure"} <= structure_types(root.StructTreeRoot),
            "figures described": [str(figure.get("/Alt", "")) for figure in figures(root.StructTreeRoot)],
            "lang": str(root.Lang),
            "title": (str(docinfo.Title), xmp.get("dc:title")),
            "author": (str(docinfo.Author), xmp.get("dc:creator")),
            # PDF/A-3, 6.6.2.3.1: an entry of the document information equals its XMP twin.
            "producer agrees": str(docinfo.get("/Producer", xmp.get("pdf:Producer"))) == xmp.get("pdf:Producer"),
            "tagged": re.search(r"^Tagged:\s+(\w+)$", info, re.MULTILINE)[1],
            "pages": re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)[1],
            "encrypted": re.search(r"^Encrypted:\s+(\w+)", info, re.MULTILINE)[1],
            "fonts embedded": sorted({font["emb"] for font in fonts(data)}),
            "annotations printed, none hidden": all(
                int(annotation.get("/F", 0)) & PRINT_FLAG and not int(annotation.get("/F", 0)) & HIDDEN_FLAGS
                for annotation in annotations
            ),
            # PDF/A-3, 6.8: an embedded file says how it relates to the document, and the catalog lists it.
            "embedded files related": all(
                "/AFRelationship" in spec and "/Subtype" in spec.EF.F and spec.objgen in catalogued for spec in embedded
            )
            and len(root.get("/AF", [])) == len(catalogued) == len(embedded),
        }


def expected_facts(certificate):
    return {
        "header": "%PDF-1.7",
        "pdfaid": ("3", "B"),
        "output intent": ["/GTS_PDFA1"],
        "marked": True,
        "structure": True,
        "figures described": ["Code QR de vérification du certificat"],
        "lang": "fr",
        "title": (f"{certificate.number} — Léa MARTIN",) * 2,
        "author": (AUTHOR, [AUTHOR]),
        "producer agrees": True,
        "tagged": "yes",
        "pages": "1",
        "encrypted": "no",
        "fonts embedded": ["yes"],
        "annotations printed, none hidden": True,
        "embedded files related": True,
    }


@pytest.fixture
def issued(spring, django_capture_on_commit_callbacks):
    """Léa Martin's CCP GRU and MDR, issued as the task worker does: rendered, signed, stored."""
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(spring)
    return Certificate.objects.select_related("certification", "bloc", "candidate", "deliberation").order_by("number")


def test_an_issued_certificate_reads_back_as_pdf_a_3b_tagged_with_its_fonts_and_metadata(issued):
    certificate = issued.first()
    signed = certificate.pdf.read()
    assert archival_facts(signed) == expected_facts(certificate)


def test_the_signature_keeps_the_pdf_archival(issued):
    """The PDF as rendered, before the signature, says the same: the signature's incremental update keeps it."""
    certificate = issued.first()
    rendered = write_pdf(
        services.certificate_html(certificate), archival=True, attachments=credentials.pdf_attachments(certificate)
    )
    signed = certificate.pdf.read()
    assert archival_facts(rendered) == archival_facts(signed) == expected_facts(certificate)
    # The signature adds a revision after the rendered one, which it covers whole.
    with pikepdf.open(io.BytesIO(signed)) as pdf:
        (field,) = [field for field in pdf.Root.AcroForm.Fields if field.get("/FT") == "/Sig"]
        start, length, after, rest = (int(value) for value in field.V.ByteRange)
        assert (start, after + rest) == (0, len(signed)) and after > length


def test_grids_and_minutes_stay_plain_working_documents(spring, client):
    """A grid and the minutes are not archival (no PDF/A identification, no output intent) but tagged, for
    screen readers (issue 19)."""
    client.login(username="jury.maladie", password=PASSWORD)
    grid = client.get(reverse("evaluations:grid_pdf", kwargs={"pk": exam_of("Martin", "GRU").pk}))
    assert grid["Content-Type"] == "application/pdf"
    for data in (grid.content, exports.minutes_pdf(spring)):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            xmp = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
            assert xmp.get("pdfaid:part") is None
            assert "/StructTreeRoot" in pdf.Root and "/OutputIntents" not in pdf.Root
        assert re.search(r"^Tagged:\s+yes$", poppler("pdfinfo", data), re.MULTILINE)
