"""The certification referentials: what a CQP is made of, as the official texts give it.

A referential version owns everything below it (certifications, blocs, competences, criteria),
so that an evaluation keeps the version it was made against (DOMAIN.md, "Referentials are
versioned"). A version that any evaluation uses is frozen: a change makes a new version.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

_referential_uses = []

BLOC_RNCP_CODE = re.compile(r"RNCP(?P<number>\d+)BC\d+")  # RNCP35729BC01: the certification, then the bloc


def register_referential_use(uses):
    """Register a function that, given a version, returns the queryset of what uses it."""
    _referential_uses.append(uses)
    return uses


class ReferentialVersionQuerySet(models.QuerySet):
    def with_counts(self):
        return self.annotate(
            bloc_count=models.Count("blocs", distinct=True),
            certification_count=models.Count("certifications", distinct=True),
        )


class ReferentialVersion(models.Model):
    label = models.CharField(_("libellé"), max_length=100, unique=True)
    date = models.DateField(_("date du texte"))
    source = models.TextField(_("texte source"), help_text=_("Les textes officiels que reproduit cette version."))
    registered_on = models.DateField(
        _("date d'enregistrement au RNCP (France compétences)"),
        null=True,
        blank=True,
        help_text=_(
            "La date de la décision d'enregistrement de cette version au répertoire national : vide tant qu'un "
            "administrateur ne l'a pas saisie d'après la fiche RNCP (les textes repris ne la donnent pas)."
        ),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = ReferentialVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("version de référentiel")
        verbose_name_plural = _("versions de référentiel")
        ordering = ["-date", "label"]

    FILLED_ONCE = ("registered_on",)

    def __str__(self):
        return _("Référentiel %(label)s") % {"label": self.label}

    def clean(self):
        """A version in use changes no more, but for its registration date, filled once."""
        super().clean()
        self.check_editable()

    def is_in_use(self):
        """Whether any evaluation (an exam, a grid...) was made against this version.

        The apps that evaluate register what counts as a use (register_referential_use), so that
        this app, upstream of them, needs to know none of them.
        """
        return any(uses(self).exists() for uses in _referential_uses)

    def check_editable(self, record=None):
        """Refuses a change of `record` (this version, or a record it owns) if evaluations use this version:
        anything but filling its RNCP identifiers (`changes_only_fill_identifiers`)."""
        if self.pk and self.is_in_use() and not changes_only_fill_identifiers(record or self):
            raise ReferentialInUse(
                _(
                    "La version %(label)s du référentiel est utilisée par des évaluations : elle ne "
                    "peut plus être modifiée. Créez-en une nouvelle version."
                )
                % {"label": self.label}
            )


class ReferentialInUse(ValidationError):
    """Raised when someone tries to change a version that evaluations already rely on."""


class ReferentialIncomplete(ValidationError):
    """Raised when a bloc cannot be evaluated because its referential lacks criteria."""


def changes_only_fill_identifiers(record):
    """Whether the stored record, if changed at all, only gets RNCP identifiers filled where they were empty.

    Such identifiers (`record.FILLED_ONCE`: a version's registration date, a bloc's RNCP code in a CQP) are not the
    content of the referential but what France compétences gave it; the texts we hold do not give them, so
    an administrator fills them in from the RNCP record, once, possibly after the version is in use. Any
    other change, a new record, or changing or clearing an identifier already filled, changes the version."""
    stored = type(record)._base_manager.filter(pk=record.pk).first() if record.pk is not None else None
    if stored is None:
        return False
    filled_once = getattr(record, "FILLED_ONCE", ())
    return all(
        name in filled_once and getattr(stored, name) in (None, "")
        for name in (field.attname for field in record._meta.concrete_fields)
        if getattr(stored, name) != getattr(record, name)
    )


class VersionedRecord(models.Model):
    """A record owned by a referential version: it cannot change once the version is in use."""

    class Meta:
        abstract = True

    def get_version(self):
        raise NotImplementedError

    def clean(self):
        super().clean()
        try:
            version = self.get_version()
        except models.ObjectDoesNotExist:
            return
        version.check_editable(self)


class ExamKind(models.TextChoices):
    OBSERVATION = "observation", _("Observation en situation réelle de travail")
    ORAL_PRESENTATION = "oral_presentation", _("Présentation orale d'une situation professionnelle")
    VAE_INTERVIEW = "vae_interview", _("Entretien avec le jury VAE")


class Certification(VersionedRecord):
    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("version")
    )
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("intitulé"), max_length=200)
    rncp_number = models.CharField(_("numéro RNCP"), max_length=10)
    level = models.PositiveSmallIntegerField(_("niveau"))
    vae_interview_minutes = models.PositiveSmallIntegerField(_("durée de l'entretien VAE (minutes)"))
    blocs = models.ManyToManyField(
        "Bloc", through="CertificationBloc", related_name="certifications", verbose_name=_("blocs")
    )

    class Meta:
        verbose_name = _("certification (CQP)")
        verbose_name_plural = _("certifications (CQP)")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="certification_code_unique_in_version"),
        ]

    def __str__(self):
        return f"CQP {self.code} — {self.title}"

    def get_version(self):
        return self.version


class Bloc(VersionedRecord):
    """A bloc de compétences; one record serves every certification that contains it."""

    version = models.ForeignKey(
        ReferentialVersion, on_delete=models.CASCADE, related_name="blocs", verbose_name=_("version")
    )
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("intitulé"), max_length=200)
    activity = models.TextField(_("activité"))
    exam_kind = models.CharField(_("type d'épreuve"), max_length=20, choices=ExamKind.choices)
    observed_minutes = models.PositiveSmallIntegerField(
        _("durée observée ou présentée (minutes)"),
        help_text=_("Situation observée, ou présentation orale pour une présentation de situation."),
    )
    interview_minutes = models.PositiveSmallIntegerField(_("durée de l'entretien (minutes)"))
    remote_allowed = models.BooleanField(_("réalisable à distance"), default=False)
    min_competences_covered = models.PositiveSmallIntegerField(
        _("compétences à aborder au minimum"),
        null=True,
        blank=True,
        help_text=_("Pour une présentation orale : nombre minimal de compétences que le candidat doit aborder."),
    )
    evaluation_description = models.TextField(_("modalités d'évaluation"), blank=True)

    class Meta:
        verbose_name = _("bloc de compétences")
        verbose_name_plural = _("blocs de compétences")
        ordering = ["version", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="bloc_code_unique_in_version"),
            models.CheckConstraint(
                condition=~models.Q(exam_kind="vae_interview"),
                name="bloc_exam_kind_is_a_training_route_exam",
                violation_error_message=_("L'entretien VAE porte sur toute la certification, pas sur un bloc."),
            ),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    def get_version(self):
        return self.version

    def competences_without_criteria(self):
        """Codes of the competences that have no criterion, in order (uses prefetched data if any)."""
        return [c.code for c in self.competences.all() if not c.criteria.all()]

    def check_evaluable(self):
        """A bloc whose competences lack criteria cannot be graded (DOMAIN.md, POS and TD)."""
        competences = list(self.competences.all())
        if not competences:
            raise ReferentialIncomplete(
                _("Le bloc %(bloc)s ne peut pas être évalué : il n'a aucune compétence.") % {"bloc": self.code}
            )
        missing = self.competences_without_criteria()
        if missing:
            raise ReferentialIncomplete(
                ngettext(
                    "Le bloc %(bloc)s ne peut pas être évalué : la compétence %(codes)s n'a aucun critère "
                    "d'évaluation. Un administrateur doit ajouter ses critères au référentiel %(version)s.",
                    "Le bloc %(bloc)s ne peut pas être évalué : les compétences %(codes)s n'ont aucun critère "
                    "d'évaluation. Un administrateur doit ajouter leurs critères au référentiel %(version)s.",
                    len(missing),
                )
                % {"bloc": self.code, "codes": ", ".join(missing), "version": self.version.label}
            )

    def is_evaluable(self):
        try:
            self.check_evaluable()
        except ReferentialIncomplete:
            return False
        return True


class CertificationBloc(VersionedRecord):
    """A bloc in a certification. A common bloc (GRU, MDR) is one `Bloc` for both CQP, but each CQP's RNCP record
    gives it a code of its own (RNCP35729BC01 in the GC's): the code belongs here, to the bloc in one CQP."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, verbose_name=_("certification"))
    bloc = models.ForeignKey(Bloc, on_delete=models.CASCADE, verbose_name=_("bloc"))
    order = models.PositiveSmallIntegerField(_("ordre"))
    rncp_code = models.CharField(
        _("code du bloc au RNCP"),
        max_length=20,
        blank=True,
        help_text=_(
            "Le code officiel du bloc dans la fiche RNCP de cette certification (RNCP12345BC01) : vide tant "
            "qu'un administrateur ne l'a pas saisi, les textes repris ne le donnant pas."
        ),
    )

    class Meta:
        verbose_name = _("bloc de la certification")
        verbose_name_plural = _("blocs de la certification")
        ordering = ["certification", "order"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "bloc"], name="certification_bloc_unique"),
        ]

    def __str__(self):
        return f"{self.certification.code} · {self.bloc.code}"

    FILLED_ONCE = ("rncp_code",)

    def get_version(self):
        return self.certification.version

    def clean(self):
        self.rncp_code = self.rncp_code.strip().upper()
        super().clean()
        if self.certification_id and self.bloc_id and self.certification.version_id != self.bloc.version_id:
            raise ValidationError(_("Le bloc et la certification doivent appartenir à la même version du référentiel."))
        if not self.rncp_code:
            return
        code = BLOC_RNCP_CODE.fullmatch(self.rncp_code)
        if code is None:
            raise ValidationError(
                {
                    "rncp_code": _(
                        "Un code de bloc au RNCP s'écrit comme dans la fiche RNCP : RNCP, le numéro de la "
                        "certification, BC et le numéro du bloc (RNCP35729BC01)."
                    )
                }
            )
        if self.certification_id and code["number"] != self.certification.rncp_number:
            raise ValidationError(
                {
                    "rncp_code": _(
                        "Ce code est celui d'un bloc d'une autre fiche RNCP : ceux du CQP %(code)s commencent par "
                        "RNCP%(number)sBC."
                    )
                    % {"code": self.certification.code, "number": self.certification.rncp_number}
                }
            )


