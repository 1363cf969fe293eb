"""Evaluation grids: what the professional jury marks for an exam, and the signatures that freeze it.

A grid belongs to one exam. It holds a mark per criterion, a comment per competence (and, for an
oral presentation, whether the competence was covered by it or evaluated in the exchange that
follows), and per bloc the jury's opinion and recommendations. The VAE interview has one grid over
every bloc of the CQP. Every change goes through `evaluations.services`; every save, submission
and signature is kept as a `GridEvent`, with the state it left.
"""

import uuid
from pathlib import Path

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Exam, Person, Route, validate_single_line
from cqp_site.audit import audited
from cqp_site.frozen import FrozenError, FrozenModel, FrozenQuerySet, frozen_with_parent, protect_when
from referentials.models import Bloc, Competence, Criterion

from . import rules


class GridStatus(models.TextChoices):
    DRAFT = "draft", _("En cours de saisie")
    SUBMITTED = "submitted", _("Soumise, en attente des signatures")
    SIGNED = "signed", _("Signée par le jury")


class Opinion(models.TextChoices):
    """The professional jury's opinion on a bloc, given to the national joint jury."""

    FAVOURABLE = "favourable", _("Avis favorable à la validation du bloc")
    UNFAVOURABLE = "unfavourable", _("Avis défavorable à la validation du bloc")


SIGNED_GRID = frozen_with_parent(
    "frozen_with_its_grid", "evaluations_grid parent", "parent.id", "parent.status = 'signed'"
)
SIGNED_DELIBERATION = frozen_with_parent(
    "frozen_with_its_deliberation",
    "evaluations_deliberation parent",
    "parent.id",
    "parent.status = 'signed'",
)
SIGNED_FILE = frozen_with_parent(
    "frozen_with_its_deliberation",
    "evaluations_candidatefile parent JOIN evaluations_deliberation d ON d.id = parent.deliberation_id",
    "parent.id",
    "d.status = 'signed'",
)


@audited
class Grid(FrozenModel):
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
        triggers = [protect_when("signed_grid_is_frozen", pgtrigger.Q(old__status="signed"))]

    @classmethod
    def frozen_rows(cls):
        return Q(status=GridStatus.SIGNED)

    def __str__(self):
        return str(self.exam)

    @property
    def is_editable(self):
        return self.status == GridStatus.DRAFT


