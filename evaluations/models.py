"""Evaluation grids: what the professional jury marks for an exam, and the signatures that freeze it.

A grid belongs to one exam. It holds a mark per criterion, a comment per competence (and, for an
oral presentation, whether the competence was covered by it or evaluated in the exchange that
follows), and per bloc the jury's opinion and recommendations. The VAE interview has one grid over
every bloc of the CQP. Every change goes through `evaluations.services`; every save, submission
and signature is kept as a `GridEvent`, with the state it left.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from candidates.models import Exam, Person
from referentials.models import Bloc, Competence, Criterion


class GridStatus(models.TextChoices):
    DRAFT = "draft", _("En cours de saisie")
    SUBMITTED = "submitted", _("Soumise, en attente des signatures")
    SIGNED = "signed", _("Signée par le jury")


class Grid(models.Model):
    exam = models.OneToOneField(Exam, on_delete=models.PROTECT, related_name="grid", verbose_name=_("épreuve"))
    status = models.CharField(_("état"), max_length=10, choices=GridStatus.choices, default=GridStatus.DRAFT)
    revision = models.PositiveIntegerField(
        _("révision"),
        default=0,
        help_text=_("Augmente à chaque enregistrement : deux membres du jury ne s'écrasent jamais sans le savoir."),
    )
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    digest = models.CharField(
        _("empreinte du contenu signé"), max_length=64, blank=True, help_text=_("SHA-256 du contenu signé.")
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("grille d'évaluation")
        verbose_name_plural = _("grilles d'évaluation")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=GridStatus.SIGNED) | (Q(signed_at__isnull=False) & ~Q(digest="")),
                name="grid_signed_has_date_and_digest",
            ),
        ]

    def __str__(self):
        return str(self.exam)

    @property
    def is_editable(self):
        return self.status == GridStatus.DRAFT


class BlocAssessment(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="bloc_assessments")
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+", verbose_name=_("bloc"))
    opinion = models.TextField(_("avis du jury"), blank=True)
    recommendations = models.TextField(_("préconisations pour le candidat et l'employeur"), blank=True)

    class Meta:
        verbose_name = _("appréciation du bloc")
        verbose_name_plural = _("appréciations des blocs")
        constraints = [models.UniqueConstraint(fields=["grid", "bloc"], name="bloc_assessment_unique")]

    def __str__(self):
        return f"{self.grid} · {self.bloc.code}"


class CompetenceAssessment(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="competence_assessments")
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="+", verbose_name=_("compétence"))
    comment = models.TextField(_("commentaire"), blank=True)
    presented = models.BooleanField(_("couverte par la présentation orale"), default=False)
    discussed = models.BooleanField(_("évaluée lors de l'échange"), default=False)

    class Meta:
        verbose_name = _("appréciation de la compétence")
        verbose_name_plural = _("appréciations des compétences")
        constraints = [models.UniqueConstraint(fields=["grid", "competence"], name="competence_assessment_unique")]

    def __str__(self):
        return f"{self.grid} · {self.competence.code}"


class CriterionMark(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="marks")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("critère"))
    validated = models.BooleanField(_("validé"), null=True, blank=True)

    class Meta:
        verbose_name = _("note du critère")
        verbose_name_plural = _("notes des critères")
        constraints = [models.UniqueConstraint(fields=["grid", "criterion"], name="criterion_mark_unique")]

    def __str__(self):
        return f"{self.grid} · {self.criterion}"


class Signature(models.Model):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="signatures")
    member = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("membre"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signée le"))
    digest = models.CharField(_("empreinte du contenu signé"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["grid", "member"], name="signature_once_per_member")]

    def __str__(self):
        return f"{self.member.full_name}, {self.signed_at:%d/%m/%Y %H:%M}"


class GridAction(models.TextChoices):
    SAVED = "saved", _("enregistrée")
    SUBMITTED = "submitted", _("soumise")
    REOPENED = "reopened", _("rouverte")
    SIGNED = "signed", _("signée")


class GridEvent(models.Model):
    """Who did what to a grid, when, and the state it left: the trail, and the base of merges."""

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=GridAction.choices)
    revision = models.PositiveIntegerField(_("révision"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("le"), auto_now_add=True)
    state = models.JSONField(_("contenu"))

    class Meta:
        verbose_name = _("événement de grille")
        verbose_name_plural = _("historique des grilles")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["grid", "revision"])]

    def __str__(self):
        return f"{self.grid} · {self.get_action_display()} · {self.at:%d/%m/%Y %H:%M}"
