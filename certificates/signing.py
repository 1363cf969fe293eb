"""PAdES signatures of certificates with the issuing organisation's certificate (pyHanko).

The PKCS#12 file and its passphrase come from the settings. The signer is loaded once per process,
keeps its parsed RSA key, and the signature's size is reserved up front: pyHanko would otherwise
parse the key at every signature and sign twice (a dry run to measure the size).

A CCP or CQP is kept for a career, longer than any signing certificate (issue 18). With `TSA_URL`
the signature is PAdES baseline B-LTA (ETSI EN 319 142-1): it carries an RFC 3161 timestamp of that
time-stamping authority (B-T); the certificates of its chain and of the TSA's, with their CRLs and
OCSP responses fetched at signing, are embedded in the document security store (DSS, an incremental
update: B-LT); and a document timestamp covers the whole (B-LTA). Such a PDF still validates once
the signing certificate has expired, as long as its last document timestamp is renewed before the
TSA's certificate expires (`manage.py renew_timestamps`). Without `TSA_URL` (the demo) the signature
is PAdES B-B, as before: verifiable while the signing certificate is valid (check certificates.W009).
"""

import asyncio
import contextlib
import dataclasses
import functools
import io
import ssl
import time
from contextlib import asynccontextmanager

import aiohttp
import certifi
from asn1crypto import pem, x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import PdfTimeStamper, fields, signers, timestamps
from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, PreSignValidationStatus, TimestampDSSContentSettings
from pyhanko.sign.validation import async_add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend

# Room for the signature container, in hexadecimal characters (twice its DER size), measured: B-B
# is 1.6 KB of DER with the development certificate, 2.6 KB with a chain of two. B-LTA adds the
# timestamp token: 4.3 KB with the test PKI (tests/tsa.py: a token carrying its TSA's certificate);
# a commercial chain of three and a token carrying the TSA's chain come to about 11 KB, and 32,768
# leaves 16 KB. The validation data is not in the signature but in the DSS, and the document
# timestamp has its own field, sized by pyHanko: a B-LTA PDF is about 38 KB larger than a B-B one.
SIGNATURE_BYTES = 8192
TIMESTAMPED_SIGNATURE_BYTES = 32768
FIELD_NAME = "SignatureUcanss"
TSA_TIMEOUT_SECONDS = 10


class KeptKeySigner(signers.SimpleSigner):
    """A SimpleSigner that parses its private key once."""

    @functools.cached_property
    def private_key(self):
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15":
            return self.private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


@functools.cache
def _load_signer(path, passphrase):
    if not path.exists():
        raise ImproperlyConfigured(
            f"Certificat de signature introuvable : {path}. Créez-en un pour le développement avec "
            "`python manage.py create_signing_certificate`, ou indiquez CERTIFICATE_P12_PATH."
        )
    loaded = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase.encode() or None)
    if loaded is None:
        raise ImproperlyConfigured(f"Le fichier {path} ne s'ouvre pas avec CERTIFICATE_P12_PASSPHRASE.")
    return KeptKeySigner(
        signing_cert=loaded.signing_cert, signing_key=loaded.signing_key, cert_registry=loaded.cert_registry
    )


def signer():
    return _load_signer(settings.CERTIFICATE_P12_PATH, settings.CERTIFICATE_P12_PASSPHRASE)


def certificate_valid_until():
    """When the signing certificate of the settings expires, read from its file now (not from the
    signer a process keeps): the file a new worker would load. Raises ImproperlyConfigured."""
    return _load_signer.__wrapped__(
        settings.CERTIFICATE_P12_PATH, settings.CERTIFICATE_P12_PASSPHRASE
    ).signing_cert.not_valid_after


# Long-term signature (issue 18) ---------------------------------------------------------------------


class ValidationDataError(Exception):
    """A certificate of the signature's or the TSA's chain that could not be validated now: no trusted
    authority (TSA_CA_PATH, CERTIFICATE_P12_PATH), or its CRL or OCSP response out of reach."""


NOT_LONG_TERM = gettext_lazy(
    "TSA_URL n'est pas configuré : les certificats sont signés sans horodatage ni données de validation "
    "(PAdES B-B), vérifiables tant que le certificat de signature est valide."
)


def is_long_term():
    """Whether signatures are PAdES B-LTA: a time-stamping authority is configured."""
    return bool(settings.TSA_URL)