@audited
class BlocAssessment(FrozenModel):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="bloc_assessments", verbose_name=_("grille"))
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+", verbose_name=_("bloc"))
    verdict = models.CharField(_("avis du jury"), max_length=15, choices=Opinion.choices, blank=True)
    opinion = models.TextField(_("commentaire du jury"), blank=True)
    recommendations = models.TextField(_("préconisations pour le candidat et l'employeur"), blank=True)

    class Meta:
        verbose_name = _("appréciation du bloc")
        verbose_name_plural = _("appréciations des blocs")
        constraints = [models.UniqueConstraint(fields=["grid", "bloc"], name="bloc_assessment_unique")]
        triggers = [SIGNED_GRID("grid_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(grid__status=GridStatus.SIGNED)

    def __str__(self):
        return f"{self.grid} · {self.bloc.code}"


@audited
class CompetenceAssessment(FrozenModel):
    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, related_name="competence_assessments", verbose_name=_("grille")
    )
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="+", verbose_name=_("compétence"))
    comment = models.TextField(_("commentaire"), blank=True)
    presented = models.BooleanField(_("couverte par la présentation orale"), default=False)
    discussed = models.BooleanField(_("évaluée lors de l'échange"), default=False)

    class Meta:
        verbose_name = _("appréciation de la compétence")
        verbose_name_plural = _("appréciations des compétences")
        constraints = [models.UniqueConstraint(fields=["grid", "competence"], name="competence_assessment_unique")]
        triggers = [SIGNED_GRID("grid_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(grid__status=GridStatus.SIGNED)

    def __str__(self):
        return f"{self.grid} · {self.competence.code}"


@audited
class CriterionMark(FrozenModel):
    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="marks", verbose_name=_("grille"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("critère"))
    validated = models.BooleanField(_("validé"), null=True, blank=True)

    class Meta:
        verbose_name = _("note du critère")
        verbose_name_plural = _("notes des critères")
        constraints = [models.UniqueConstraint(fields=["grid", "criterion"], name="criterion_mark_unique")]
        triggers = [SIGNED_GRID("grid_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(grid__status=GridStatus.SIGNED)

    def __str__(self):
        return f"{self.grid} · {self.criterion}"


@audited
class Signature(FrozenModel):
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("grille"))
    member = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("membre"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    signed_at = models.DateTimeField(_("signée le"))
    digest = models.CharField(_("empreinte du contenu signé"), max_length=64)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["grid", "member"], name="signature_once_per_member")]
        triggers = [SIGNED_GRID("grid_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(grid__status=GridStatus.SIGNED)

    def __str__(self):
        return f"{self.member.full_name}, {self.signed_at:%d/%m/%Y %H:%M}"


class GridAction(models.TextChoices):
    SAVED = "saved", _("enregistrée")
    SUBMITTED = "submitted", _("soumise")
    REOPENED = "reopened", _("rouverte")
    SIGNED = "signed", _("signée")


class GridEvent(FrozenModel):
    """Who did what to a grid, when, and the state it left: the trail, and the base of merges."""

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="events", verbose_name=_("grille"))
    action = models.CharField(_("action"), max_length=10, choices=GridAction.choices)
    revision = models.PositiveIntegerField(_("révision"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)
    state = models.JSONField(_("contenu"))

    class Meta:
        verbose_name = _("événement de grille")
        verbose_name_plural = _("historique des grilles")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["grid", "revision"])]
        triggers = [protect_when("grid_events_are_append_only", None)]

    @classmethod
    def frozen_rows(cls):
        return Q()  # the trail is written once, never changed

    def __str__(self):
        return f"{self.grid} · {self.get_action_display()} · {self.at:%d/%m/%Y %H:%M}"


class DeliberationStatus(models.TextChoices):
    OPEN = "open", _("En cours")
    SIGNED = "signed", _("Signée")


class DeliberationQuerySet(FrozenQuerySet):
    def for_member(self, user):
        """The deliberations this account sits on: a member of the national joint jury sees no other."""
        return self.filter(members=user) if user.is_authenticated else self.none()


@audited
class Deliberation(FrozenModel):
    """A meeting of the national joint jury (CPNEFP), which certifies: it decides on each file and signs.

    Who sat is recorded member by member, each in their college (`DeliberationMember`, related name
    `jury_members`): the rules check the composition before the signature and the minutes print it by
    college. `members` are the accounts of the members who use the site, the only ones who reach the
    deliberation, its president among them. `members_present` is the free text of the deliberations
    recorded before the colleges were (issue 16): their minutes print it as it was signed."""

    title = models.CharField(_("intitulé"), max_length=200, validators=[validate_single_line])
    held_on = models.DateField(
        _("date de la délibération"),
        help_text=_(
            "La délibération ne peut être signée qu'à partir de cette date : les blocs qu'elle valide sont "
            "acquis et ses certificats délivrés à cette date."
        ),
    )
    members_present = models.TextField(
        _("membres présents (texte libre des délibérations antérieures)"),
        blank=True,
        help_text=_("Délibérations enregistrées avant les membres par collège : le texte tel qu'il a été signé."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="deliberations",
        verbose_name=_("comptes des membres présents"),
        help_text=_(
            "Les membres du jury paritaire national qui siègent : eux seuls accèdent à la délibération. "
            "Le président en fait partie."
        ),
    )
    president = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="presided_deliberations",
        verbose_name=_("président de la délibération"),
        help_text=_("Le membre du jury paritaire national qui signe la délibération."),
    )
    sessions = models.ManyToManyField(
        "candidates.CertificationSession", related_name="deliberations", verbose_name=_("sessions examinées")
    )
    status = models.CharField(
        _("état"), max_length=10, choices=DeliberationStatus.choices, default=DeliberationStatus.OPEN
    )
    signed_at = models.DateTimeField(_("signée le"), null=True, blank=True)
    digest = models.CharField(_("empreinte des décisions signées"), max_length=64, blank=True)

    objects = DeliberationQuerySet.as_manager()

    class Meta:
        verbose_name = _("délibération du jury paritaire national")
        verbose_name_plural = _("délibérations du jury paritaire national")
        ordering = ["-held_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DeliberationStatus.SIGNED) | (Q(signed_at__isnull=False) & ~Q(digest="")),
                name="deliberation_signed_has_date_and_digest",
            ),
            # `rules.may_sign_deliberation`, in French time (the date of `signed_at` in TIME_ZONE).
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | Q(signed_at__date__gte=F("held_on")),
                name="deliberation_signed_on_or_after_its_date",
                violation_error_message=_("Une délibération ne peut pas être signée avant sa date."),
            ),
        ]
        triggers = [protect_when("signed_deliberation_is_frozen", pgtrigger.Q(old__status="signed"))]

    @classmethod
    def frozen_rows(cls):
        return Q(status=DeliberationStatus.SIGNED)

    def __str__(self):
        return f"{self.title} ({self.held_on:%d/%m/%Y})"

    @property
    def is_signed(self):
        return self.status == DeliberationStatus.SIGNED


