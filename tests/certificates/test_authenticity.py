"""« Check a PDF you were shown » (issue 18): an issued PDF is authentic, the same with one byte changed is
altered and says which certificate it claims to be, another PDF is unknown; PNGs and large files are refused
with their reason; nothing uploaded is kept."""

import hashlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.dss import DocumentSecurityStore

from certificates import authenticity, services
from certificates.authenticity import Outcome
from certificates.models import Certificate
from cqp_site.pdf import html_to_pdf

from .conftest import stored_pdfs

SAME_FILE = "Empreinte SHA-256 identique à celle du PDF délivré : le fichier est, octet pour octet, celui de l'Ucanss."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def no_counted_requests(db):
    caches["default"].clear()  # the rate limits' counters (certificates/throttle.py)


@pytest.fixture
def issued(spring):
    """Léa Martin's CCP GRU, numbered, rendered, signed and stored; its PDF's bytes read back."""
    services.number_certificates(spring)
    certificate = Certificate.objects.get(bloc__code="GRU")
    services.produce_pdf(certificate)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as pdf:
        return certificate, pdf.read()


def findings(verdict):
    return [(finding.ok, str(finding.text)) for finding in verdict.findings]


def one_byte_changed(data):
    """The byte in the middle of the file flipped: inside the signed bytes, in the page's content."""
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    return bytes(changed)


def with_update(data, change):
    """`data` with an incremental update appended, as a PDF editor saves a change to a signed file."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    change(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_the_issued_pdf_is_authentic_byte_for_byte_and_its_signature_intact(issued, django_assert_num_queries):
    certificate, data = issued
    assert hashlib.sha256(data).hexdigest() == certificate.sha256
    with django_assert_num_queries(1):
        verdict = authenticity.check_pdf(data)
    assert (verdict.outcome, verdict.certificate) == (Outcome.AUTHENTIC, certificate)
    assert findings(verdict) == [
        (True, SAME_FILE),
        (True, "Signature électronique de l'Ucanss intacte, couvrant tout le fichier : rien n'a changé depuis."),
    ]


def test_one_byte_changed_is_altered_and_names_the_certificate_it_claims_to_be(issued, django_assert_num_queries):
    certificate, data = issued
    with django_assert_num_queries(2):  # the digest, then the number its signature gives
        verdict = authenticity.check_pdf(one_byte_changed(data))
    assert (verdict.outcome, verdict.certificate, verdict.claimed_number) == (
        Outcome.ALTERED,
        certificate,
        certificate.number,
    )
    assert findings(verdict) == [
        (False, "Empreinte SHA-256 : aucun PDF délivré par l'Ucanss n'est, octet pour octet, ce fichier."),
        (False, "Signature électronique de l'Ucanss rompue : le contenu signé a changé depuis la signature."),
    ]


def test_a_change_saved_after_the_signature_is_altered_though_the_signature_is_intact(issued):
    """An editor's incremental update keeps the signed bytes, and the signature intact, and shows another
    document: the name changed in the title here, as a content stream could be."""
    certificate, data = issued

    def rename(writer):
        info = writer.trailer["/Info"].get_object()
        info["/Title"] = generic.pdf_string(f"{certificate.number} — Léo MARTEL")
        writer.update_container(info)

    verdict = authenticity.check_pdf(with_update(data, rename))
    assert (verdict.outcome, verdict.certificate) == (Outcome.ALTERED, certificate)
    assert findings(verdict)[1] == (
        False,
        "Signature électronique intacte, mais le fichier a été modifié après elle (ajouts après la signature).",
    )


def test_validation_data_added_after_the_signature_keeps_the_pdf_authentic(issued):
    """A long-term signature (PAdES B-LTA) gets validation data and timestamps appended over the years: the
    revision the Ucanss signed is still the one it keeps."""
    certificate, data = issued
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    extended = io.BytesIO(data)
    DocumentSecurityStore.add_dss(extended, signature.pkcs7_content, certs=[signature.signer_cert])
    assert extended.getvalue() != data and extended.getvalue().startswith(data)

    verdict = authenticity.check_pdf(extended.getvalue())
    assert (verdict.outcome, verdict.certificate) == (Outcome.AUTHENTIC, certificate)
    assert findings(verdict) == [
        (
            True,
            "Le document signé est, octet pour octet, le PDF délivré par l'Ucanss ; seuls des horodatages et des "
            "données de validation de sa signature y ont été ajoutés depuis.",
        ),
        (
            True,
            "Signature électronique de l'Ucanss intacte ; seuls des horodatages et des données de validation ont "
            "été ajoutés après elle.",
        ),
    ]


def test_another_pdf_is_unknown(db):
    verdict = authenticity.check_pdf(html_to_pdf("<p>Attestation de stage</p>"))
    assert (verdict.outcome, verdict.certificate, verdict.claimed_number) == (Outcome.UNKNOWN, None, "")
    assert findings(verdict) == [
        (False, "Empreinte SHA-256 : aucun PDF délivré par l'Ucanss n'est, octet pour octet, ce fichier."),
        (False, "Il ne porte ni la signature de l'Ucanss, ni le numéro d'un certificat qu'elle a délivré."),
    ]


def test_a_pdf_made_to_look_like_an_issued_certificate_is_altered(issued):
    """Remade from scratch with the certificate's number: no signature, the number in its title."""
    certificate, _data = issued
    forged = html_to_pdf(f"<title>{certificate.number} — Léo MARTEL</title><p>Certificat de compétences</p>")
    verdict = authenticity.check_pdf(forged)
    assert (verdict.outcome, verdict.certificate, verdict.claimed_number) == (
        Outcome.ALTERED,
        certificate,
        certificate.number,
    )
    assert findings(verdict)[1] == (False, "Aucune signature électronique de l'Ucanss.")


