import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a finished output's file is kept: long enough to come back to it the next day (or download it
# again after an interrupted transfer, or serve a signed deliberation's minutes to every member), short
# enough that exports of personal data do not pile up. Purged by `services.purge_expired`.
KEEP_FOR = datetime.timedelta(days=2)


class OutputStatus(models.TextChoices):
    WAITING = "waiting", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


def output_path(output, filename):
    # A random folder: nothing in a file's name or place tells another output's.
    return f"outputs/{uuid.uuid4().hex}/{filename}"


class Output(models.Model):
    """An output asked by someone: made by the task worker, shown on a progress page, its file downloaded by
    that person only (any other account gets « not found »)."""

    kind = models.CharField(_("nature"), max_length=50)
    title = models.CharField(_("intitulé"), max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outputs", verbose_name=_("demandé par")
    )
    parameters = models.JSONField(_("paramètres"), default=dict)
    status = models.CharField(_("état"), max_length=10, choices=OutputStatus.choices, default=OutputStatus.WAITING)
    done = models.PositiveIntegerField(_("fait"), default=0)
    total = models.PositiveIntegerField(_("à faire"), default=0)
    file = models.FileField(_("fichier"), upload_to=output_path, blank=True)
    filename = models.CharField(_("nom du fichier"), max_length=200, blank=True)
    summary = models.TextField(_("bilan"), blank=True)
    error = models.TextField(_("erreur"), blank=True)
    back_url = models.CharField(_("page de retour"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("production en arrière-plan")
        verbose_name_plural = _("productions en arrière-plan")
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.title

    @property
    def is_finished(self):
        return self.status in (OutputStatus.DONE, OutputStatus.FAILED)

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else (100 if self.is_finished else 0)

    def advance(self, done, total=None):
        """Progress, written at once for the progress page (outside any transaction of the producer's caller)."""
        self.done = done
        if total is not None:
            self.total = total
        Output.objects.filter(pk=self.pk).update(done=self.done, total=self.total)

    def store(self, filename, content):
        """The result file, in the default storage (private: no public address)."""
        self.filename = filename
        self.file.save(filename, content, save=False)
