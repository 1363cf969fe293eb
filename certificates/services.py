"""Issuing, rendering, signing and revoking certificates. Each state change is one transaction.

Numbers are given in one transaction for a whole deliberation, before any PDF is made: a run that
fails afterwards leaves numbered certificates without PDF, which the next run completes, so a
number is never skipped nor reused. Rendering and signing are idempotent per certificate.
"""

import hashlib
import io
import zipfile

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import AcquiredBloc, CqpAward
from cqp_site.pdf import html_to_pdf

from . import signing
from .models import Certificate, CertificateKind, IssuingRun, NumberSequence

BATCH_SIZE = 25


class CertificateError(Exception):
    """A refused change, with the message to show."""


def verify_url(certificate):
    return settings.SITE_URL + reverse("certificates:verify", kwargs={"code": certificate.code})


@transaction.atomic
def number_certificates(deliberation) -> int:
    """Create, numbered, every certificate a signed deliberation gives that does not exist yet."""
    if not deliberation.is_signed:
        raise CertificateError(_("La délibération doit être signée avant la délivrance des certificats."))
    blocs = (
        AcquiredBloc.objects.filter(deliberation=deliberation, certificate__isnull=True)
        .select_related("candidate__certification", "bloc")
        .order_by("candidate__last_name", "candidate__first_name", "candidate_id", "bloc__code")
    )
    awards = (
        CqpAward.objects.filter(deliberation=deliberation, certificate__isnull=True)
        .select_related("candidate", "certification")
        .order_by("candidate__last_name", "candidate__first_name", "candidate_id")
    )
    year = deliberation.held_on.year
    pending = [
        (
            CertificateKind.CCP,
            acquired.candidate,
            acquired.candidate.certification,
            {"acquired_bloc": acquired, "bloc": acquired.bloc},
        )
        for acquired in blocs
    ] + [(CertificateKind.CQP, award.candidate, award.certification, {"cqp_award": award}) for award in awards]
    by_prefix = {}
    for kind, candidate, certification, link in pending:
        by_prefix.setdefault(f"{kind}-{certification.code}-{year}", []).append((kind, candidate, certification, link))
    created = []
    for prefix, items in by_prefix.items():
        # One lock per number sequence: its numbers are taken as a block, in the order above.
        NumberSequence.objects.get_or_create(prefix=prefix)
        sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
        first = sequence.last + 1
        sequence.last += len(items)
        sequence.save(update_fields=["last"])
        created.extend(
            Certificate(
                kind=kind,
                number=f"{prefix}-{number:06d}",
                candidate=candidate,
                certification=certification,
                deliberation=deliberation,
                holder_name=f"{candidate.first_name} {candidate.last_name.upper()}",
                issued_on=deliberation.held_on,
                **link,
            )
            for number, (kind, candidate, certification, link) in enumerate(items, start=first)
        )
    Certificate.objects.bulk_create(created)
    return len(created)


def qr_data_uri(url):
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def certified_parts(certificate):
    """What the certificate lists: the bloc's competences (CCP) or the CQP's blocs."""
    if certificate.kind == CertificateKind.CCP:
        return list(certificate.bloc.competences.order_by("order"))
    return list(certificate.certification.blocs.order_by("certificationbloc__order"))


def certificate_html(certificate, parts=None):
    url = verify_url(certificate)
    parts = certified_parts(certificate) if parts is None else parts
    context = {"certificate": certificate, "verify_url": url, "qr": qr_data_uri(url)}
    context["competences" if certificate.kind == CertificateKind.CCP else "blocs"] = parts
    return render_to_string("certificates/certificate.html", context)


def produce_pdf(certificate) -> bool:
    """Render, sign and store the certificate's PDF, unless it has one already."""
    if certificate.pdf:
        return False
    pdf = signing.sign_pdf(
        html_to_pdf(certificate_html(certificate)),
        reason=_("Certificat %(number)s délivré par l'Ucanss") % {"number": certificate.number},
    )
    certificate.sha256 = hashlib.sha256(pdf).hexdigest()
    certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
    certificate.save(update_fields=["pdf", "sha256"])
    return True


@transaction.atomic
def start_issuing(deliberation):
    """Number what is missing, then queue the PDFs in batches; running it again issues nothing twice."""
    from .tasks import produce_batch

    number_certificates(deliberation)
    certificates = Certificate.objects.filter(deliberation=deliberation)
    run, _created = IssuingRun.objects.get_or_create(deliberation=deliberation)
    run.total = certificates.count()
    run.done = certificates.exclude(pdf="").count()
    run.finished_at = None
    run.error = ""
    run.save()
    missing = list(certificates.filter(pdf="").order_by("number").values_list("pk", flat=True))
    batches = [missing[start : start + BATCH_SIZE] for start in range(0, len(missing), BATCH_SIZE)]
    transaction.on_commit(lambda: [produce_batch.enqueue(run.pk, batch) for batch in batches])
    if not missing:
        transaction.on_commit(lambda: finish_run(run.pk))
    return run


def produce_batch_now(run_id, certificate_ids):
    """What a worker does with one batch: each PDF in its own transaction, then the run's progress."""
    for certificate in Certificate.objects.filter(pk__in=certificate_ids).select_related(
        "candidate", "certification", "bloc", "deliberation"
    ):
        with transaction.atomic():
            locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if not locked.pdf:
                produce_pdf(certificate)
    run = IssuingRun.objects.get(pk=run_id)
    done = Certificate.objects.filter(deliberation_id=run.deliberation_id).exclude(pdf="").count()
    IssuingRun.objects.filter(pk=run_id).update(done=done)
    if done >= run.total:
        finish_run(run_id)


@transaction.atomic
def finish_run(run_id):
    """The ZIP of every certificate of the deliberation, made once."""
    run = IssuingRun.objects.select_for_update().get(pk=run_id)
    if run.finished_at:
        return run
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in Certificate.objects.filter(deliberation_id=run.deliberation_id).order_by("number"):
            with certificate.pdf.open("rb") as pdf:
                archive.writestr(f"{certificate.number}.pdf", pdf.read())
    run.archive.save(
        f"certificats-{run.deliberation.held_on:%Y-%m-%d}-{run.deliberation_id}.zip",
        ContentFile(buffer.getvalue()),
        save=False,
    )
    run.done = run.total
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def revoke(certificate, user, reason):
    """A certificate is revoked, never deleted; the verification page says so."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Indiquez le motif de la révocation."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        raise CertificateError(_("Ce certificat est déjà révoqué."))
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.revoked_by = user
    certificate.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
    return certificate
