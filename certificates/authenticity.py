"""Is this PDF a certificate the Ucanss issued? (issue 18, « Vérifier un PDF qu'on vous a montré »)

An employer is shown a certificate as a PDF and uploads it on the verification page. Three answers, each with
what was checked:

- « authentique »: the file is the PDF the Ucanss issued, byte for byte: its SHA-256 is the one stored with a
  certificate when its PDF was signed (`Certificate.sha256`). Or, for a PDF whose long-term signature was
  extended since (PAdES B-LTA: timestamps and validation data appended as incremental updates), the revision
  the Ucanss signed is byte for byte the start of the PDF it keeps, and nothing but such updates follows it
  (pyHanko's difference analysis: LTA updates at most). A revoked or replaced certificate's PDF is authentic,
  and the answer says it is revoked or replaced.
- « modifié »: not that file, but it carries the Ucanss's signature field, or names a certificate the Ucanss
  issued (the number in its signature's reason, in its title or in its bytes; the code of a verification
  address): altered or forged. The certificate it claims to be is named by its number only: a file does not
  earn its holder's name or verification page.
- « inconnu »: none of this, not a certificate of the Ucanss.

The signature is checked with pyHanko for what the file itself shows: the digest of the signed bytes is the
signed one and the signature value verifies with the certificate it carries (intact), and it covers the whole
file, or only long-term updates follow it. The chain of trust of the signer's certificate is not what decides:
the comparison with the PDF the Ucanss kept is stronger, and still holds once the signing certificate expires.

The file is read in memory (MAX_PDF_BYTES at most) and never kept. A file pyHanko cannot read (damaged or
hostile) is searched as bytes for a number, a code or the signature field's name.
"""

import hashlib
import io
import logging
import re
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.status import SignatureCoverageLevel

from .models import Certificate
from .signing import FIELD_NAME

MAX_PDF_BYTES = 5 * 1024 * 1024
NUMBER = re.compile(r"\b(?:CCP|CQP)-[A-Z0-9]{1,20}-\d{4}-\d{6}\b")
VERIFICATION_CODE = re.compile(r"/verifier/([A-Za-z0-9_-]{22})/")
XMP_TITLE = re.compile(r"<dc:title.*?</dc:title>", re.DOTALL)
PDF_OCTAL_ESCAPE = re.compile(r"\\([0-7]{1,3})")  # « CCP\055GC » in a PDF string is « CCP-GC »
LATEST = object()  # the file's last revision, what a viewer shows
MAX_CLAIMS = 20  # numbers and codes looked up at most: a hostile file may name thousands

logger = logging.getLogger(__name__)

# What was checked, as the answer lists it.
SAME_FILE = gettext_lazy(
    "Empreinte SHA-256 identique à celle du PDF délivré : le fichier est, octet pour octet, celui de l'Ucanss."
)
SAME_SIGNED_REVISION = gettext_lazy(
    "Le document signé est, octet pour octet, le PDF délivré par l'Ucanss ; seuls des horodatages et des données "
    "de validation de sa signature y ont été ajoutés depuis."
)
NO_SUCH_FILE = gettext_lazy("Empreinte SHA-256 : aucun PDF délivré par l'Ucanss n'est, octet pour octet, ce fichier.")
NOTHING_OF_UCANSS = gettext_lazy(
    "Il ne porte ni la signature de l'Ucanss, ni le numéro d'un certificat qu'elle a délivré."
)
NO_SIGNATURE = gettext_lazy("Aucune signature électronique de l'Ucanss.")
SIGNATURE_UNREADABLE = gettext_lazy(
    "La signature électronique de l'Ucanss ne se lit plus : le fichier a été réécrit ou endommagé."
)
SIGNATURE_BROKEN = gettext_lazy(
    "Signature électronique de l'Ucanss rompue : le contenu signé a changé depuis la signature."
)
SIGNATURE_COVERS_ALL = gettext_lazy(
    "Signature électronique de l'Ucanss intacte, couvrant tout le fichier : rien n'a changé depuis."
)
SIGNATURE_THEN_LONG_TERM_UPDATES = gettext_lazy(
    "Signature électronique de l'Ucanss intacte ; seuls des horodatages et des données de validation ont été "
    "ajoutés après elle."
)
SIGNATURE_THEN_CHANGES = gettext_lazy(
    "Signature électronique intacte, mais le fichier a été modifié après elle (ajouts après la signature)."
)