def test_a_damaged_pdf_is_read_as_bytes(issued):
    """Cut short, no PDF reader opens it: its bytes still carry the signature field and the number."""
    certificate, data = issued
    verdict = authenticity.check_pdf(data[: len(data) - 300])
    assert (verdict.outcome, verdict.certificate) == (Outcome.ALTERED, certificate)
    assert findings(verdict)[1] == (
        False,
        "La signature électronique de l'Ucanss ne se lit plus : le fichier a été réécrit ou endommagé.",
    )


def test_a_number_never_issued_is_said_so(issued):
    certificate, _data = issued
    never = certificate.number[:-6] + "999999"
    verdict = authenticity.check_pdf(html_to_pdf(f"<title>{never}</title><p>Certificat</p>"))
    assert (verdict.outcome, verdict.certificate, verdict.claimed_number) == (Outcome.UNKNOWN, None, "")


# The page -----------------------------------------------------------------------------------------------


def check(client, name, content, content_type="application/pdf"):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(reverse("certificates:lookup"), {"pdf": upload}, REMOTE_ADDR="203.0.113.20")


def verdict_of(response):
    """The verdict's text, as read: its words, the emphasis dropped."""
    content = response.content.decode()
    start = content.index('id="pdf-verdict">') + len('id="pdf-verdict">')
    verdict = content[start : content.index("</div>", start)]
    return " ".join(verdict.replace("<strong>", "").replace("</strong>", "").split())


def test_the_page_answers_authentic_and_keeps_nothing(client, issued):
    certificate, data = issued
    before = stored_pdfs()
    response = check(client, "certificat.pdf", data)
    assert response.status_code == 200
    today = formats.date_format(timezone.localdate(), "j F Y")
    assert verdict_of(response) == (
        f"Authentique : ce fichier est le PDF du certificat n°&nbsp;{certificate.number}, délivré par l'Ucanss à "
        f"Léa MARTIN le {today} ; ce certificat est valide."
    )
    assert reverse("certificates:verify", kwargs={"code": certificate.code}) in response.content.decode()
    assert stored_pdfs() == before  # the upload is read, never kept


def test_the_page_answers_altered_without_the_holders_name(client, issued):
    certificate, data = issued
    response = check(client, "certificat.pdf", one_byte_changed(data))
    assert response.status_code == 200
    assert verdict_of(response) == (
        f"Modifié : ce fichier se présente comme le certificat n°&nbsp;{certificate.number}, mais ce n'est pas le "
        "PDF délivré par l'Ucanss : il a été modifié ou fabriqué, et ne fait pas foi."
    )
    content = response.content.decode()
    assert "Léa" not in content and certificate.code not in content


def test_the_page_answers_unknown(client, db):
    response = check(client, "autre.pdf", html_to_pdf("<p>Bulletin de salaire</p>"))
    assert verdict_of(response) == "Inconnu : ce fichier n'est pas un certificat délivré par l'Ucanss."


def test_a_revoked_certificates_pdf_is_authentic_and_revoked(client, issued):
    certificate, data = issued
    services.revoke(certificate, get_user_model().objects.get(username="gestionnaire"), "Fraude constatée.")
    today = formats.date_format(timezone.localdate(), "j F Y")
    assert verdict_of(check(client, "certificat.pdf", data)) == (
        f"Authentique, mais révoqué : ce fichier est bien le PDF du certificat n°&nbsp;{certificate.number} délivré "
        f"par l'Ucanss, mais ce certificat a été révoqué le {today} : il n'est plus valide."
    )


def test_a_replaced_certificates_pdf_is_authentic_and_replaced(client, issued):
    certificate, data = issued
    certificate.candidate.last_name = "Martin-Durand"
    certificate.candidate.save(update_fields=["last_name"])
    gestionnaire = get_user_model().objects.get(username="gestionnaire")
    new = services.reissue_certificate(certificate, "Nom d'usage corrigé.", acting_user=gestionnaire)
    today = formats.date_format(timezone.localdate(), "j F Y")
    assert verdict_of(check(client, "certificat.pdf", data)) == (
        f"Authentique, mais remplacé : ce fichier est bien le PDF du certificat n°&nbsp;{certificate.number} "
        f"délivré par l'Ucanss, mais ce certificat a été remplacé le {today} par le n°&nbsp;{new.number} : seul le "
        "nouveau certificat fait foi."
    )


def test_a_png_is_refused_whatever_its_name(client, db):
    response = check(client, "certificat.pdf", PNG, content_type="application/pdf")
    assert response.status_code == 400
    assert "certificat.pdf : ce n&#x27;est pas un PDF ; seul ce format est accepté." in response.content.decode()
    assert 'id="pdf-verdict"' not in response.content.decode()


def test_a_file_over_5_mb_is_refused(client, db):
    response = check(client, "gros.pdf", b"%PDF-1.7\n" + b"0" * (authenticity.MAX_PDF_BYTES + 1024 * 1024))
    assert response.status_code == 400
    assert "gros.pdf : 6,0\xa0Mio, au-delà de 5,0\xa0Mio." in response.content.decode()


def test_no_file_is_asked_for(client, db):
    response = client.post(reverse("certificates:lookup"), {}, REMOTE_ADDR="203.0.113.20")
    assert response.status_code == 400
    assert "Choisissez le PDF à vérifier." in response.content.decode()
