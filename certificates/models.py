"""Certificates: a CCP per bloc acquired by a deliberation, the CQP when it is awarded.

Each has a public number (CCP-GC-2026-000123: per kind, CQP and year, never reused, never
skipped) and a random verification code (128 bits, no personal data) that its QR code carries.
Nothing is deleted: a certificate is revoked, with its reason, or replaced by a new one (a holder's
name corrected), which takes the next number; a bloc or a CQP award has one current certificate.

Dates (issue 16): a certificate is « délivré » on the date of the deliberation that decided it, which
was signed on or after that date; it is revoked or replaced on or after that date, never before.
"""

import secrets

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqp_site.audit import audited
from cqp_site.frozen import FrozenError, FrozenModel, FrozenQuerySet, any_changed, protect_when

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
    "replaces_id",
]


class CertificateKind(models.TextChoices):
    CCP = "CCP", _("Certificat de compétences professionnelles (CCP)")
    CQP = "CQP", _("Certificat de qualification professionnelle (CQP)")


def new_verification_code():
    """128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


# What a certificate may still receive once numbered, each once: its PDF, a revocation or a replacement.
# A replaced certificate receives nothing more.
CHANGES_ONCE = ["pdf", "sha256", "revoked_at", "revocation_reason", "revoked_by_id", "replaced_at"]


class CertificateQuerySet(FrozenQuerySet):
    def current(self):
        """The certificates in force or revoked, not those replaced by a re-issue."""
        return self.filter(replaced_at__isnull=True)


class NumberSequence(models.Model):
    """The last number given for a prefix (CCP-GC-2026); locked while a number is taken."""

    prefix = models.CharField(_("préfixe"), max_length=30, unique=True)
    last = models.PositiveIntegerField(_("dernier numéro"), default=0)

    class Meta:
        verbose_name = _("suite de numéros")
        verbose_name_plural = _("suites de numéros")

    def __str__(self):
        return f"{self.prefix}-{self.last:06d}"


@audited
class Certificate(FrozenModel):
    """Once numbered, a certificate changes twice at most: its signed PDF is stored once, and it may be
    revoked once or replaced once (`services.reissue_certificate`), not both; a replaced one changes no more.
    Anything else, and any deletion, is refused (model layer, and triggers on PostgreSQL)."""

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
    acquired_bloc = models.ForeignKey(
        "candidates.AcquiredBloc",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("bloc acquis"),
    )
    cqp_award = models.ForeignKey(
        "candidates.CqpAward",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("CQP délivré"),
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
    sha256 = models.CharField(_("empreinte SHA-256 du PDF"), max_length=64, blank=True, db_index=True)
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
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("remplace le certificat"),
    )
    replaced_at = models.DateTimeField(_("remplacé le"), null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

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
            # One current certificate per bloc acquired or CQP awarded; replaced ones are kept beside it.
            models.UniqueConstraint(
                fields=["acquired_bloc"],
                condition=Q(replaced_at__isnull=True),
                name="certificate_one_current_per_bloc",
            ),
            models.UniqueConstraint(
                fields=["cqp_award"],
                condition=Q(replaced_at__isnull=True),
                name="certificate_one_current_per_cqp",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(replaced_at__isnull=True),
                name="certificate_revoked_or_replaced_not_both",
            ),
            # In French time, as `issued_on` is: revoked or replaced on the day of issue at the earliest.
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__date__gte=F("issued_on")),
                name="certificate_revoked_on_or_after_its_issue",
                violation_error_message=_("Un certificat ne peut pas être révoqué avant d'avoir été délivré."),
            ),
            models.CheckConstraint(
                condition=Q(replaced_at__isnull=True) | Q(replaced_at__date__gte=F("issued_on")),
                name="certificate_replaced_on_or_after_its_issue",
                violation_error_message=_("Un certificat ne peut pas être remplacé avant d'avoir été délivré."),
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
                )
                | (pgtrigger.Q(old__replaced_at__isnull=False) & any_changed(CHANGES_ONCE)),
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
                or (stored.is_replaced and any(getattr(stored, f) != getattr(self, f) for f in CHANGES_ONCE))
            ):
                raise FrozenError(f"{self.number} : un certificat délivré ne change pas.")
        models.Model.save(self, *args, **kwargs)

    def __str__(self):
        return self.number

    def latest_pdf(self):
        """The PDF to hand out: its latest renewal (a later document timestamp), else the PDF issued."""
        renewal = self.renewals.order_by("-renewed_at", "-pk").first()
        return renewal.pdf if renewal else self.pdf

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_replaced(self):
        return self.replaced_at is not None

    @property
    def is_valid(self):
        return not (self.is_revoked or self.is_replaced)

    @property
    def title(self):
        if self.kind == CertificateKind.CCP:
            return f"CCP — bloc {self.bloc.code} : {self.bloc.title}"
        return f"CQP — {self.certification.title}"


class CertificateRenewal(FrozenModel):
    """A new document timestamp over a certificate's PDF (`manage.py renew_timestamps`, PAdES B-LTA): the
    renewed PDF is the previous one with incremental updates appended (the TSA's validation data, then the
    timestamp), stored beside it; the certificate's own PDF and digest stay those issued. The latest renewal
    is what the holder and the administrators download (`Certificate.latest_pdf`). Written once, never changed."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="renewals", verbose_name=_("certificat")
    )
    pdf = models.FileField(_("PDF renouvelé"), upload_to="certificates/%Y/")
    sha256 = models.CharField(_("empreinte SHA-256 du PDF"), max_length=64, db_index=True)
    renewed_at = models.DateTimeField(_("renouvelé le"), default=timezone.now)
    timestamp_valid_until = models.DateTimeField(
        _("horodatage valable jusqu'au"),
        help_text=_("Expiration du certificat de l'autorité d'horodatage du nouvel horodatage."),
    )

    class Meta:
        verbose_name = _("renouvellement d'horodatage")
        verbose_name_plural = _("renouvellements d'horodatage")
        ordering = ["certificate", "renewed_at", "pk"]
        triggers = [protect_when("certificate_renewals_are_append_only", None)]

    @classmethod
    def frozen_rows(cls):
        return Q()

    def __str__(self):
        return f"{self.certificate} · {self.renewed_at:%d/%m/%Y}"


