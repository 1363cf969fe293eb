"""The message that brings its holder each certificate: what it certifies, its number, its verification link
and its signed PDF attached.

`issued_drafts` is called by `services.record_pdfs`, in the transaction that writes the PDFs of a group: a
message is queued only for the certificates whose PDF that write filled, so a run taken up again never sends
one twice. It makes no query of its own when the group's certificates come with their candidate, bloc and
certification (`services._produce_group` reads them so). The PDFs are attached by their storage name and
read when the message is sent: the outbox never holds a copy."""

from django.conf import settings
from django.template.loader import get_template

from outbox.models import MessageKind
from outbox.services import Draft

from .models import CertificateKind


def issued_drafts(certificates) -> list[Draft]:
    """One message per holder, listing their certificates of the group with each PDF attached. A revoked or
    replaced certificate is never sent (none is at production, the check keeps it so); a re-issued one says
    which number it replaces."""
    by_holder = {}
    for certificate in certificates:
        if certificate.is_valid:
            by_holder.setdefault(certificate.candidate_id, []).append(certificate)
    templates = (get_template("certificates/mail/issued_subject.txt"), get_template("certificates/mail/issued.txt"))
    return [_draft(templates, held) for held in by_holder.values()]


def _draft(templates, certificates):
    from .services import verify_url

    subject_template, text_template = templates
    first = certificates[0]
    context = {
        "candidate": first.candidate,
        "certificates": [
            {
                "certificate": certificate,
                "is_ccp": certificate.kind == CertificateKind.CCP,
                "url": verify_url(certificate),
            }
            for certificate in certificates
        ],
        "site_url": settings.SITE_URL,
    }
    return Draft(
        to=first.candidate.email,
        subject="".join(subject_template.render(context).splitlines()),
        text=text_template.render(context),
        kind=MessageKind.CERTIFICATE,
        stored_attachments=[
            (f"{certificate.number}.pdf", certificate.pdf.name, "application/pdf") for certificate in certificates
        ],
        topic=f"deliberation:{first.deliberation_id}",
        candidate_id=first.candidate_id,
        deliberation_id=first.deliberation_id,
    )
