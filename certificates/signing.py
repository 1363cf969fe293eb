"""PAdES signatures of certificates with the issuing organisation's certificate (pyHanko).

The PKCS#12 file and its passphrase come from the settings. The signer is loaded once per process,
keeps its parsed RSA key, and the signature's size is reserved up front: pyHanko would otherwise
parse the key at every signature and sign twice (a dry run to measure the size).
"""

import functools
import io

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash

SIGNATURE_BYTES = 8192
FIELD_NAME = "SignatureUcanss"


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


def sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    """The PDF with an invisible PAdES signature covering the whole document."""
    return sign_pdf_file(io.BytesIO(pdf), reason=reason).getvalue()


def sign_pdf_file(pdf, *, reason: str) -> io.BytesIO:
    """The same, from a binary file object into a new one: no copy of either as bytes."""
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location="Paris",
        name="Ucanss",
    )
    writer = IncrementalPdfFileWriter(pdf)
    return signers.PdfSigner(metadata, signer=signer()).sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES)
