"""Certificates: a CCP per bloc acquired by a deliberation, the CQP when it is awarded.

Each has a public number (CCP-GC-2026-000123: per kind, CQP and year, never reused, never
skipped) and a random verification code (128 bits, no personal data) that its QR code carries.
Nothing is deleted: a certificate is revoked, with its reason.
"""

import secrets

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cqp_site.audit import audited
from cqp_site.frozen import FrozenError, FrozenModel, any_changed, protect_when

# What a certificate says, fixed once it is numbered.
IDENTITY = [
    "kind",
    "number",
    "code",
    "candidate_id",
    "certification_id",
    "bloc_id",
    "acquired_bloc_id",
    "cqp_award_id",
    "deliberation_id",
    "holder_name",
    "issued_on",
]


class CertificateKind(models.TextChoices):
    CCP = "CCP", _("Certificat de compétences professionnelles (CCP)")
    CQP = "CQP", _("Certificat de qualification professionnelle (CQP)")


def new_verification_code():
    """128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


class NumberSequence(models.Model):
    """The last number given for a prefix (CCP-GC-2026); locked while a number is taken."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.prefix}-{self.last:06d}"


@audited
class Certificate(FrozenModel):
    """Once numbered, a certificate changes twice at most: its signed PDF is stored once, and it may be
    revoked once. Anything else, and any deletion, is refused (model layer, and triggers on PostgreSQL)."""

    kind = models.CharField(_("type"), max_length=3, choices=CertificateKind.choices)
    number = models.CharField(_("numéro"), max_length=40, unique=True)
    code = models.CharField(_("code de vérification"), max_length=32, unique=True, default=new_verification_code)
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("titulaire")
    )
    certification = models.ForeignKey(
        "referentials.Certification", on_delete=models.PROTECT, related_name="+", verbose_name=_("CQP")
    )
    bloc = models.ForeignKey(
        "referentials.Bloc", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bloc")
    )
    acquired_bloc = models.OneToOneField(
        "candidates.AcquiredBloc", on_delete=models.PROTECT, null=True, blank=True, related_name="certificate"
    )
    cqp_award = models.OneToOneField(
        "candidates.CqpAward", on_delete=models.PROTECT, null=True, blank=True, related_name="certificate"
    )
    deliberation = models.ForeignKey(
        "evaluations.Deliberation",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("délibération"),
    )
    holder_name = models.CharField(_("titulaire"), max_length=210)
    issued_on = models.DateField(_("délivré le"))
    pdf = models.FileField(_("PDF signé"), upload_to="certificates/%Y/", blank=True)
    sha256 = models.CharField(_("empreinte SHA-256 du PDF"), max_length=64, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    revocation_reason = models.TextField(_("motif de la révocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("révoqué par"),
    )

    class Meta:
        verbose_name = _("certificat")
        verbose_name_plural = _("certificats")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="CCP") & Q(acquired_bloc__isnull=False) & Q(cqp_award__isnull=True))
                | (Q(kind="CQP") & Q(cqp_award__isnull=False) & Q(acquired_bloc__isnull=True)),
                name="certificate_is_for_a_bloc_or_a_cqp",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="certificate_revocation_has_a_reason",
            ),
        ]
        triggers = [
            protect_when("certificate_is_never_deleted", None, operation=pgtrigger.Delete),
            protect_when(
                "certificate_says_what_it_said",
                any_changed(IDENTITY)
                | (~pgtrigger.Q(old__pdf="") & any_changed(["pdf", "sha256"]))
                | (
                    pgtrigger.Q(old__revoked_at__isnull=False)
                    & any_changed(["revoked_at", "revocation_reason", "revoked_by_id"])
                ),
                operation=pgtrigger.Update,
            ),
        ]

    @classmethod
    def frozen_rows(cls):
        return Q()  # QuerySet.update(), delete() and bulk_update() never apply to certificates

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            stored = Certificate._base_manager.get(pk=self.pk)
            if (
                any(getattr(stored, field) != getattr(self, field) for field in IDENTITY)
                or (stored.pdf and (stored.pdf.name, stored.sha256) != (self.pdf.name, self.sha256))
                or (
                    stored.is_revoked
                    and (stored.revoked_at, stored.revocation_reason) != (self.revoked_at, self.revocation_reason)
                )
            ):
                raise FrozenError(f"{self.number} : un certificat délivré ne change pas.")
        models.Model.save(self, *args, **kwargs)

    def __str__(self):
        return self.number

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def title(self):
        if self.kind == CertificateKind.CCP:
            return f"CCP — bloc {self.bloc.code} : {self.bloc.title}"
        return f"CQP — {self.certification.title}"


class IssuingRun(models.Model):
    """Issuing the certificates of a signed deliberation, in the background, and its progress.

    `progressed_at` is when a certificate was last produced: a run that stops progressing while no
    task waits has lost its worker, and is queued again (`services.resume_stalled_runs`). The ZIP of
    its certificates is made when downloaded, from the stored PDFs: nothing is stored twice."""

    deliberation = models.OneToOneField(
        "evaluations.Deliberation", on_delete=models.PROTECT, related_name="issuing_run"
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("délivrance des certificats")
        verbose_name_plural = _("délivrances des certificats")

    def __str__(self):
        return f"{self.deliberation} : {self.done}/{self.total}"

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 100


class WorkerHeartbeat(models.Model):
    """A background worker says it is alive every WORKER_HEARTBEAT_SECONDS; /sante/ reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.host}:{self.pid}"