class Competence(VersionedRecord):
    """A competence; its code is only unique within its bloc (GC's C12 is not COS's C12)."""

    bloc = models.ForeignKey(Bloc, on_delete=models.CASCADE, related_name="competences", verbose_name=_("bloc"))
    code = models.CharField(_("code"), max_length=10)
    text = models.TextField(_("énoncé"))
    order = models.PositiveSmallIntegerField(_("ordre"))
    note = models.TextField(
        _("remarque sur la source"),
        blank=True,
        help_text=_("Un doute ou une différence entre les textes officiels, consigné avec la donnée."),
    )

    class Meta:
        verbose_name = _("compétence")
        verbose_name_plural = _("compétences")
        ordering = ["bloc", "order"]
        constraints = [
            models.UniqueConstraint(fields=["bloc", "code"], name="competence_code_unique_in_bloc"),
        ]

    def __str__(self):
        return f"{self.bloc.code} {self.code}"

    def get_version(self):
        return self.bloc.version


class Criterion(VersionedRecord):
    competence = models.ForeignKey(
        Competence, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("compétence")
    )
    text = models.TextField(_("critère observable"))
    order = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("critère d'évaluation")
        verbose_name_plural = _("critères d'évaluation")
        ordering = ["competence", "order"]

    def __str__(self):
        return self.text

    def get_version(self):
        return self.competence.bloc.version