@functools.cache
def _tls_context():
    return ssl.create_default_context(cafile=certifi.where())


class KeptTlsSession(LazySession):
    """pyHanko's HTTP session, with a TLS context made once per process: pyHanko makes one for each
    session, that is for each timestamp request (two per signature), 23 ms each to read the CA bundle."""

    def get_session(self):
        if self._session is None:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls_context()))
        return self._session


class TimeStamper(timestamps.HTTPTimeStamper):
    """pyHanko's RFC 3161 client, one session per request as pyHanko's own (each signature runs its own
    event loop, which a session cannot outlive), with the TLS context made once."""

    @asynccontextmanager
    async def _acquire_session(self):
        session = KeptTlsSession()
        try:
            yield session.get_session()
        finally:
            await session.close()


@functools.cache
def _timestamper(url):
    """One client per process and address: pyHanko keeps the TSA's certificates it learns from a first
    (dummy) request, so that each signature costs two timestamps only, the signature's and the document's."""
    return TimeStamper(url, timeout=TSA_TIMEOUT_SECONDS)


def timestamper():
    return _timestamper(settings.TSA_URL)


def organisation_roots(loaded=None):
    """The highest certificates of the issuing organisation's PKCS#12 file: those whose issuer is not
    in the file. Its root when the file holds the whole chain, as it should; else the highest certificate
    it holds, trusted as it stands, whose own revocation data are then not embedded."""
    loaded = loaded or signer()
    chain = {certificate.sha256: certificate for certificate in [loaded.signing_cert, *loaded.cert_registry]}
    return [
        certificate
        for certificate in chain.values()
        if certificate.self_signed != "no"
        or not any(other.subject == certificate.issuer for other in chain.values() if other is not certificate)
    ]


@functools.cache
def _certificates_of(path):
    with open(path, "rb") as file:
        data = file.read()
    if not pem.detect(data):
        return [x509.Certificate.load(data)]
    return [
        x509.Certificate.load(der) for kind, _headers, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"
    ]


def tsa_roots():
    """The certificates of the TSA's certification authority (TSA_CA_PATH), when it is not the
    organisation's: trusted to gather the TSA's own validation data."""
    if not settings.TSA_CA_PATH:
        return []
    try:
        return _certificates_of(str(settings.TSA_CA_PATH))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"TSA_CA_PATH ne se lit pas comme un ou des certificats : {error}") from error


def validation_context():
    """What a signature trusts to gather its validation data: the issuing organisation's chain (the
    PKCS#12 file's), and the TSA's authority if it is another. Fetching is allowed, so the CRLs and OCSP
    responses named by the certificates are fetched and embedded; a certificate that names one that
    cannot be fetched fails the signature (hard-fail) rather than give a PDF that would not validate
    once its certificate expired."""
    loaded = signer()
    return ValidationContext(
        trust_roots=organisation_roots(loaded) + tsa_roots(),
        other_certs=list(loaded.cert_registry),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=OwnedFetcherBackend(AIOHttpFetcherBackend(session=KeptTlsSession())),
    )


VALIDATION_DATA_REUSE_SECONDS = 300


@dataclasses.dataclass
class SharedValidation:
    """What the signatures of a process share for VALIDATION_DATA_REUSE_SECONDS: the validation context,
    which keeps the CRLs and OCSP responses it fetched, and the result of the pre-signing validation (the
    signer's and the TSA's chains validated, the data to embed). The certificates of a batch embed the
    same data, fetched at most five minutes before (within their validity, hours or days), instead of
    asking the CA's servers and validating both chains again for each certificate (15 ms)."""

    key: tuple
    made_at: float
    context: ValidationContext
    presign: PreSignValidationStatus | None = None


_shared = {}


def shared_validation():
    """This process's SharedValidation, made again when too old or when the settings it rests on change;
    dropped by a failure (`forget_shared_validation`), so that the next signature fetches again."""
    key = (settings.CERTIFICATE_P12_PATH, settings.CERTIFICATE_P12_PASSPHRASE, settings.TSA_CA_PATH, settings.TSA_URL)
    now = time.monotonic()
    current = _shared.get("current")
    if current is None or current.key != key or now - current.made_at > VALIDATION_DATA_REUSE_SECONDS:
        current = _shared["current"] = SharedValidation(key=key, made_at=now, context=validation_context())
    return current


def forget_shared_validation():
    _shared.clear()