class Outcome(models.TextChoices):
    AUTHENTIC = "authentic", gettext_lazy("authentique")
    ALTERED = "altered", gettext_lazy("modifié")
    UNKNOWN = "unknown", gettext_lazy("inconnu")


@dataclass(frozen=True)
class Finding:
    """One thing checked, and whether the file passed it, as a sentence."""

    ok: bool
    text: str


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    findings: tuple[Finding, ...]
    certificate: Certificate | None = None  # authentic: the one it is; altered: the issued one it claims to be
    claimed_number: str = ""  # altered: the number it gives, issued or not


@dataclass(frozen=True)
class SignatureReading:
    """The Ucanss's signature as the file shows it."""

    reason: str
    intact: bool  # the signed bytes' digest is the signed one, and the signature value verifies
    coverage: SignatureCoverageLevel
    only_long_term_updates: bool  # nothing but timestamps and validation data after the signed revision
    signed_length: int  # the bytes of the signed revision, from the file's start


@dataclass(frozen=True)
class Reading:
    signature: SignatureReading | None
    field_named: bool  # the signature field's name is in the bytes, readable or not
    numbers: tuple[str, ...]  # certificate numbers, the most trustworthy first: signature, title, bytes
    codes: tuple[str, ...]  # verification codes of addresses in the bytes


def check_pdf(data: bytes) -> Verdict:
    """Whether the PDF is a certificate the Ucanss issued, altered, or unknown (the module says how)."""
    digest = hashlib.sha256(data).hexdigest()
    reading = read_pdf(data)
    issued = _certificates().filter(sha256=digest).first()
    if issued is not None:
        return Verdict(Outcome.AUTHENTIC, (_digest_finding(True), *_signature_findings(reading)), issued)

    number, claimed = _claimed_certificate(reading)
    signature = reading.signature
    if claimed is not None and signature is not None and _is_issued_revision(data, signature, claimed):
        return Verdict(
            Outcome.AUTHENTIC,
            (_digest_finding(True, revision=True), *_signature_findings(reading)),
            claimed,
        )
    if signature is not None or reading.field_named or claimed is not None:
        findings = (_digest_finding(False), *_signature_findings(reading))
        return Verdict(Outcome.ALTERED, findings, claimed, number)
    return Verdict(
        Outcome.UNKNOWN,
        (
            _digest_finding(False),
            Finding(False, NOTHING_OF_UCANSS),
        ),
    )


def read_pdf(data: bytes) -> Reading:
    """What the file says of itself: the Ucanss's signature, the numbers and codes it names. Never raises."""
    reader = _attempt(lambda: PdfFileReader(io.BytesIO(data), strict=False))
    signature = _attempt(lambda: _read_signature(reader)) if reader else None
    numbers = _numbers_in(signature.reason if signature else "")
    numbers += _numbers_in(_attempt(lambda: _title(reader)) or "") if reader else []
    text = PDF_OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), data.decode("latin-1"))
    numbers += _numbers_in(text)
    return Reading(
        signature=signature,
        field_named=FIELD_NAME.encode() in data,
        numbers=tuple(dict.fromkeys(numbers))[:MAX_CLAIMS],
        codes=tuple(dict.fromkeys(VERIFICATION_CODE.findall(text)))[:MAX_CLAIMS],
    )


def _attempt(read):
    """What `read` returns, or None when it fails: pyHanko fed with a stranger's file may fail in any way,
    and what it cannot read is then searched as bytes."""
    try:
        return read()
    except Exception as error:
        logger.info("PDF en partie illisible par pyHanko (%s)", type(error).__name__)
        return None