class College(models.TextChoices):
    """The two sides of a joint (« paritaire ») body: `rules.composition_problems` counts them."""

    EMPLOYERS = rules.EMPLOYERS, _("collège employeurs")
    EMPLOYEES = rules.EMPLOYEES, _("collège salariés")


def _refuse_joining_signed(deliberation_ids):
    """A signed deliberation's composition is frozen with it: no member joins it either."""
    if Deliberation._base_manager.filter(pk__in=deliberation_ids, status=DeliberationStatus.SIGNED).exists():
        raise FrozenError(_("Membre présent : une délibération signée ne change plus de composition."))


class DeliberationMemberQuerySet(FrozenQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _refuse_joining_signed({obj.deliberation_id for obj in objs})
        return super().bulk_create(objs, *args, **kwargs)


@audited
class DeliberationMember(FrozenModel):
    """A member present at a deliberation of the national joint jury, in their college.

    One row per person present, named as the minutes print them, rather than a college on the accounts
    of `Deliberation.members`: those accounts say who reaches the deliberation on screen, while members
    may sit without ever using the site, and the minutes record who sat. Name, college and organisation
    are typed by the administrator and, once the deliberation is signed, frozen with it on every write
    path (the PostgreSQL trigger refuses inserts, changes and deletes; the model layer refuses them on
    every database, a new member included): the signed minutes print the composition that was signed."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.CASCADE, related_name="jury_members", verbose_name=_("délibération")
    )
    name = models.CharField(_("nom"), max_length=150, validators=[validate_single_line])
    college = models.CharField(_("collège"), max_length=10, choices=College.choices)
    organisation = models.CharField(
        _("organisation représentée"),
        max_length=150,
        blank=True,
        validators=[validate_single_line],
        help_text=_("L'organisation syndicale ou patronale que le membre représente."),
    )

    objects = DeliberationMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre présent")
        verbose_name_plural = _("membres présents")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "name"], name="deliberation_member_once"),
            models.CheckConstraint(condition=Q(college__in=College.values), name="deliberation_member_college"),
        ]
        triggers = [SIGNED_DELIBERATION("deliberation_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(deliberation__status=DeliberationStatus.SIGNED)

    def save(self, *args, **kwargs):
        if self._state.adding:
            _refuse_joining_signed({self.deliberation_id})
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.name} ({self.get_college_display()})"


class FileOutcome(models.TextChoices):
    CQP = "cqp", _("CQP délivré")
    CCP = "ccp", _("CCP seulement")
    NONE = "none", _("Aucun bloc validé")


@audited
class CandidateFile(FrozenModel):
    """A candidate's file before a deliberation; its outcome follows the bloc decisions, by the rules."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="files", verbose_name=_("délibération")
    )
    candidate = models.ForeignKey(
        "candidates.Candidate", on_delete=models.PROTECT, related_name="files", verbose_name=_("candidat")
    )
    # The facts the decision rests on, as they stood when the file was last decided on (kept from the
    # candidate's record while the deliberation is open, then signed with it): the minutes, the
    # screens and the certificates read them here, never the candidate's record of today.
    certification = models.ForeignKey(
        "referentials.Certification", on_delete=models.PROTECT, related_name="+", verbose_name=_("CQP visé")
    )
    route = models.CharField(_("voie d'accès"), max_length=10, choices=Route.choices)
    pass_validated_on = models.DateField(_("Pass validée le"), null=True, blank=True)
    premss_validated_on = models.DateField(_("Prem'ss validée le"), null=True, blank=True)
    outcome = models.CharField(_("issue"), max_length=10, choices=FileOutcome.choices)
    outcome_reason = models.CharField(_("motif"), max_length=300)
    disagreement = models.BooleanField(_("avis du jury professionnel différent du résultat calculé"), default=False)
    overridden = models.BooleanField(_("décision différente du résultat calculé"), default=False)

    class Meta:
        verbose_name = _("dossier de candidat")
        verbose_name_plural = _("dossiers de candidats")
        constraints = [models.UniqueConstraint(fields=["deliberation", "candidate"], name="file_once_per_deliberation")]
        triggers = [SIGNED_DELIBERATION("deliberation_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(deliberation__status=DeliberationStatus.SIGNED)

    def __str__(self):
        return f"{self.candidate} · {self.deliberation}"

    RECORDED_FACTS = ("certification_id", "route", "pass_validated_on", "premss_validated_on")

    def record_facts(self, candidate):
        """Take the facts from the candidate's record (while the deliberation is open)."""
        for fact in self.RECORDED_FACTS:
            setattr(self, fact, getattr(candidate, fact))


# The computed result's reason of a bloc whose candidate was absent at the exam (issue 16).
ABSENT_REASON = _("absent à l'épreuve")


class Ruling(models.TextChoices):
    VALIDATED = "validated", _("Bloc validé")
    NOT_VALIDATED = "not_validated", _("Bloc non validé")

    @classmethod
    def of(cls, acquired: bool):
        """The ruling the rules give a bloc, acquired or not."""
        return cls.VALIDATED if acquired else cls.NOT_VALIDATED


@audited
class BlocDecision(FrozenModel):
    """The national joint jury's decision on one bloc of an exam: the computed result, the professional
    jury's opinion, and the decision, which may differ from the computed result only with a justification.

    A graded bloc rests on its exam's signed grid. A bloc whose candidate was absent rests on the exam alone
    (no grid): not validated at this session, « absent à l'épreuve » (`ABSENT_REASON`), no professional
    opinion, and the jury cannot validate what nobody evaluated (issue 16). Each bloc of an exam is decided
    once, ever."""

    file = models.ForeignKey(CandidateFile, on_delete=models.CASCADE, related_name="blocs", verbose_name=_("dossier"))
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+", verbose_name=_("bloc"))
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("épreuve"))
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        verbose_name=_("grille"),
        help_text=_("Vide quand le candidat était absent à l'épreuve."),
    )
    computed = models.CharField(_("résultat calculé"), max_length=15, choices=Ruling.choices)
    computed_reason = models.CharField(_("motif du résultat calculé"), max_length=300)
    opinion = models.CharField(_("avis du jury professionnel"), max_length=15, choices=Opinion.choices)
    opinion_text = models.TextField(_("commentaire du jury professionnel"), blank=True)
    decision = models.CharField(_("décision"), max_length=15, choices=Ruling.choices)
    justification = models.TextField(_("justification de la décision"), blank=True)
    recommendations = models.TextField(_("préconisations"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    on_appeal = models.OneToOneField(
        "Appeal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ruling",
        verbose_name=_("sur recours"),
        help_text=_("Le recours que cette décision tranche : elle remplace la décision contestée."),
    )

    class Meta:
        verbose_name = _("décision sur un bloc")
        verbose_name_plural = _("décisions sur les blocs")
        constraints = [
            models.UniqueConstraint(fields=["file", "bloc"], name="bloc_decision_once_per_file"),
            # Once, ever, but on appeal: the decision on appeal rests on the same exam and grid as the one contested.
            models.UniqueConstraint(
                fields=["grid", "bloc"], condition=Q(on_appeal__isnull=True), name="bloc_decision_once_per_graded_bloc"
            ),
            models.UniqueConstraint(
                fields=["exam", "bloc"],
                condition=Q(on_appeal__isnull=True),
                name="bloc_decision_once_per_examined_bloc",
            ),
            models.CheckConstraint(
                condition=Q(grid__isnull=False)
                | Q(computed=Ruling.NOT_VALIDATED, decision=Ruling.NOT_VALIDATED, opinion=""),
                name="bloc_decision_absent_is_not_validated",
                violation_error_message=_("Le bloc d'un candidat absent à l'épreuve n'est pas validé."),
            ),
            models.CheckConstraint(
                # A decision on appeal is justified before its deliberation is signed (`appeals.ruling_problems`).
                condition=Q(decision=F("computed")) | ~Q(justification="") | Q(on_appeal__isnull=False),
                name="bloc_decision_override_is_justified",
                violation_error_message=_("Une décision différente du résultat calculé doit être justifiée."),
            ),
        ]
        triggers = [SIGNED_FILE("file_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(file__deliberation__status=DeliberationStatus.SIGNED)

    def __str__(self):
        return f"{self.file.candidate} · {self.bloc.code} · {self.get_decision_display()}"

    @property
    def is_override(self):
        return self.decision != self.computed

    @property
    def is_absence(self):
        """The candidate was absent at the exam: nothing was graded."""
        return self.grid_id is None


@audited
class Appeal(FrozenModel):
    """A candidate's appeal (recours) against the signed decision on a bloc, recorded by an administrator
    (`appeals.record_appeal`) within the time limit (`rules.appeal_problems`).

    It goes before the next deliberation of the national joint jury (`heard_in`, set when its files are
    added), which rules on it with a new decision on the bloc (`ruling`, a `BlocDecision` whose `on_appeal`
    is this appeal): confirmed or reversed, always justified. The contested decision is never edited: the
    ruling supersedes it, and each screen shows both with their links. Frozen with the deliberation that
    heard it, its documents with it."""

    contested = models.OneToOneField(
        BlocDecision,
        on_delete=models.PROTECT,
        related_name="appeal",
        verbose_name=_("décision contestée"),
    )
    received_on = models.DateField(_("reçu le"), help_text=_("La date de réception du recours."))
    grounds = models.TextField(_("motifs du recours"), help_text=_("Ce que le candidat conteste, et pourquoi."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enregistré par")
    )
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    heard_in = models.ForeignKey(
        Deliberation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
        verbose_name=_("examiné par la délibération"),
    )

    class Meta:
        verbose_name = _("recours")
        verbose_name_plural = _("recours")
        ordering = ["-received_on", "-pk"]
        triggers = [SIGNED_DELIBERATION("heard_in_id")]

    @classmethod
    def frozen_rows(cls):
        return Q(heard_in__status=DeliberationStatus.SIGNED)

    def __str__(self):
        return _("Recours de %(candidate)s sur le bloc %(bloc)s") % {
            "candidate": self.contested.file.candidate,
            "bloc": self.contested.bloc.code,
        }


def appeal_document_path(document, filename):
    """Under a random name: the stored name tells nothing of the candidate."""
    return f"recours/{timezone.localdate():%Y}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


@audited
class AppealDocument(FrozenModel):
    """A document sent with an appeal (letter, evidence): PDF or image, behind permissions like every file."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="documents", verbose_name=_("recours"))
    file = models.FileField(_("document"), upload_to=appeal_document_path)
    name = models.CharField(_("nom du fichier reçu"), max_length=200)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("pièce du recours")
        verbose_name_plural = _("pièces du recours")
        ordering = ["pk"]
        triggers = [
            frozen_with_parent(
                "frozen_with_its_deliberation",
                "evaluations_appeal parent JOIN evaluations_deliberation d ON d.id = parent.heard_in_id",
                "parent.id",
                "d.status = 'signed'",
            )("appeal_id")
        ]

    @classmethod
    def frozen_rows(cls):
        return Q(appeal__heard_in__status=DeliberationStatus.SIGNED)

    def __str__(self):
        return self.name


# The statistics' tallies ------------------------------------------------------------------------
# Signed marks and decisions never change: each is counted once, when it is signed, into a few rows
# per criterion, competence or bloc and per the candidate's CQP, branch and route at that moment, so
# that the statistics page reads these rather than every mark (evaluations/statistics.py).


class Tally(models.Model):
    certification = models.ForeignKey(
        "referentials.Certification", on_delete=models.PROTECT, related_name="+", verbose_name=_("CQP visé")
    )
    branch = models.CharField(_("branche"), max_length=20)
    route = models.CharField(_("voie d'accès"), max_length=10, choices=Route.choices)

    class Meta:
        abstract = True


class CriterionTally(Tally):
    """The marks of signed grids for one criterion, and how many are « validé »."""

    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("critère"))
    marks = models.PositiveIntegerField(_("notes"), default=0)
    validated = models.PositiveIntegerField(_("validées"), default=0)

    class Meta:
        verbose_name = _("décompte par critère")
        verbose_name_plural = _("décomptes par critère")
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "certification", "branch", "route"], name="criterion_tally_unique"
            )
        ]

    def __str__(self):
        return f"{self.criterion_id} · {self.certification_id} · {self.branch} · {self.route}"


class CompetenceTally(Tally):
    """The signed grids assessing one competence, and in how many it was acquired (by the rule)."""

    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="+", verbose_name=_("compétence"))
    grids = models.PositiveIntegerField(_("grilles"), default=0)
    acquired = models.PositiveIntegerField(_("acquises"), default=0)

    class Meta:
        verbose_name = _("décompte par compétence")
        verbose_name_plural = _("décomptes par compétence")
        constraints = [
            models.UniqueConstraint(
                fields=["competence", "certification", "branch", "route"], name="competence_tally_unique"
            )
        ]

    def __str__(self):
        return f"{self.competence_id} · {self.certification_id} · {self.branch} · {self.route}"


class BlocTally(Tally):
    """The decisions of one signed deliberation on one bloc, and how many validated it."""

    deliberation = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, related_name="+", verbose_name=_("délibération")
    )
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="+", verbose_name=_("bloc"))
    decisions = models.PositiveIntegerField(_("décisions"))
    validated = models.PositiveIntegerField(_("validées"))

    class Meta:
        verbose_name = _("décompte par bloc")
        verbose_name_plural = _("décomptes par bloc")
        constraints = [
            models.UniqueConstraint(
                fields=["deliberation", "bloc", "certification", "branch", "route"], name="bloc_tally_unique"
            )
        ]

    def __str__(self):
        return f"{self.bloc_id} · {self.certification_id} · {self.branch} · {self.route}"
