"""The machine-readable credential of each certificate (issue 18): being built."""


def pdf_attachments(certificate) -> list:
    """The files embedded in the certificate's PDF (the credential): none yet."""
    return []
