"""Long-term signature (issue 18): with a time-stamping authority (TSA_URL) a certificate's PDF is PAdES
B-LTA and still validates once its signing certificate has expired; without one it is B-B, as before,
and the check and the admin say so.

A real test PKI serves on 127.0.0.1 (tests/tsa.py): a root, the organisation's signing certificate
(naming its CRL and OCSP responder), an RFC 3161 TSA. Validation is pyHanko's AdES one (ETSI EN
319 102-1), offline: only what the PDF holds, and, years later, the root's CRL of that day."""

import asyncio
import datetime
import hashlib
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESIndeterminate, AdESPassed, AdESStatus
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    DocumentSecurityStore,
    SignatureCoverageLevel,
    ades,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy, FreshnessReqType
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from certificates import checks, services, signing
from certificates.management.commands.renew_timestamps import renewal_name
from certificates.models import Certificate
from tests.tsa import TestPki

pytestmark = pytest.mark.django_db

REVOCATION_REQUIRED = CertRevTrustPolicy(
    REQUIRE_REVINFO, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    with TestPki(tmp_path_factory.mktemp("pki")) as pki:
        yield pki


@pytest.fixture
def signed_by_the_pki(settings, pki):
    """The organisation's certificate is the test PKI's; no TSA yet."""
    settings.CERTIFICATE_P12_PATH, settings.CERTIFICATE_P12_PASSPHRASE = pki.p12_path, pki.passphrase
    settings.TSA_URL, settings.TSA_CA_PATH = "", ""
    return pki


@pytest.fixture
def long_term(settings, signed_by_the_pki):
    settings.TSA_URL = signed_by_the_pki.tsa_url
    return signed_by_the_pki


def issue(deliberation):
    services.number_certificates(deliberation)
    certificate = Certificate.objects.order_by("number").first()
    services.produce_pdf(certificate)
    return certificate


def lta_validation(pdf, roots, *, at=None, crls=()):
    """pyHanko's PAdES-LTA validation (ETSI EN 319 102-1 §5.6.3), revocation information required, nothing
    fetched: what the PDF holds, and `crls`. At `at`, or now."""
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(roots), revinfo_policy=REVOCATION_REQUIRED
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            local_knowledge=LocalKnowledge(known_crls=[CRLContainer(crl) for crl in crls]),
        )
    )
    timing = at and ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=True)
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
    return asyncio.run(ades.ades_lta_validation(signature, spec, timing_info=timing))


def generation_time(timestamp):
    """The time an RFC 3161 token states (its TSTInfo's genTime)."""
    return timestamp.signed_data["encap_content_info"]["content"].parsed["gen_time"].native


def after_the_signing_certificate(pki):
    """The day after the signing certificate expires, and the root's CRL of that day: what a verifier
    then has besides the PDF."""
    day = pki.signer_valid_until + datetime.timedelta(days=1)
    return day, pki.crl(at=day)


def test_with_a_tsa_a_certificate_is_pades_b_lta_and_outlives_its_signing_certificate(spring, long_term):
    certificate = issue(spring)
    pdf = certificate.pdf.read()
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_regular_signatures
    (document_timestamp,) = reader.embedded_timestamp_signatures
    assert document_timestamp.signer_cert.sha256 == long_term.certificate("tsa").sha256

    # B-LT: the DSS holds the chains of the signer and of the TSA, the signer's OCSP response, the root's CRL.
    dss = DocumentSecurityStore.read_dss(reader)
    assert {cert.subject.human_friendly for cert in dss.load_certs()} >= {
        long_term.certificate(label).subject.human_friendly for label in ("root", "signer", "tsa")
    }
    assert (len(dss.ocsps), len(dss.crls)) == (1, 1)

    result = lta_validation(pdf, [long_term.root])
    status = result.api_status
    assert result.ades_subindic == AdESPassed.OK
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.LTA_UPDATES  # the DSS and the document timestamp
    # B-T: the signature's own timestamp, from the TSA.
    assert result.signature_timestamp_status.ades_subindic == AdESPassed.OK
    assert (status.timestamp_validity.valid, status.timestamp_validity.trusted) == (True, True)
    assert status.timestamp_validity.signing_cert.sha256 == long_term.certificate("tsa").sha256
    # B-LTA: the document timestamp seals the whole, DSS included, and is the evidence record.
    stamp = validate_pdf_timestamp(document_timestamp, ValidationContext(trust_roots=[long_term.root]))
    assert (stamp.valid, stamp.trusted, stamp.coverage) == (True, True, SignatureCoverageLevel.ENTIRE_FILE)
    assert result.oldest_evidence_record_timestamp == generation_time(document_timestamp)
    signed_at = status.timestamp_validity.timestamp

    # The day after the signing certificate expired: valid still, as signed on the day it was.
    day, crl = after_the_signing_certificate(long_term)
    later = lta_validation(pdf, [long_term.root], at=day, crls=[crl])
    assert later.ades_subindic == AdESPassed.OK
    assert later.best_signature_time == signed_at < long_term.signer_valid_until < day