# The DSS in one revision with the document timestamp, the TSA's data included before it (pyHanko adds
# them after it by default, a fourth revision and the file read once more: 4 ms), and without VRI
# dictionaries (per-signature indexes, optional in PAdES baseline, not read by pyHanko's validation).
LEAN_DSS = DSSContentSettings(
    include_vri=False, next_ts_settings=TimestampDSSContentSettings(include_vri=False, update_before_ts=True)
)


def sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    """The PDF with an invisible PAdES signature covering the whole document."""
    return sign_pdf_file(io.BytesIO(pdf), reason=reason).getvalue()


def sign_pdf_file(pdf, *, reason: str) -> io.BytesIO:
    """The same, from a binary file object into a new one: no copy of either as bytes. B-LTA with a
    TSA (the signature, then the DSS and the document timestamp in one incremental update), else B-B."""
    long_term = is_long_term()
    shared = shared_validation() if long_term else None
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location="Paris",
        name="Ucanss",
        **(
            {
                "embed_validation_info": True,
                "use_pades_lta": True,
                "validation_context": shared.context,
                "dss_settings": LEAN_DSS,
            }
            if long_term
            else {}
        ),
    )
    writer = IncrementalPdfFileWriter(pdf)
    pdf_signer = signers.PdfSigner(metadata, signer=signer(), timestamper=timestamper() if long_term else None)
    if not long_term:
        return pdf_signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES)
    with validation_data_errors():
        return asyncio.run(_sign_long_term(pdf_signer, writer, shared))


async def _sign_long_term(pdf_signer, writer, shared):
    """pyHanko's `async_sign_pdf`, step by step (its interrupted signing API), with the pre-signing
    validation done once per SharedValidation rather than for each signature."""
    try:
        session = pdf_signer.init_signing_session(writer)
        if shared.presign is None:
            shared.presign = await session.perform_presign_validation(writer)
        document = session.prepare_tbs_document(
            validation_info=shared.presign, bytes_reserved=TIMESTAMPED_SIGNATURE_BYTES
        )
        digest, output = document.digest_tbs_document()
        signed = await document.perform_signature(
            document_digest=digest.document_digest,
            pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=session.system_time),
        )
        await signed.post_signature_processing(output)
        return output
    finally:
        await shared.context.aclose()  # its session, bound to this event loop; the next signature opens another


@contextlib.contextmanager
def validation_data_errors():
    """A failure drops the shared validation (what it fetched may be what failed); a certificate that could
    not be validated says so in French."""
    try:
        yield
    except (PathError, SigningError) as error:
        forget_shared_validation()
        cause = error if isinstance(error, PathError) else error.__cause__
        if isinstance(cause, PathError):  # pyHanko wraps the signer's, not the TSA's
            raise ValidationDataError(f"Données de validation impossibles à réunir : {cause}") from error
        raise
    except BaseException:
        forget_shared_validation()
        raise


def document_timestamp_expiry(pdf):
    """When the certificate of the TSA of the PDF's last document timestamp expires (None without one):
    until then that timestamp proves what the PDF holds. A PDF file object."""
    stamps = PdfFileReader(pdf).embedded_timestamp_signatures
    return stamps[-1].signer_cert.not_valid_after if stamps else None


def renew_document_timestamp(pdf: bytes) -> io.BytesIO:
    """The PDF with a new document timestamp (an archive timestamp, ETSI EN 319 142-1 §5.5): the
    validation data of the last document timestamp's TSA, fetched now, are added to the DSS, then a
    new document timestamp covers the whole. A PDF without document timestamp (signed B-B, before a
    TSA was configured) first gets the validation data of its signature, while its certificate is
    valid: the new timestamp then proves the signature existed, valid, before it expired. Both are
    incremental updates: the PDF given is the start of the one returned, byte for byte."""
    output = io.BytesIO(pdf)
    context = shared_validation().context

    async def renew():
        try:
            reader = PdfFileReader(output)
            stamper = PdfTimeStamper(timestamper())
            if reader.embedded_timestamp_signatures:
                await stamper.async_update_archival_timestamp_chain(reader, context, in_place=True)
            else:
                await async_add_validation_info(reader.embedded_regular_signatures[0], context, in_place=True)
                await stamper.async_timestamp_pdf(IncrementalPdfFileWriter(output), "sha256", context, in_place=True)
        finally:
            await context.aclose()

    with validation_data_errors():
        asyncio.run(renew())
    output.seek(0)
    return output