class CertificateAction(models.TextChoices):
    REISSUED = "reissued", _("réédité (nom corrigé)")
    REVOKED = "revoked", _("révoqué")


class CertificateEvent(FrozenModel):
    """Who re-issued or revoked a certificate, when and why; for a re-issue, the certificate that replaces
    it. Written in the transaction of the change, on every database (the pghistory trail is PostgreSQL's
    only), and never changed."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="events", verbose_name=_("certificat")
    )
    action = models.CharField(_("action"), max_length=10, choices=CertificateAction.choices)
    replacement = models.ForeignKey(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("remplacé par"),
    )
    reason = models.TextField(_("motif"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
        help_text=_("Vide pour un changement fait sans compte (une commande)."),
    )
    at = models.DateTimeField(_("le"))

    class Meta:
        verbose_name = _("événement de certificat")
        verbose_name_plural = _("historique des certificats")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(action=CertificateAction.REISSUED) & Q(replacement__isnull=False))
                | (Q(action=CertificateAction.REVOKED) & Q(replacement__isnull=True)),
                name="certificate_event_reissue_names_its_replacement",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="certificate_event_has_a_reason"),
        ]
        triggers = [protect_when("certificate_events_are_append_only", None)]

    @classmethod
    def frozen_rows(cls):
        return Q()  # the trail is written once, never changed

    def __str__(self):
        return f"{self.certificate} · {self.get_action_display()} · {self.at:%d/%m/%Y %H:%M}"


class IssuingRun(models.Model):
    """Issuing the certificates of a signed deliberation, in the background, and its progress.

    `progressed_at` is when a certificate was last produced: a run that stops progressing while no
    task waits has lost its worker, and is queued again (`services.resume_stalled_runs`). The ZIP of
    its certificates is made when downloaded, from the stored PDFs: nothing is stored twice."""

    deliberation = models.OneToOneField(
        "evaluations.Deliberation", on_delete=models.PROTECT, related_name="issuing_run", verbose_name=_("délibération")
    )
    total = models.PositiveIntegerField(_("certificats à produire"), default=0)
    done = models.PositiveIntegerField(_("certificats produits"), default=0)
    started_at = models.DateTimeField(_("commencée le"), auto_now_add=True)
    progressed_at = models.DateTimeField(_("dernier certificat produit le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)

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

    worker_id = models.CharField(_("identifiant du processus de travail"), max_length=64, unique=True)
    host = models.CharField(_("machine"), max_length=255)
    pid = models.PositiveIntegerField(_("numéro de processus"))
    started_at = models.DateTimeField(_("démarré le"))
    seen_at = models.DateTimeField(_("dernier signe de vie le"))

    class Meta:
        verbose_name = _("processus de travail")
        verbose_name_plural = _("processus de travail")

    def __str__(self):
        return f"{self.host}:{self.pid}"


class Signatory(models.Model):
    """Who signs the certificates for the Ucanss, and during which dates of office: a certificate names the
    signatory in office on its date of issue."""

    name = models.CharField(_("nom"), max_length=150)
    title = models.CharField(_("qualité"), max_length=200, help_text=_("Par exemple : Directeur général de l'Ucanss."))
    place = models.CharField(_("lieu de délivrance"), max_length=100, default="Paris")
    from_date = models.DateField(_("en fonction depuis le"))
    to_date = models.DateField(_("jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("signataire des certificats")
        verbose_name_plural = _("signataires des certificats")
        ordering = ["-from_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_date__isnull=True) | Q(to_date__gte=F("from_date")),
                name="signatory_office_ends_after_it_starts",
                violation_error_message=_("La fin des fonctions suit leur début."),
            )
        ]

    def __str__(self):
        return f"{self.name}, {self.title}"


def deposit_path(deposit, filename):
    return f"certificates/depots/{timezone.localdate():%Y}/{filename}"


class RegisterDeposit(models.Model):
    """A register file of certificate holders produced for the Caisse des Dépôts: who produced it, when,
    which certificates it declares, and the file itself with its digest."""

    produced_at = models.DateTimeField(_("produit le"), auto_now_add=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("produit par")
    )
    format = models.CharField(_("format"), max_length=10)
    file = models.FileField(_("fichier"), upload_to=deposit_path)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    certificates = models.ManyToManyField(Certificate, related_name="deposits", verbose_name=_("certificats déclarés"))

    class Meta:
        verbose_name = _("dépôt au registre de la Caisse des Dépôts")
        verbose_name_plural = _("dépôts au registre de la Caisse des Dépôts")
        ordering = ["-produced_at", "-pk"]

    def __str__(self):
        return f"{self.format} · {self.produced_at:%d/%m/%Y %H:%M}"
