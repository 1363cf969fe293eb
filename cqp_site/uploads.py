"""Files received from the site's users (an appeal's letter, a candidate's livret 2...), checked before anything
is stored: recognised by their first bytes, not by their name, so that nothing else is kept and later opened by a
jury; and within a size. Each use says which formats it accepts and up to which size."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileFormat:
    name: str
    signature: bytes  # the file's first bytes
    extensions: tuple[str, ...]  # the first one is given to a file named otherwise


PDF = FileFormat("PDF", b"%PDF-", (".pdf",))
PNG = FileFormat("PNG", b"\x89PNG\r\n\x1a\n", (".png",))
JPEG = FileFormat("JPEG", b"\xff\xd8\xff", (".jpg", ".jpeg"))
# A letter, a scan, a photograph.
DOCUMENT_FORMATS = (PDF, PNG, JPEG)
SIGNATURE_BYTES = max(len(file_format.signature) for file_format in (PDF, PNG, JPEG))


def format_of(upload, formats):
    """The format among `formats` the upload's first bytes show, or None; the upload is read again from its
    start afterwards."""
    upload.seek(0)
    head = upload.read(SIGNATURE_BYTES)
    upload.seek(0)
    return next((file_format for file_format in formats if head.startswith(file_format.signature)), None)


def _not_of_formats(name, formats):
    names = tuple(file_format.name for file_format in formats)
    if names == ("PDF", "PNG", "JPEG"):
        return _("%(name)s : ni un PDF, ni une image PNG ou JPEG ; seuls ces formats sont acceptés.") % {"name": name}
    if names == ("PDF",):
        return _("%(name)s : ce n'est pas un PDF ; seul ce format est accepté.") % {"name": name}
    return _("%(name)s : format non reconnu ; seuls ces formats sont acceptés : %(formats)s.") % {
        "name": name,
        "formats": ", ".join(names),
    }


def upload_problems(upload, *, formats, max_bytes) -> list[str]:
    """What keeps this uploaded file from being stored, one sentence naming it: too large (the size is read from
    the upload, not from its content), or of none of `formats`."""
    if upload.size > max_bytes:
        return [
            _("%(name)s : %(size)s, au-delà de %(max)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)}
        ]
    if format_of(upload, formats) is None:
        return [_not_of_formats(upload.name, formats)]
    return []


def stored_name(name, file_format, max_length):
    """The name a recognised file is kept and handed back under: the format's extension added when the name
    has another one (a PDF named « livret.exe » is downloaded as « livret.exe.pdf », opened as what it is), cut
    to `max_length` characters keeping its extension."""
    if Path(name).suffix.lower() not in file_format.extensions:
        name += file_format.extensions[0]
    suffix = Path(name).suffix
    return name if len(name) <= max_length else name[: max_length - len(suffix)] + suffix


def digest_of(upload) -> str:
    """The SHA-256 of an uploaded file, read by chunks (it may be on disk), the file rewound after."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
