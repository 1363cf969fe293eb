import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# After the n-th failed attempt, the next one waits RETRY_DELAYS[n - 1] (the last delay repeats): a mail
# server away for a night is caught up in the morning, without hammering it meanwhile.
RETRY_DELAYS = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
)


class MessageKind(models.TextChoices):
    """What a message is about: its label in the admin, and how the reminders know what was already sent."""

    INVITATION = "invitation", _("invitation à choisir un mot de passe")
    PASSWORD_RESET = "password_reset", _("réinitialisation du mot de passe")
    CONVOCATION = "convocation", _("convocation du candidat")
    JURY_CONVOCATION = "jury_convocation", _("convocation d’un membre du jury")
    CONVOCATION_CANCELLED = "convocation_cancelled", _("annulation d’une convocation")
    EXAM_REMINDER = "exam_reminder", _("rappel avant l’épreuve")
    GRID_REMINDER = "grid_reminder", _("rappel : grille à signer")
    DELIBERATION_READY = "deliberation_ready", _("délibération : dossiers prêts")
    DELIBERATION_SIGNED = "deliberation_signed", _("délibération signée")
    RESULTS = "results", _("résultats")
    RESULTS_MANAGER = "results_manager", _("copie des résultats au manager")
    CERTIFICATE = "certificate", _("certificats délivrés")
    CORRECTION_REQUEST = "correction_request", _("demande de rectification d’un candidat")


class MessageStatus(models.TextChoices):
    WAITING = "waiting", _("en attente")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec")
    NOT_SENDABLE = "not_sendable", _("adresse inutilisable")


class MessageQuerySet(models.QuerySet):
    def due(self, now=None):
        """Waiting messages whose next attempt has come, oldest first."""
        return self.filter(status=MessageStatus.WAITING, next_attempt_at__lte=now or timezone.now()).order_by(
            "next_attempt_at", "pk"
        )

    def about(self, topic):
        return self.filter(topic=topic)


class Message(models.Model):
    """One e-mail to one address. Written in the transaction of the event that causes it (so an event rolled
    back sends nothing), sent by the task worker; its Message-ID is fixed at creation, so that a message sent
    again after a worker stopped mid-send is recognised by the receiving side as the same one."""

    kind = models.CharField(_("nature"), max_length=50, choices=MessageKind.choices, db_index=True)
    to = models.CharField(_("destinataire"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("objet"), max_length=300)
    text = models.TextField(_("texte"))
    html = models.TextField(_("version HTML"), blank=True)
    # [{"filename": ..., "mimetype": ..., "content": base64}], small files only (an .ics, a certificate).
    attachments = models.JSONField(_("pièces jointes"), default=list, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now, db_index=True)
    status = models.CharField(_("état"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.WAITING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    last_error = models.CharField(_("dernière erreur"), max_length=500, blank=True)
    # What caused it, for the admin's list per candidate, exam or deliberation: plain ids (this app sits below
    # the others in the flow and imports none of them), and a free topic such as "exam:12".
    topic = models.CharField(_("sujet"), max_length=100, blank=True, db_index=True)
    candidate_id = models.PositiveIntegerField(_("candidat (id)"), null=True, blank=True, db_index=True)
    exam_id = models.PositiveIntegerField(_("épreuve (id)"), null=True, blank=True, db_index=True)
    deliberation_id = models.PositiveIntegerField(_("délibération (id)"), null=True, blank=True, db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=MessageStatus.SENT, sent_at__isnull=False)
                | (~Q(status=MessageStatus.SENT) & Q(sent_at__isnull=True)),
                name="outbox_sent_at_iff_sent",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to or '?'}"


def retry_delay(attempts):
    """The wait after `attempts` failed attempts."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
