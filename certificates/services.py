"""Issuing, rendering, signing, re-issuing and revoking certificates. Each state change is one transaction.

Numbers are given in one transaction for a whole deliberation, before any PDF is made: a run that
fails afterwards leaves numbered certificates without PDF, which the next run completes, so a
number is never skipped nor reused. Rendering and signing are idempotent per certificate.

A batch is produced in constant memory: each PDF is rendered (one font configuration per process,
see cqp_site.pdf), signed and stored as it comes, only its name and digest kept, and the rows of a
group of GROUP_SIZE certificates are written in one UPDATE, in one transaction per group.
"""

import hashlib
import io
import logging
import shutil
import time
import zipfile

import segno
from django.conf import settings
from django.core.files.base import File
from django.db import DatabaseError, InterfaceError, OperationalError, connection, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import AcquiredBloc, CqpAward
from cqp_site import logs
from cqp_site.frozen import FrozenError
from cqp_site.pdf import write_pdf
from outbox.services import queue_many

from . import credentials, signing
from .messages import issued_drafts
from .models import Certificate, CertificateAction, CertificateEvent, CertificateKind, IssuingRun, NumberSequence
from .selectors import certificate_contents, certified_parts, parts_for, parts_key

BATCH_SIZE = 25  # certificates per task
GROUP_SIZE = 25  # certificates whose rows are written in one transaction
RETRY_DELAYS = (1, 4, 15)  # seconds before each new attempt at a group after a database fault

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A refused change, with the message to show."""


def verify_url(certificate):
    return settings.SITE_URL + reverse("certificates:verify", kwargs={"code": certificate.code})


def holder_name_of(candidate):
    """The holder's name as a certificate prints it, read from the candidate's record."""
    return f"{candidate.first_name} {candidate.last_name.upper()}"


def number_prefix(kind, certification, issued_on):
    """Numbers follow each other per kind, CQP and year of issue (the deliberation's date)."""
    return f"{kind}-{certification.code}-{issued_on.year}"


def _take_numbers(prefix, count):
    """The next `count` numbers of the prefix's sequence, locked until the transaction ends: a rolled back
    transaction gives them back, so numbers are neither skipped nor reused."""
    NumberSequence.objects.get_or_create(prefix=prefix)
    sequence = NumberSequence.objects.select_for_update().get(prefix=prefix)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return [f"{prefix}-{number:06d}" for number in range(first, first + count)]


@transaction.atomic
def number_certificates(deliberation) -> int:
    """Create, numbered, every certificate a signed deliberation gives that does not exist yet."""
    if not deliberation.is_signed:
        raise CertificateError(_("La délibération doit être signée avant la délivrance des certificats."))
    blocs = (
        AcquiredBloc.objects.in_force()
        .filter(deliberation=deliberation, certificates__isnull=True)
        .select_related("candidate", "bloc")
        .order_by("candidate__last_name", "candidate__first_name", "candidate_id", "bloc__code")
    )
    # A CCP certifies a bloc of the CQP the deliberated file was for, not of the candidate's CQP of today.
    deliberated_cqp = {
        file.candidate_id: file.certification for file in deliberation.files.select_related("certification")
    }
    awards = (
        CqpAward.objects.in_force()
        .filter(deliberation=deliberation, certificates__isnull=True)
        .select_related("candidate", "certification")
        .order_by("candidate__last_name", "candidate__first_name", "candidate_id")
    )
    pending = [
        (
            CertificateKind.CCP,
            acquired.candidate,
            deliberated_cqp[acquired.candidate_id],
            {"acquired_bloc": acquired, "bloc": acquired.bloc},
        )
        for acquired in blocs
    ] + [(CertificateKind.CQP, award.candidate, award.certification, {"cqp_award": award}) for award in awards]
    by_prefix = {}
    for kind, candidate, certification, link in pending:
        prefix = number_prefix(kind, certification, deliberation.held_on)
        by_prefix.setdefault(prefix, []).append((kind, candidate, certification, link))
    created = []
    for prefix, items in by_prefix.items():
        # One lock per number sequence: its numbers are taken as a block, in the order above.
        created.extend(
            Certificate(
                kind=kind,
                number=number,
                candidate=candidate,
                certification=certification,
                deliberation=deliberation,
                holder_name=holder_name_of(candidate),
                issued_on=deliberation.held_on,  # the deliberation's date: what the certificate certifies
                **link,
            )
            for number, (kind, candidate, certification, link) in zip(
                _take_numbers(prefix, len(items)), items, strict=True
            )
        )
    Certificate.objects.bulk_create(created)
    return len(created)


def qr_data_uri(url):
    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def certificate_html(certificate, parts=None):
    """The certificate as HTML for its PDF; `parts`: what `selectors.certified_parts` read for the certificates
    of its bloc or CQP (a batch reads it once), else read here."""
    url = verify_url(certificate)
    context = {"certificate": certificate, "verify_url": url, "qr": qr_data_uri(url)}
    context.update(certificate_contents(certificate, parts))
    return render_to_string("certificates/certificate.html", context)


def produce_pdf(certificate) -> bool:
    """Render, sign and store the certificate's PDF and write its row, unless it has one already."""
    if certificate.pdf:
        return False
    store_pdf(certificate)
    with transaction.atomic():  # the row and its message, or neither
        record_pdfs([certificate])
    return True


def store_pdf(certificate, parts=None):
    """Render, sign and store the certificate's PDF, streamed from one step to the next; its name and
    digest are set on the instance, for the caller to write (`record_pdfs`), or to remove if that fails."""
    parts = parts_for(certificate, parts)  # read once for the page and the credential
    rendered = io.BytesIO()
    write_pdf(
        certificate_html(certificate, parts),
        rendered,
        archival=True,
        attachments=credentials.pdf_attachments(certificate, parts),
    )
    rendered.seek(0)
    signed = signing.sign_pdf_file(
        rendered, reason=_("Certificat %(number)s délivré par l'Ucanss") % {"number": certificate.number}
    )
    del rendered
    with signed.getbuffer() as view:
        certificate.sha256 = hashlib.sha256(view).hexdigest()
    name = certificate.pdf.field.generate_filename(certificate, f"{certificate.number}.pdf")
    if certificate.pdf.storage.exists(name):
        # Left by an attempt whose transaction was rolled back after the file was stored: the row,
        # locked by the caller, has no PDF, so this one file per certificate is replaced, not doubled.
        certificate.pdf.storage.delete(name)
    certificate.pdf.save(f"{certificate.number}.pdf", File(signed), save=False)
    return certificate.pdf.name


def record_pdfs(certificates):
    """The stored PDFs' names and digests written to their rows in one UPDATE, and each holder's message
    queued with them (one INSERT, `messages.issued_drafts`): only certificates whose PDF this write fills
    are sent, so a run taken up again sends nothing twice. Call it in a transaction.

    The frozen layer refuses QuerySet.update() on certificates; this one only fills a PDF still empty,
    the one change a certificate allows once (PostgreSQL's trigger checks the same)."""
    if not certificates:
        return

    def by_row(value):
        whens = [models.When(pk=certificate.pk, then=models.Value(value(certificate))) for certificate in certificates]
        return models.Case(*whens, output_field=models.CharField())

    rows = Certificate._base_manager.filter(pk__in=[certificate.pk for certificate in certificates], pdf="")
    updated = rows.update(pdf=by_row(lambda c: c.pdf.name), sha256=by_row(lambda c: c.sha256))
    if updated != len(certificates):
        raise FrozenError(_("Un certificat a déjà son PDF : il ne change pas."))
    queue_many(issued_drafts(certificates))
    for certificate in certificates:
        logger.info("certificate %s produced (id %s)", certificate.number, certificate.pk)


UNDER_WAY = gettext_lazy(
    "La délivrance des certificats de cette délibération est déjà en cours : suivez-la sur sa page d'avancement."
)


class IssuingUnderWay(CertificateError):
    pass


@transaction.atomic
def start_issuing(deliberation):
    """Number what is missing, then queue the PDFs in batches; running it again issues nothing twice.

    The deliberation is locked first, without waiting: a second administrator issuing it at the same
    moment is told that issuing is under way, as is one whose run is still being worked on."""
    from evaluations.models import Deliberation

    from . import worker

    try:
        Deliberation.objects.select_for_update(nowait=True).get(pk=deliberation.pk)
    except DatabaseError:
        raise IssuingUnderWay(UNDER_WAY) from None
    run = IssuingRun.objects.filter(deliberation=deliberation, finished_at__isnull=True).first()
    if run is not None and not worker.queue_is_idle():
        raise IssuingUnderWay(UNDER_WAY)
    number_certificates(deliberation)
    certificates = Certificate.objects.filter(deliberation=deliberation)
    run, _created = IssuingRun.objects.get_or_create(deliberation=deliberation)
    run.total = certificates.count()
    run.done = certificates.exclude(pdf="").count()
    run.progressed_at = timezone.now()
    run.finished_at = None
    run.error = ""
    run.save()
    _queue_missing(run)
    logger.info("certificate issuing started: deliberation %s, %s certificates", deliberation.pk, run.total)
    return run


def _queue_missing(run):
    """Queue, once the transaction commits, the certificates of the run that have no PDF yet."""
    from .tasks import produce_batch

    missing = list(
        Certificate.objects.filter(deliberation_id=run.deliberation_id, pdf="")
        .order_by("number")
        .values_list("pk", flat=True)
    )
    batches = [missing[start : start + BATCH_SIZE] for start in range(0, len(missing), BATCH_SIZE)]
    request_id = logs.current_request_id()
    transaction.on_commit(lambda: [produce_batch.enqueue(run.pk, batch, request_id) for batch in batches])
    if not missing:
        transaction.on_commit(lambda: finish_run(run.pk))
    return len(missing)


def produce_batch_now(run_id, certificate_ids):
    """What a worker does with one batch: groups of GROUP_SIZE certificates, each in one transaction,
    retried after a database fault (a lost connection, a failover) with growing delays, then the run's
    progress. A batch that still fails is taken up again by `resume_stalled_runs`."""
    ordered = sorted(certificate_ids)
    try:
        for start in range(0, len(ordered), GROUP_SIZE):
            group = ordered[start : start + GROUP_SIZE]
            for delay in (*RETRY_DELAYS, None):
                try:
                    _produce_group(run_id, group)
                    break
                except (OperationalError, InterfaceError) as error:
                    if delay is None:
                        raise
                    logger.warning(
                        "certificate ids %s to %s: database fault (%s), retried in %s s",
                        group[0],
                        group[-1],
                        error,
                        delay,
                    )
                    if not connection.in_atomic_block:
                        connection.close()  # the next query opens a new one
                    time.sleep(delay)
    finally:
        _count_done(run_id)


def _count_done(run_id):
    run = IssuingRun.objects.get(pk=run_id)
    done = Certificate.objects.filter(deliberation_id=run.deliberation_id).exclude(pdf="").count()
    IssuingRun.objects.filter(pk=run_id).update(done=done)
    if done >= run.total:
        finish_run(run_id)


def _produce_group(run_id, certificate_ids):
    """The group's certificates still without PDF, as the database holds them now (an attempt rolled
    back leaves nothing in memory), locked: their PDFs stored one by one, then their rows written at
    once. If the transaction fails after a PDF was stored, up to the commit, the group's files are removed."""
    stored = []
    try:
        with transaction.atomic():
            certificates = list(
                Certificate.objects.select_for_update(of=("self",))
                .select_related("candidate", "certification__version", "bloc", "deliberation", "replaces")
                .filter(pk__in=certificate_ids, pdf="")
                .order_by("pk")
            )
            parts = {}  # what a certificate lists, and its mentions: read once for those that share them
            for certificate in certificates:
                key = parts_key(certificate)
                if key not in parts:
                    parts[key] = certified_parts(certificate)
                stored.append(store_pdf(certificate, parts[key]))
            record_pdfs(certificates)
            IssuingRun.objects.filter(pk=run_id).update(progressed_at=timezone.now())
    except BaseException:
        for name in stored:
            Certificate._meta.get_field("pdf").storage.delete(name)
        raise


@transaction.atomic
def finish_run(run_id):
    run = IssuingRun.objects.select_for_update().get(pk=run_id)
    if not run.finished_at:
        run.done = run.total
        run.finished_at = timezone.now()
        run.save(update_fields=["done", "finished_at"])
        logger.info("certificate issuing finished: deliberation %s, %s certificates", run.deliberation_id, run.total)
    return run


def resume_stalled_runs(*, stalled_after, queue_is_idle):
    """Queue again what a lost worker left: the runs that have not progressed for `stalled_after`
    while no task waits in the queue (`queue_is_idle()`), so that a run busy behind others is left
    alone. Another worker doing the same at the same moment skips the runs locked here."""
    resumed = 0
    if not queue_is_idle():
        return resumed
    limit = timezone.now() - stalled_after
    for run_id in IssuingRun.objects.filter(finished_at__isnull=True, progressed_at__lt=limit).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            run = (
                IssuingRun.objects.select_for_update(skip_locked=True)
                .filter(pk=run_id, finished_at__isnull=True, progressed_at__lt=limit)
                .first()
            )
            if run is None:
                continue
            run.progressed_at = timezone.now()
            run.save(update_fields=["progressed_at"])
            missing = _queue_missing(run)
        logger.warning(
            "certificate issuing resumed: deliberation %s, %s certificates queued again", run.deliberation_id, missing
        )
        resumed += 1
    return resumed


def write_archive(run, output):
    """The ZIP of every current certificate of the run's deliberation (a replaced one is left out, its
    replacement is in), copied from storage into `output` a chunk at
    a time: neither the PDFs nor the ZIP are held in memory (the admin gives a temporary file)."""
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as archive:
        current = Certificate.objects.current().filter(deliberation_id=run.deliberation_id)
        for certificate in current.order_by("number"):
            with certificate.pdf.open("rb") as pdf, archive.open(f"{certificate.number}.pdf", "w") as member:
                shutil.copyfileobj(pdf, member)
    return output


def archive_name(run):
    return f"certificats-{run.deliberation.held_on:%Y-%m-%d}-{run.deliberation_id}.zip"


def _refuse_before_issue(certificate, now):
    """Revoked or replaced on its day of issue at the earliest (a deliberation signed before its date, from
    before that was refused, may have dated a certificate in the future)."""
    if timezone.localdate(now) < certificate.issued_on:
        raise CertificateError(
            _("Ce certificat est délivré le %(date)s : rien ne peut le changer avant cette date.")
            % {"date": formats.date_format(certificate.issued_on, "j F Y")}
        )


@transaction.atomic
def revoke(certificate, user, reason):
    """A certificate is revoked, never deleted; the verification page says so."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Indiquez le motif de la révocation."))
    certificate = (
        Certificate.objects.select_for_update(of=("self",)).select_related("replaced_by").get(pk=certificate.pk)
    )
    if certificate.is_revoked:
        raise CertificateError(_("Ce certificat est déjà révoqué."))
    if certificate.is_replaced:
        raise CertificateError(
            _("Ce certificat est remplacé par le n° %(number)s : c'est celui-ci qu'il faut révoquer.")
            % {"number": certificate.replaced_by.number}
        )
    now = timezone.now()
    _refuse_before_issue(certificate, now)
    certificate.revoked_at = now
    certificate.revocation_reason = reason
    certificate.revoked_by = user
    certificate.save(update_fields=["revoked_at", "revocation_reason", "revoked_by"])
    CertificateEvent.objects.create(
        certificate=certificate, action=CertificateAction.REVOKED, reason=reason, user=user, at=now
    )
    return certificate


@transaction.atomic
def reissue_certificate(certificate, reason, *, acting_user):
    """A new certificate for the same bloc or CQP, in the holder's name as their record now has it (an error
    corrected, a name changed); the old one is marked replaced, and its verification page points to the new.

    The new one takes the next number of the same sequence (no gap: one transaction) and keeps the date of
    issue, the deliberation's: that is what it certifies, and what the register declares as the date the
    certification was obtained. It prints « Réédité le … » with the day of the re-issue, which is when
    the old one was replaced. It is produced, signed and sent to its holder by the task worker, like any
    certificate (`start_issuing`). Who, when and why is written in a `CertificateEvent`."""
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Indiquez le motif de la réédition."))
    old = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("candidate", "certification", "deliberation", "replaced_by")
        .get(pk=certificate.pk)
    )
    if old.is_replaced:
        raise CertificateError(
            _("Ce certificat est déjà remplacé par le n° %(number)s.") % {"number": old.replaced_by.number}
        )
    if old.is_revoked:
        raise CertificateError(_("Ce certificat est révoqué : il n'est pas réédité."))
    if not old.pdf:
        raise CertificateError(_("Ce certificat est en cours de production : rééditez-le une fois produit."))
    holder_name = holder_name_of(old.candidate)
    if holder_name == old.holder_name:
        raise CertificateError(
            _(
                "Le dossier du candidat porte le même nom que le certificat (%(name)s) : corrigez d'abord "
                "le nom dans le dossier du candidat, puis rééditez le certificat."
            )
            % {"name": old.holder_name}
        )
    now = timezone.now()
    _refuse_before_issue(old, now)
    old.replaced_at = now
    old.save(update_fields=["replaced_at"])  # first: the new one is then the one current certificate
    (number,) = _take_numbers(number_prefix(old.kind, old.certification, old.issued_on), 1)
    new = Certificate.objects.create(
        kind=old.kind,
        number=number,
        candidate=old.candidate,
        certification=old.certification,
        bloc_id=old.bloc_id,
        acquired_bloc_id=old.acquired_bloc_id,
        cqp_award_id=old.cqp_award_id,
        deliberation=old.deliberation,
        holder_name=holder_name,
        issued_on=old.issued_on,
        replaces=old,
    )
    CertificateEvent.objects.create(
        certificate=old, action=CertificateAction.REISSUED, replacement=new, reason=reason, user=acting_user, at=now
    )
    start_issuing(old.deliberation)
    logger.info("certificate %s re-issued as %s (ids %s, %s)", old.number, new.number, old.pk, new.pk)
    return new