def test_without_a_tsa_a_certificate_is_signed_as_before_and_dies_with_its_signing_certificate(
    spring, signed_by_the_pki
):
    pdf = issue(spring).pdf.read()
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    assert reader.embedded_timestamp_signatures == [] and "/DSS" not in reader.root
    now = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[signed_by_the_pki.root], allow_fetching=True)
    )
    assert (now.intact, now.valid, now.trusted, now.timestamp_validity) == (True, True, True, None)
    assert now.coverage == SignatureCoverageLevel.ENTIRE_FILE

    day, crl = after_the_signing_certificate(signed_by_the_pki)
    later = lta_validation(pdf, [signed_by_the_pki.root], at=day, crls=[crl])
    assert later.ades_subindic.status == AdESStatus.INDETERMINATE


def test_the_demo_certificate_with_a_tsa_of_another_authority_trusts_it_through_tsa_ca_path(
    spring, settings, pki, signing_certificate
):
    """The self-signed certificate of `create_signing_certificate` (no revocation to check), a TSA that
    it does not certify: TSA_CA_PATH names the TSA's authority."""
    settings.TSA_URL, settings.TSA_CA_PATH = pki.tsa_url, ""
    services.number_certificates(spring)
    certificate = Certificate.objects.order_by("number").first()
    with pytest.raises(signing.ValidationDataError, match="Horodatage de test"):
        services.produce_pdf(certificate)
    assert not Certificate.objects.get(pk=certificate.pk).pdf

    settings.TSA_CA_PATH = str(pki.root_path)
    services.produce_pdf(certificate)
    demo_root = load_cert_from_pemder_p12(settings)
    result = lta_validation(certificate.pdf.read(), [demo_root, pki.root])
    assert result.ades_subindic == AdESPassed.OK
    assert result.api_status.timestamp_validity.valid


def load_cert_from_pemder_p12(settings):
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    _key, certificate, _others = pkcs12.load_key_and_certificates(
        settings.CERTIFICATE_P12_PATH.read_bytes(), settings.CERTIFICATE_P12_PASSPHRASE.encode()
    )
    path = settings.TEST_FILES / "signing" / "demo-certificate.pem"
    path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return load_cert_from_pemder(str(path))


def test_the_check_and_the_certificates_admin_say_when_there_is_no_tsa(admin_client, settings):
    settings.TSA_URL = ""
    sentence = (
        "TSA_URL n'est pas configuré : les certificats sont signés sans horodatage ni données de validation "
        "(PAdES B-B), vérifiables tant que le certificat de signature est valide."
    )
    (warning,) = checks.check_long_term_signature(None)
    assert (warning.id, warning.msg) == ("certificates.W009", sentence)
    changelist = admin_client.get(reverse("admin:certificates_certificate_changelist"))
    assert f'<li class="warning">{escape(sentence)}</li>' in changelist.content.decode()

    settings.TSA_URL = "https://horodatage.example.fr/tsa"
    assert checks.check_long_term_signature(None) == []
    assert "TSA_URL" not in admin_client.get(reverse("admin:certificates_certificate_changelist")).content.decode()


def stored(name):
    storage = Certificate._meta.get_field("pdf").storage
    with storage.open(name, "rb") as file:
        return file.read()


