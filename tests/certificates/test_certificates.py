"""Certificates: numbered once, rendered, signed (PAdES), issued in bulk, verified and revoked."""

import io
import re
import subprocess
import zipfile
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import services
from certificates.models import Certificate, IssuingRun
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

from .conftest import stored_pdfs

pytestmark = pytest.mark.django_db


def pdf_text(data):
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def numbers(deliberation):
    return list(Certificate.objects.filter(deliberation=deliberation).values_list("number", flat=True))


def test_numbers_follow_each_other_per_kind_cqp_and_year_and_are_given_once(winter, spring):
    year = spring.held_on.year
    assert services.number_certificates(spring) == 2
    assert services.number_certificates(spring) == 0
    assert services.number_certificates(winter) == 2
    assert numbers(spring) == [f"CCP-GC-{year}-000001", f"CCP-GC-{year}-000002"]
    assert numbers(winter) == [f"CCP-GC-{year}-000003", f"CQP-GC-{year}-000001"]
    codes = Certificate.objects.values_list("code", flat=True)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", code) for code in codes) and len(set(codes)) == 4


def test_an_unsigned_deliberation_gives_no_certificate(demo_exams, signing_certificate):
    run_exam(exam_of("Martin", "GRU"))
    deliberation = deliberation_for(SPRING)
    with pytest.raises(services.CertificateError, match="La délibération doit être signée"):
        services.number_certificates(deliberation)


def test_issuing_renders_signs_and_zips_every_certificate_once(winter, spring, django_capture_on_commit_callbacks):
    services.number_certificates(spring)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_issuing(winter)
    run.refresh_from_db()
    assert (run.total, run.done, run.finished_at is not None) == (2, 2, True)
    names = zipfile.ZipFile(services.write_archive(run, io.BytesIO())).namelist()
    year = winter.held_on.year
    assert names == [f"CCP-GC-{year}-000003.pdf", f"CQP-GC-{year}-000001.pdf"]
    digests = dict(Certificate.objects.values_list("number", "sha256"))
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(winter)
    assert dict(Certificate.objects.values_list("number", "sha256")) == digests
    assert IssuingRun.objects.count() == 1


@pytest.mark.parametrize("failure", [RuntimeError("panne simulée"), OperationalError("base de données perdue")])
def test_a_run_that_fails_half_way_resumes_without_gaps(spring, django_capture_on_commit_callbacks, failure):
    real = services.store_pdf
    calls = []

    def failing_after_one(certificate, parts=None):
        calls.append(certificate.number)
        if len(calls) > 1:
            raise failure
        return real(certificate, parts)

    with mock.patch.object(services, "store_pdf", failing_after_one):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.start_issuing(spring)  # the task fails: its backend records the error
    # The two were one group: the first one's stored PDF went with the group's transaction.
    assert (Certificate.objects.exclude(pdf="").count(), stored_pdfs()) == (0, [])
    run.refresh_from_db()
    assert (run.done, run.finished_at) == (0, None)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_issuing(spring)
    run.refresh_from_db()
    assert (run.done, run.total) == (2, 2)
    assert numbers(spring) == [f"CCP-GC-{spring.held_on.year}-00000{n}" for n in (1, 2)]
    assert [path.name for path in stored_pdfs()] == [f"{number}.pdf" for number in numbers(spring)]


def test_a_certificate_reads_back_with_what_it_certifies_and_a_valid_signature(winter, settings):
    services.number_certificates(winter)
    cqp = Certificate.objects.get(kind="CQP")
    services.produce_pdf(cqp)
    data = cqp.pdf.read()
    text = " ".join(pdf_text(data).split())
    for expected in [
        "Certificat de qualification professionnelle",
        "Léa MARTIN",
        "a obtenu le certificat de qualification professionnelle",
        "GRU — Gestion de la relation usagers de la Sécurité sociale",
        "RNCP sous le n° 35729, niveau 5",
        f"N° {cqp.number}",
        f"https://certification.example.fr/verifier/{cqp.code}/",
    ]:
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)

    assert qr_url(data, settings.TEST_FILES) == f"https://certification.example.fr/verifier/{cqp.code}/"

    trust = load_cert_from_pemder_p12(settings)
    (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trust]))
    assert (status.intact, status.valid, status.coverage.name) == (True, True, "ENTIRE_FILE")


def qr_url(pdf, directory):
    """What the QR code of the PDF's first page says, read as a phone would (zbar)."""
    (directory / "page.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", directory / "page.pdf", directory / "page"], check=True
    )
    return subprocess.run(
        ["zbarimg", "-q", "--raw", directory / "page.png"], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_qr_code_leads_to_the_page_that_says_valid(client, spring, settings):
    services.number_certificates(spring)
    certificate = Certificate.objects.first()
    services.produce_pdf(certificate)
    url = qr_url(certificate.pdf.read(), settings.TEST_FILES)
    response = client.get(url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200 and "Certificat valide" in response.content.decode()


def load_cert_from_pemder_p12(settings):
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    _key, certificate, _others = pkcs12.load_key_and_certificates(
        settings.CERTIFICATE_P12_PATH.read_bytes(), settings.CERTIFICATE_P12_PASSPHRASE.encode()
    )
    path = settings.TEST_FILES / "signing" / "certificate.pem"
    path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return load_cert_from_pemder(str(path))


def test_the_verification_page_shows_only_what_an_employer_needs(client, spring):
    services.number_certificates(spring)
    certificate = Certificate.objects.first()
    response = client.get(reverse("certificates:verify", kwargs={"code": certificate.code}))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Certificat valide" in content and "Léa MARTIN" in content and certificate.number in content
    assert "1992" not in content and "CPAM" not in content  # no birth date, no employer


@pytest.mark.parametrize("code", ["x", "A" * 22, "../../etc/passwd", "A" * 200])
def test_unknown_or_malformed_codes_are_plainly_not_found(client, db, code):
    response = client.get(f"/verifier/{code}/")
    assert response.status_code == 404
    assert "Certificat introuvable." in response.content.decode()


def test_a_revoked_certificate_says_so(client, spring):
    services.number_certificates(spring)
    certificate = Certificate.objects.first()
    with pytest.raises(services.CertificateError, match="Indiquez le motif"):
        services.revoke(certificate, user("gestionnaire"), "  ")
    services.revoke(certificate, user("gestionnaire"), "Erreur de saisie du jury.")
    content = client.get(reverse("certificates:verify", kwargs={"code": certificate.code})).content.decode()
    assert "Certificat révoqué" in content and "Certificat valide" not in content
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_lookup_by_number_and_holder_name(client, spring):
    services.number_certificates(spring)
    certificate = Certificate.objects.first()
    url = reverse("certificates:lookup")
    found = client.get(url, {"number": certificate.number.lower(), "holder": "martin léa"})
    assert found.status_code == 302 and found.url == reverse("certificates:verify", kwargs={"code": certificate.code})
    wrong = client.get(url, {"number": certificate.number, "holder": "Dupont"})
    assert wrong.status_code == 404 and "Certificat introuvable." in wrong.content.decode()