def _read_signature(reader) -> SignatureReading | None:
    """The signature in the Ucanss's field, checked (the module says how), or None without that field."""
    signature = next((sig for sig in reader.embedded_regular_signatures if sig.field_name == FIELD_NAME), None)
    if signature is None:
        return None
    reason = str(signature.sig_object.get("/Reason", ""))
    *_first_part, second_start, second_length = signature.byte_range
    signed_length = second_start + second_length
    try:
        signature.compute_integrity_info()  # the signed bytes' digest, the coverage, what was added after
        content_type = signature.signed_data["encap_content_info"]["content_type"].native
        intact, valid = validate_sig_integrity(
            signature.signer_info, signature.signer_cert, content_type, signature.compute_digest()
        )
    except Exception as error:  # a damaged or forged signature container
        logger.info("Signature illisible (%s)", type(error).__name__)
        return SignatureReading(reason, False, SignatureCoverageLevel.UNCLEAR, False, signed_length)
    diff = signature.diff_result
    level = diff.modification_level if isinstance(diff, DiffResult) else ModificationLevel.OTHER
    coverage = signature.coverage
    return SignatureReading(
        reason=reason,
        intact=intact and valid,
        coverage=coverage,
        only_long_term_updates=coverage == SignatureCoverageLevel.ENTIRE_FILE
        or (
            coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and level <= ModificationLevel.LTA_UPDATES
            and _attempt(lambda: _titles(reader, signature.signed_revision) == _titles(reader, LATEST))
        ),
        signed_length=signed_length,
    )


def _titles(reader, revision):
    """The titles a viewer shows (the document information's and the XMP metadata's) as of a revision. pyHanko
    counts a change of metadata among long-term updates, as its own updates rewrite the XMP's dates; a title
    changed after the signature is an alteration here (a viewer shows it in its title bar)."""
    history = reader.get_historical_resolver(reader.xrefs.total_revisions - 1 if revision is LATEST else revision)

    def resolved(value):
        while isinstance(value, generic.IndirectObject):
            value = history.get_object(value.reference)
        return value

    info = resolved(history.trailer_view.raw_get("/Info")) if "/Info" in history.trailer_view else {}
    metadata = resolved(history.root.raw_get("/Metadata")) if "/Metadata" in history.root else None
    xmp = metadata.data.decode("utf-8", "replace") if isinstance(metadata, generic.StreamObject) else ""
    return str(resolved(info.get("/Title", ""))), XMP_TITLE.findall(xmp)


def _title(reader):
    try:
        return str(reader.trailer["/Info"].get_object().get("/Title", ""))
    except KeyError:
        return ""


def _numbers_in(text):
    return NUMBER.findall(text)


def _certificates():
    return Certificate.objects.select_related("certification", "bloc", "replaced_by")


def _claimed_certificate(reading: Reading):
    """The number the file gives (the first issued one, else the first one), and the issued certificate it
    claims to be: by that number, else by a verification code it names."""
    if not (reading.numbers or reading.codes):
        return "", None
    found = list(_certificates().filter(Q(number__in=reading.numbers) | Q(code__in=reading.codes)))
    by_number = {certificate.number: certificate for certificate in found}
    by_code = {certificate.code: certificate for certificate in found}
    number = next((number for number in reading.numbers if number in by_number), "")
    if number:
        return number, by_number[number]
    claimed = next((by_code[code] for code in reading.codes if code in by_code), None)
    return (claimed.number if claimed else (reading.numbers[0] if reading.numbers else "")), claimed


def _is_issued_revision(data, signature: SignatureReading, certificate) -> bool:
    """Whether the revision the Ucanss signed is byte for byte the start of the PDF it keeps for the
    certificate, intact, and followed by long-term updates only."""
    if not (signature.intact and signature.only_long_term_updates and certificate.pdf):
        return False
    with certificate.pdf.open("rb") as kept:
        return kept.read(signature.signed_length) == data[: signature.signed_length]


def _digest_finding(same, revision=False):
    if revision:
        return Finding(True, SAME_SIGNED_REVISION)
    return Finding(True, SAME_FILE) if same else Finding(False, NO_SUCH_FILE)


def _signature_findings(reading: Reading):
    signature = reading.signature
    if signature is None:
        return [Finding(False, SIGNATURE_UNREADABLE if reading.field_named else NO_SIGNATURE)]
    if not signature.intact:
        return [Finding(False, SIGNATURE_BROKEN)]
    if signature.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return [Finding(True, SIGNATURE_COVERS_ALL)]
    if signature.only_long_term_updates:
        return [Finding(True, SIGNATURE_THEN_LONG_TERM_UPDATES)]
    return [Finding(False, SIGNATURE_THEN_CHANGES)]