def renew(*arguments):
    out, err = io.StringIO(), io.StringIO()
    call_command("renew_timestamps", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_renewing_writes_a_successor_beside_the_original_and_changes_no_row(spring, long_term, client):
    certificate = issue(spring)
    original = certificate.pdf.read()
    row = (certificate.pdf.name, certificate.sha256)
    tsa_until = f"{long_term.certificate('tsa').not_valid_after:%d/%m/%Y}"

    # The TSA's certificate lasts ten years: nothing to renew within a year.
    out, _ = renew()
    assert out.startswith("Certificats renouvelés : 0 ; à jour : 1 ; en échec : 0 (horodatages expirant avant le ")

    out, _ = renew("--within-days", "4000")
    name = renewal_name(certificate, timezone.localdate())
    assert f"{certificate.number} : horodatage valable jusqu'au {tsa_until}, renouvelé dans {name}\n" in out
    assert "Certificats renouvelés : 1 ; à jour : 0 ; en échec : 0" in out
    renewed = stored(name)
    assert renewed.startswith(original) and len(renewed) > len(original)  # incremental updates only
    assert Certificate.objects.filter(pk=certificate.pk).values_list("pdf", "sha256").get() == row
    assert stored(certificate.pdf.name) == original
    assert len(PdfFileReader(io.BytesIO(renewed)).embedded_timestamp_signatures) == 2
    result = lta_validation(renewed, [long_term.root])
    assert result.ades_subindic == AdESPassed.OK
    # Recorded, and what the holder and the administrators download from now on.
    (renewal,) = certificate.renewals.all()
    assert (renewal.pdf.name, renewal.sha256) == (name, hashlib.sha256(renewed).hexdigest())
    assert renewal.timestamp_valid_until == long_term.certificate("tsa").not_valid_after
    assert certificate.latest_pdf().name == name
    client.force_login(certificate.candidate.user)
    download = client.get(reverse("spaces:candidate_certificate_pdf", kwargs={"pk": certificate.pk}))
    assert b"".join(download.streaming_content) == renewed
    client.force_login(User.objects.get(username="gestionnaire"))
    page = client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk])).content.decode()
    until = date_format(timezone.localtime(renewal.timestamp_valid_until), "j F Y")
    assert f"{date_format(timezone.localdate(), 'j F Y')} (horodatage valable jusqu&#x27;au {until})" in page

    # Renewed today already: the next run starts from the renewal, and leaves it.
    out, _ = renew("--within-days", "4000")
    assert "Certificats renouvelés : 0 ; à jour : 1 ; en échec : 0" in out
    assert stored(name) == renewed and certificate.renewals.count() == 1


def test_a_certificate_signed_without_a_tsa_gets_validation_data_and_a_first_document_timestamp(
    spring, settings, signed_by_the_pki
):
    """What can be added after the fact: the signature's validation data, fetched while its certificate is
    valid, and a document timestamp over them. Not B-LTA: its signature has no timestamp of its own, which
    pyHanko's AdES validation with time requires (SIG_CONSTRAINTS_FAILURE)."""
    certificate = issue(spring)
    original = certificate.pdf.read()
    settings.TSA_URL = signed_by_the_pki.tsa_url
    out, _ = renew()
    name = renewal_name(certificate, timezone.localdate())
    assert f"{certificate.number} : aucun horodatage, renouvelé dans {name}\n" in out
    renewed = stored(name)
    assert renewed.startswith(original)
    reader = PdfFileReader(io.BytesIO(renewed))
    (signature,) = reader.embedded_regular_signatures
    (document_timestamp,) = reader.embedded_timestamp_signatures
    dss = DocumentSecurityStore.read_dss(reader)
    assert (len(dss.ocsps), len(dss.crls)) == (1, 1)
    assert signed_by_the_pki.certificate("signer").sha256 in {cert.sha256 for cert in dss.load_certs()}

    context = ValidationContext(trust_roots=[signed_by_the_pki.root], allow_fetching=True)
    status = validate_pdf_signature(signature, context)
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    stamp = validate_pdf_timestamp(document_timestamp, ValidationContext(trust_roots=[signed_by_the_pki.root]))
    assert (stamp.intact, stamp.valid, stamp.trusted) == (True, True, True)
    assert lta_validation(renewed, [signed_by_the_pki.root]).ades_subindic == AdESIndeterminate.SIG_CONSTRAINTS_FAILURE


def test_renewing_needs_a_tsa(settings, db):
    settings.TSA_URL = ""
    with pytest.raises(CommandError, match="TSA_URL n'est pas configuré"):
        renew()
