"""Candidates, the people around them, certification sessions, exams and their juries.

No social-security number is held anywhere: the certification does not need it.
"""

import datetime
import unicodedata
import uuid
from pathlib import Path

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqp_site.audit import audited
from cqp_site.frozen import FrozenError, FrozenModel, FrozenQuerySet, any_changed, protect_when
from referentials.models import (
    Bloc,
    Certification,
    CertificationBloc,
    Competence,
    ExamKind,
    ReferentialIncomplete,
    register_referential_use,
)

from . import rules


class Branch(models.TextChoices):
    MALADIE = "maladie", _("Maladie")
    FAMILLE = "famille", _("Famille")
    RETRAITE = "retraite", _("Retraite")
    RECOUVREMENT = "recouvrement", _("Recouvrement")
    INTERBRANCHE = "interbranche", _("Interbranche")


class OrganisationKind(models.TextChoices):
    CPAM = "CPAM", "CPAM"
    CAF = "CAF", "CAF"
    CARSAT = "CARSAT", "CARSAT"
    URSSAF = "URSSAF", "URSSAF"
    CGSS = "CGSS", "CGSS"
    CNAV = "CNAV", "CNAV"
    UGECAM = "UGECAM", "UGECAM"
    CAISSE_NATIONALE = "CN", _("Caisse nationale")
    UCANSS = "UCANSS", "Ucanss"
    OTHER = "AUTRE", _("Autre")


class Organisation(models.Model):
    name = models.CharField(_("nom"), max_length=150, unique=True)
    kind = models.CharField(_("type"), max_length=10, choices=OrganisationKind.choices)
    branch = models.CharField(_("branche"), max_length=20, choices=Branch.choices)
    send_results_to_manager = models.BooleanField(
        _("Envoyer une copie des résultats au manager"),
        default=False,
        help_text=_(
            "Désactivé par défaut : les résultats d'un candidat sont des données personnelles qui le "
            "concernent (RGPD). L'organisme, en tant qu'employeur, décide de l'activer après en avoir "
            "informé ses salariés."
        ),
    )

    class Meta:
        verbose_name = _("organisme")
        verbose_name_plural = _("organismes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class JuryRole(models.TextChoices):
    PRESIDENT = rules.PRESIDENT, _("Président de jury (Ucanss ou délégataire)")
    REPRESENTATIVE = rules.REPRESENTATIVE, _("Représentant métier")


class PersonQuerySet(models.QuerySet):
    def jury_members(self):
        return self.exclude(jury_role="")

    def presidents(self):
        return self.filter(jury_role=JuryRole.PRESIDENT)

    def representatives(self):
        return self.filter(jury_role=JuryRole.REPRESENTATIVE)


def validate_single_line(value):
    """A name or a title is one line of text: no control character (Unicode category C: newline, tab, zero
    width, bidirectional override...) nor line or paragraph separator (Zl, Zp). The PDFs, exports and the
    register print it as it is; a newline in a name once ended a CSS string in a PDF (penetration test). The
    admin, the forms and the import all call it."""
    categories = {unicodedata.category(character) for character in value}
    if any(category[0] == "C" or category in ("Zl", "Zp") for category in categories):
        raise ValidationError(
            _("Une seule ligne de texte : ni retour à la ligne, ni tabulation, ni autre caractère de contrôle."),
            code="control_character",
        )


class Person(models.Model):
    """Someone around the candidates: manager, tutor, trainer, jury member."""

    first_name = models.CharField(_("prénom"), max_length=100, validators=[validate_single_line])
    last_name = models.CharField(_("nom"), max_length=100, validators=[validate_single_line])
    email = models.EmailField(_("courriel"), blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="people", verbose_name=_("organisme")
    )
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("responsable hiérarchique"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("compte utilisateur"),
    )
    jury_role = models.CharField(_("rôle dans les jurys"), max_length=20, choices=JuryRole.choices, blank=True)
    jury_trained_on = models.DateField(
        _("formation aux modalités d'évaluation suivie le"),
        null=True,
        blank=True,
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("personne")
        verbose_name_plural = _("personnes")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="person_email_unique_when_given"),
            models.CheckConstraint(
                condition=~Q(manager=F("pk")),
                name="person_is_not_own_manager",
                violation_error_message=_("Une personne ne peut pas être son propre responsable."),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.organisation})"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def hierarchy(self):
        """This person, their manager, that manager's manager... (stops on a cycle)."""
        chain, person = [], self
        while person is not None and person.pk not in {p.pk for p in chain}:
            chain.append(person)
            person = person.manager
        return chain

    def as_member(self):
        return rules.Member(
            id=self.pk,
            name=self.full_name,
            role=self.jury_role,
            organisation_id=self.organisation_id,
            branch=self.organisation.branch,
            trained_on=self.jury_trained_on,
        )

    def clean(self):
        if self.manager_id and self.pk and self.pk in {p.pk for p in self.manager.hierarchy()}:
            raise ValidationError(
                {"manager": _("Ce responsable dépend déjà de cette personne : la hiérarchie ferait une boucle.")}
            )


class JuryMember(Person):
    """The jury members, as their own page in the admin."""

    class Meta:
        proxy = True
        verbose_name = _("membre de jury")
        verbose_name_plural = _("membres de jury")


class Route(models.TextChoices):
    TRAINING = rules.TRAINING, _("Formation")
    VAE = rules.VAE, _("VAE")


class Sex(models.TextChoices):
    FEMALE = "F", _("Femme")
    MALE = "M", _("Homme")


BIRTH_PLACE_CODE = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$",
    _("Le code INSEE du lieu de naissance a 5 caractères : 75115, 2A004, ou 99xxx pour l'étranger."),
)


class CandidateQuerySet(models.QuerySet):
    def with_progress(self):
        """Annotate the blocs of the target CQP, and how many the candidate holds through any CQP.

        Two scalar subqueries, no GROUP BY: a page of the list computes them for its own rows only,
        and counting the list counts candidates, not their blocs."""
        held_codes = AcquiredBloc.objects.in_force().filter(candidate=OuterRef(OuterRef("pk"))).values("bloc__code")
        target_blocs = CertificationBloc.objects.filter(certification=OuterRef("certification")).order_by()
        count = {"count": Count("pk")}
        return self.annotate(
            bloc_total=Subquery(target_blocs.values("certification").annotate(**count).values("count")),
            blocs_acquired=Coalesce(
                Subquery(
                    target_blocs.filter(bloc__code__in=held_codes)
                    .values("certification")
                    .annotate(**count)
                    .values("count")
                ),
                0,
            ),
        )


@audited
class Candidate(models.Model):
    last_name = models.CharField(_("nom"), max_length=100, validators=[validate_single_line])
    first_name = models.CharField(_("prénom"), max_length=100, validators=[validate_single_line])
    birth_date = models.DateField(_("date de naissance"))
    # The holder's civil identity, which the register of the Caisse des Dépôts requires (article L.6113-8).
    birth_name = models.CharField(
        _("nom de naissance"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("Laisser vide s'il est le même que le nom."),
    )
    sex = models.CharField(_("sexe (état civil)"), max_length=1, choices=Sex.choices, blank=True)
    birth_place_code = models.CharField(
        _("code INSEE du lieu de naissance"),
        max_length=5,
        blank=True,
        validators=[BIRTH_PLACE_CODE],
        help_text=_("Code de la commune (75115, 2A004) ; pour une naissance à l'étranger, 99 et le code du pays."),
    )
    birth_city = models.CharField(_("commune de naissance"), max_length=100, blank=True)
    birth_country = models.CharField(_("pays de naissance"), max_length=100, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("organisme employeur")
    )
    job_title = models.CharField(_("emploi occupé"), max_length=150, blank=True)
    manager = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_candidates",
        verbose_name=_("manager"),
    )
    tutor = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tutored_candidates",
        verbose_name=_("tuteur"),
    )
    trainers = models.ManyToManyField(
        Person, blank=True, related_name="trained_candidates", verbose_name=_("formateurs et accompagnateurs")
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("CQP visé")
    )
    route = models.CharField(_("voie d'accès"), max_length=10, choices=Route.choices)
    pass_validated_on = models.DateField(_("formation Pass validée le"), null=True, blank=True)
    premss_validated_on = models.DateField(_("formation Prem'ss validée le"), null=True, blank=True)
    livret2_received_on = models.DateField(_("livret 2 reçu le"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate",
        verbose_name=_("compte de l'espace candidat"),
        help_text=_("Créé par l'action « Inviter dans l'espace candidat » : le candidat y choisit son mot de passe."),
    )

    objects = CandidateQuerySet.as_manager()

    class Meta:
        verbose_name = _("candidat")
        verbose_name_plural = _("candidats")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["last_name", "first_name", "birth_date"], name="candidate_identity_unique"),
            models.CheckConstraint(
                condition=Q(route=Route.VAE) | Q(livret2_received_on__isnull=True),
                name="candidate_livret2_only_for_vae",
                violation_error_message=_("Le livret 2 ne concerne que la voie de la VAE."),
            ),
            models.CheckConstraint(
                condition=Q(birth_date__gt=datetime.date(1900, 1, 1)),
                name="candidate_birth_date_plausible",
                violation_error_message=_("La date de naissance n'est pas plausible."),
            ),
        ]

    def __str__(self):
        return f"{self.last_name.upper()} {self.first_name}"

    @property
    def branch(self):
        return self.organisation.branch

    @property
    def holder_birth_name(self):
        return self.birth_name or self.last_name

    def acquired_bloc_codes(self):
        """Codes of every bloc the candidate holds, through any CQP and version: acquired for good (unless
        withdrawn on appeal)."""
        return {acquired.bloc.code for acquired in self.acquired_blocs.in_force().select_related("bloc")}

    def links(self):
        hierarchy = self.manager.hierarchy() if self.manager else []
        return rules.CandidateLinks(
            organisation_id=self.organisation_id,
            branch=self.organisation.branch,
            hierarchy_ids={person.pk for person in hierarchy},
            tutor_id=self.tutor_id,
            trainer_ids=set(self.trainers.values_list("pk", flat=True)) if self.pk else set(),
        )

    def clean(self):
        errors = {}
        today = timezone.localdate()
        if self.birth_date and self.birth_date > today:
            errors["birth_date"] = _("La date de naissance ne peut pas être dans le futur.")
        for field in ("pass_validated_on", "premss_validated_on", "livret2_received_on"):
            value = getattr(self, field)
            if value and value > today:
                errors[field] = _("Cette date ne peut pas être dans le futur.")
        if self.livret2_received_on and self.route != Route.VAE:
            errors["livret2_received_on"] = _("Le livret 2 ne concerne que la voie de la VAE.")
        if self.organisation_id:
            for field in ("manager", "tutor"):
                person = getattr(self, field)
                if person is not None and person.organisation_id != self.organisation_id:
                    errors[field] = _("Le manager et le tuteur sont de l'organisme employeur du candidat.")
        if errors:
            raise ValidationError(errors)


class CompetenceAttestation(models.Model):
    """The carnet de suivi des compétences: the tutor and the manager attest each competence."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="attestations", verbose_name=_("candidat")
    )
    competence = models.ForeignKey(
        Competence, on_delete=models.PROTECT, related_name="attestations", verbose_name=_("compétence")
    )
    tutor_attested_on = models.DateField(_("attestée par le tuteur le"), null=True, blank=True)
    manager_attested_on = models.DateField(_("attestée par le manager le"), null=True, blank=True)
    # Online (issue 17): who attested, from their own account, and what they wrote. Empty with a date: a paper
    # carnet typed by an administrator.
    tutor_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attestée en ligne par (tuteur)"),
    )
    tutor_comment = models.TextField(_("commentaire du tuteur"), blank=True)
    manager_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attestée en ligne par (manager)"),
    )
    manager_comment = models.TextField(_("commentaire du manager"), blank=True)

    class Meta:
        verbose_name = _("attestation du carnet de suivi")
        verbose_name_plural = _("carnet de suivi des compétences")
        ordering = ["candidate", "competence__bloc_id", "competence__order"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "competence"], name="attestation_unique"),
        ]

    def __str__(self):
        return f"{self.candidate} · {self.competence}"

    def clean(self):
        if self.candidate_id and self.competence_id:
            if not self.candidate.certification.blocs.filter(pk=self.competence.bloc_id).exists():
                raise ValidationError(
                    {"competence": _("Cette compétence n'appartient pas au CQP visé par le candidat.")}
                )
        today = timezone.localdate()
        if any(day and day > today for day in (self.tutor_attested_on, self.manager_attested_on)):
            raise ValidationError(_("Une attestation ne peut pas être datée du futur."))


class AttesterRole(models.TextChoices):
    TUTOR = "tutor", _("tuteur")
    MANAGER = "manager", _("manager")


class AttestationAction(models.TextChoices):
    ATTESTED = "attested", _("attestée")
    WITHDRAWN = "withdrawn", _("retirée")


class AttestationEvent(FrozenModel):
    """Who attested or withdrew a competence of the carnet de suivi, in which role, when, and what they wrote:
    written by spaces/carnet.py in the same transaction as the change, on every database; never changed."""

    attestation = models.ForeignKey(
        CompetenceAttestation, on_delete=models.PROTECT, related_name="events", verbose_name=_("attestation")
    )
    role = models.CharField(_("rôle"), max_length=10, choices=AttesterRole.choices)
    action = models.CharField(_("action"), max_length=10, choices=AttestationAction.choices)
    attested_on = models.DateField(_("date attestée"), null=True, blank=True)
    comment = models.TextField(_("commentaire"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement du carnet de suivi")
        verbose_name_plural = _("historique du carnet de suivi")
        ordering = ["at", "pk"]
        triggers = [protect_when("attestation_events_are_append_only", None)]

    @classmethod
    def frozen_rows(cls):
        return Q()

    def __str__(self):
        return f"{self.attestation} · {self.get_role_display()} · {self.get_action_display()}"


class DocumentKind(models.TextChoices):
    LIVRET2 = "livret2", _("livret 2 (VAE)")
    CARNET = "carnet", _("carnet de suivi papier (scan)")
    PROOF = "proof", _("justificatif")


def candidate_document_path(document, filename):
    """Under a random name: the stored name tells nothing of the candidate."""
    return f"dossiers/{timezone.localdate():%Y}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class CandidateDocument(models.Model):
    """A document of a candidate's file, uploaded by the candidate (the livret 2 of a VAE, the scan of a paper
    carnet, a proof) or by an administrator; behind permissions like every file: the candidate, the
    administrators and, for the livret 2, the jury of the candidate's VAE interview."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="documents", verbose_name=_("candidat")
    )
    kind = models.CharField(_("nature"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(_("document"), upload_to=candidate_document_path)
    name = models.CharField(_("nom du fichier reçu"), max_length=200)
    size = models.PositiveIntegerField(_("taille (octets)"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("déposé par")
    )
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("document du dossier")
        verbose_name_plural = _("documents des dossiers")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.name}"


class CorrectionRequest(models.Model):
    """A candidate asks the administrators to correct what the application holds on them (RGPD, art. 16):
    recorded, and handled by an administrator who says when."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="correction_requests", verbose_name=_("candidat")
    )
    text = models.TextField(_("demande"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("demandée par")
    )
    asked_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )
    answer = models.TextField(_("réponse"), blank=True)

    class Meta:
        verbose_name = _("demande de rectification")
        verbose_name_plural = _("demandes de rectification")
        ordering = ["-asked_at", "-pk"]

    def __str__(self):
        return f"{self.candidate} · {self.asked_at:%d/%m/%Y}"


class HoldingQuerySet(FrozenQuerySet):
    def in_force(self):
        """What the candidate holds today: all but what an appeal withdrew."""
        return self.filter(withdrawn_on__isnull=True)

    def held_on(self, day):
        """What the candidate held on `day`: acquired by then, and not withdrawn by then."""
        return self.filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day), **{f"{self.model.DATE}__lte": day})


# The only change a deliberated bloc or CQP award may receive, once: its withdrawal on appeal.
WITHDRAWAL = ["withdrawn_on", "withdrawn_by_id"]


class Holding(FrozenModel):
    """A bloc acquired or a CQP awarded: for good, unless the national joint jury reverses the decision
    on appeal (issue 16). Then nothing is deleted: the row is marked withdrawn, once, by the decision on
    appeal and on its deliberation's date, and no longer counts. That mark is the one change a deliberated
    row accepts (`withdraw`; triggers on PostgreSQL)."""

    DATE = None  # the field holding the date it was acquired or awarded

    withdrawn_on = models.DateField(_("retiré le"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "evaluations.BlocDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retiré par la décision sur recours"),
    )

    objects = HoldingQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def frozen_rows(cls):
        return Q(deliberation__isnull=False)

    @property
    def is_withdrawn(self):
        return self.withdrawn_on is not None

    def withdraw(self, decision, on):
        """Mark it withdrawn by `decision` (on appeal) on `on`: the one write that passes the freeze."""
        if self.is_withdrawn:
            raise FrozenError(_("Déjà retiré le %(date)s.") % {"date": self.withdrawn_on.strftime("%d/%m/%Y")})
        self.withdrawn_on, self.withdrawn_by = on, decision
        type(self)._base_manager.filter(pk=self.pk, withdrawn_on__isnull=True).update(
            withdrawn_on=on, withdrawn_by=decision
        )


def withdrawn_by_a_later_decision(name, date_field):
    """Both withdrawal fields or neither; withdrawn on or after the day it was acquired or awarded."""
    return models.CheckConstraint(
        condition=Q(withdrawn_on__isnull=True, withdrawn_by__isnull=True)
        | Q(withdrawn_on__isnull=False, withdrawn_by__isnull=False, withdrawn_on__gte=F(date_field)),
        name=name,
    )


def deliberated_row_is_frozen(name, fields):
    """The trigger of a `Holding`: a deliberated row is never deleted, and changes only to be withdrawn, once."""
    return [
        protect_when(f"{name}_is_never_deleted", pgtrigger.Q(old__deliberation__isnull=False), pgtrigger.Delete),
        protect_when(
            f"{name}_is_frozen",
            pgtrigger.Q(old__deliberation__isnull=False)
            & (any_changed(fields) | (pgtrigger.Q(old__withdrawn_on__isnull=False) & any_changed(WITHDRAWAL))),
            pgtrigger.Update,
        ),
    ]


@audited
class AcquiredBloc(Holding):
    """A bloc the candidate holds: acquired for good, and counted for every CQP that contains it."""

    DATE = "acquired_on"

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="acquired_blocs", verbose_name=_("candidat")
    )
    bloc = models.ForeignKey(Bloc, on_delete=models.PROTECT, related_name="acquisitions", verbose_name=_("bloc"))
    acquired_on = models.DateField(_("acquis le"))
    origin = models.CharField(
        _("origine"),
        max_length=200,
        help_text=_("La délibération du jury paritaire national, ou la reprise d'un historique."),
    )
    deliberation = models.ForeignKey(
        "evaluations.Deliberation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acquired_blocs",
        verbose_name=_("délibération"),
    )

    class Meta:
        verbose_name = _("bloc acquis")
        verbose_name_plural = _("blocs acquis")
        ordering = ["candidate", "acquired_on"]
        constraints = [
            # Once: a bloc withdrawn on appeal may be acquired again, at a later exam.
            models.UniqueConstraint(
                fields=["candidate", "bloc"], condition=Q(withdrawn_on__isnull=True), name="acquired_bloc_unique"
            ),
            withdrawn_by_a_later_decision("acquired_bloc_withdrawn_later", "acquired_on"),
        ]
        triggers = deliberated_row_is_frozen(
            "deliberated_bloc", ["candidate_id", "bloc_id", "acquired_on", "origin", "deliberation_id"]
        )

    def __str__(self):
        return f"{self.candidate} · {self.bloc.code}"

    def clean(self):
        if self.candidate_id and self.bloc_id:
            others = self.candidate.acquired_blocs.in_force().exclude(pk=self.pk).filter(bloc__code=self.bloc.code)
            if others.exists():
                raise ValidationError(
                    {"bloc": _("Le candidat détient déjà le bloc %(bloc)s.") % {"bloc": self.bloc.code}}
                )


@audited
class CqpAward(Holding):
    """A CQP awarded by the national joint jury: every bloc of it acquired, Pass and Prem'ss validated."""

    DATE = "awarded_on"

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="cqp_awards", verbose_name=_("candidat")
    )
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="awards", verbose_name=_("CQP")
    )
    awarded_on = models.DateField(_("délivré le"))
    deliberation = models.ForeignKey(
        "evaluations.Deliberation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cqp_awards",
        verbose_name=_("délibération"),
    )

    class Meta:
        verbose_name = _("CQP délivré")
        verbose_name_plural = _("CQP délivrés")
        ordering = ["-awarded_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "certification"], condition=Q(withdrawn_on__isnull=True), name="cqp_awarded_once"
            ),
            withdrawn_by_a_later_decision("cqp_award_withdrawn_later", "awarded_on"),
        ]
        triggers = deliberated_row_is_frozen(
            "deliberated_award", ["candidate_id", "certification_id", "awarded_on", "deliberation_id"]
        )

    def __str__(self):
        return f"{self.candidate} · CQP {self.certification.code}"


class CertificationSession(models.Model):
    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("CQP")
    )
    name = models.CharField(_("intitulé"), max_length=150)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    remote = models.BooleanField(_("à distance"), default=False)

    class Meta:
        verbose_name = _("session de certification")
        verbose_name_plural = _("sessions de certification")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="session_ends_after_it_starts",
                violation_error_message=_("La session doit finir après avoir commencé."),
            ),
            models.CheckConstraint(
                condition=Q(remote=True) | ~Q(place=""),
                name="session_has_a_place_or_is_remote",
                violation_error_message=_("Indiquez le lieu de la session, ou qu'elle se tient à distance."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.certification.code})"


class ExamStatus(models.TextChoices):
    """What became of an exam beyond its grid (issue 16).

    « Prévue » covers an exam to come, being held and held: that it was held is its grid's story (submitted,
    signed), kept once in `Grid.status` rather than twice. A postponed exam stays « prévue »: the same exam at
    another date, its earlier dates kept in its `ExamEvent` rows. The three others close the exam for good:
    - « candidat absent »: the bloc is not validated at this session; the file goes before the national jury
      with the bloc decided « non validé », « absent à l'épreuve »;
    - « absence excusée » (illness...) and « annulée » (by the organiser): the exam never comes before the
      national jury, never holds a file back, and the candidate may be convened to a new exam of the bloc,
      in the same session or another."""

    SCHEDULED = "scheduled", _("prévue")
    ABSENT = "absent", _("candidat absent")
    EXCUSED = "excused", _("absence excusée")
    CANCELLED = "cancelled", _("annulée")


# The exams that count: the one exam of a bloc in a session, the ones the national jury decides on.
EXAM_COUNTING_STATUSES = [ExamStatus.SCHEDULED, ExamStatus.ABSENT]
# The exams whose file never comes before the national jury, and after which the candidate is convened again.
EXAM_WITHDRAWN_STATUSES = [ExamStatus.EXCUSED, ExamStatus.CANCELLED]

# What a grid is about: once it is submitted (and signed), its exam keeps them. A grid reopened
# before the second signature lets them change again.
EXAM_GRADED_FIELDS = ["session", "candidate", "bloc", "kind", "scheduled_at", "president", "representative"]
GRADED_GRID_STATUSES = ["submitted", "signed"]


def _graded_exam_refused():
    return FrozenError(
        _(
            "La grille de cette épreuve est soumise ou signée : son candidat, son bloc, sa session, sa date et "
            "son jury ne changent plus."
        )
    )


def _closed_exam_refused():
    return FrozenError(
        _(
            "Cette épreuve est close (candidat absent, absence excusée ou annulée) : son candidat, son bloc, sa "
            "session, sa date et son jury ne changent plus. Convoquez le candidat à une nouvelle épreuve."
        )
    )


class ExamQuerySet(models.QuerySet):
    def graded(self):
        """The exams whose grid is submitted or signed."""
        return self.filter(grid__status__in=GRADED_GRID_STATUSES)

    def with_graded(self):
        """Each exam knows whether it is graded (`is_graded`) without a query of its own."""
        return self.annotate(graded=Q(grid__status__in=GRADED_GRID_STATUSES))

    def closed(self):
        """The exams whose outcome is recorded beyond the grid: candidate absent, absence excused, cancelled."""
        return self.exclude(status=ExamStatus.SCHEDULED)

    def counting(self):
        """The exams that count: those to come or held, and the absences; not the excused nor the cancelled."""
        return self.filter(status__in=EXAM_COUNTING_STATUSES)

    def _refuse_graded(self, fields):
        names = {name.removesuffix("_id") for name in fields}
        if names & set(EXAM_GRADED_FIELDS):
            if self.graded().exists():
                raise _graded_exam_refused()
            if self.closed().exists():
                raise _closed_exam_refused()

    def update(self, **kwargs):
        self._refuse_graded(kwargs)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        self.model.objects.filter(pk__in=[obj.pk for obj in objs])._refuse_graded(fields)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def awaiting_decision(self):
        """The exams no signed deliberation has decided yet; an excused or cancelled exam awaits none."""
        return self.counting().exclude(decisions__file__deliberation__status="signed")

    def for_jury_member(self, user):
        """The exams on whose professional jury this user sits: the only ones they may reach."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(president__user=user) | Q(representative__user=user))

    def for_jury_people(self, people_ids):
        """The exams of these jury members (Person ids): for listing thousands of a member's exams, a
        list of ids lets the database read the two foreign keys' indexes rather than join every exam."""
        return self.filter(Q(president_id__in=people_ids) | Q(representative_id__in=people_ids))

    def for_listing(self):
        return self.select_related(
            "session__certification",
            "candidate__organisation",
            "bloc",
            "president__organisation",
            "representative__organisation",
        )


@audited
class Exam(models.Model):
    """One exam: a bloc on the training route, or the VAE interview covering every bloc of the CQP."""

    session = models.ForeignKey(
        CertificationSession, on_delete=models.PROTECT, related_name="exams", verbose_name=_("session")
    )
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="exams", verbose_name=_("candidat"))
    bloc = models.ForeignKey(
        Bloc,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exams",
        verbose_name=_("bloc"),
        help_text=_("Vide pour l'entretien VAE, qui porte sur tous les blocs du CQP."),
    )
    kind = models.CharField(_("type d'épreuve"), max_length=20, choices=ExamKind.choices, editable=False)
    scheduled_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=200, blank=True)
    video_link = models.URLField(_("lien de visioconférence"), blank=True)
    president = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="presided_exams",
        verbose_name=_("président du jury"),
        limit_choices_to={"jury_role": JuryRole.PRESIDENT},
    )
    representative = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="represented_exams",
        verbose_name=_("représentant métier"),
        limit_choices_to={"jury_role": JuryRole.REPRESENTATIVE},
    )
    # The SEQUENCE of the exam's calendar invitation (RFC 5545): each change sent to its people raises it,
    # so that their calendars replace the event rather than add a second one (candidates/convocations.py).
    convocation_sequence = models.PositiveIntegerField(_("révision de la convocation"), default=0, editable=False)
    # Changed only by candidates/services.py (record_absence, excuse_absence, cancel_exam), each leaving an
    # ExamEvent with who, when and why.
    status = models.CharField(
        _("issue de l'épreuve"), max_length=10, choices=ExamStatus.choices, default=ExamStatus.SCHEDULED, editable=False
    )
    status_reason = models.TextField(_("motif"), blank=True, editable=False)

    objects = ExamQuerySet.as_manager()

    class Meta:
        verbose_name = _("épreuve")
        verbose_name_plural = _("épreuves")
        ordering = ["scheduled_at"]
        indexes = [models.Index(fields=["scheduled_at"], name="exam_scheduled_at")]  # lists sort by it
        constraints = [
            # An excused or cancelled exam makes way for a new one of the same bloc, in the same session.
            models.UniqueConstraint(
                fields=["session", "candidate", "bloc"],
                condition=Q(bloc__isnull=False, status__in=EXAM_COUNTING_STATUSES),
                name="exam_one_per_bloc_and_session",
                violation_error_message=_("Ce candidat a déjà une épreuve pour ce bloc dans cette session."),
            ),
            models.UniqueConstraint(
                fields=["session", "candidate"],
                condition=Q(bloc__isnull=True, status__in=EXAM_COUNTING_STATUSES),
                name="exam_one_vae_interview_per_session",
                violation_error_message=_("Ce candidat a déjà un entretien VAE dans cette session."),
            ),
            models.CheckConstraint(
                condition=~Q(president=F("representative")),
                name="exam_jury_is_two_people",
                violation_error_message=_(
                    "Le président et le représentant métier doivent être deux personnes différentes."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(kind=ExamKind.VAE_INTERVIEW) & Q(bloc__isnull=True))
                | (~Q(kind=ExamKind.VAE_INTERVIEW) & Q(bloc__isnull=False)),
                name="exam_vae_interview_iff_no_bloc",
                violation_error_message=_("Un entretien VAE porte sur tout le CQP ; une autre épreuve, sur un bloc."),
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(video_link=""),
                name="exam_has_a_place_or_a_link",
                violation_error_message=_("Indiquez le lieu de l'épreuve ou son lien de visioconférence."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ExamStatus.SCHEDULED, ExamStatus.ABSENT]) | ~Q(status_reason=""),
                name="exam_excused_or_cancelled_says_why",
                violation_error_message=_("Une absence excusée ou une annulation est motivée."),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="graded_exam_keeps_its_subject",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=any_changed(
                    [f"{name}_id" if name not in ("kind", "scheduled_at") else name for name in EXAM_GRADED_FIELDS]
                ),
                func="""
                    IF EXISTS (SELECT 1 FROM evaluations_grid WHERE exam_id = OLD.id
                               AND status IN ('submitted', 'signed')) THEN
                        RAISE EXCEPTION 'grille soumise : % refusé sur %', TG_OP, TG_TABLE_NAME
                            USING ERRCODE = 'check_violation';
                    END IF;
                    IF OLD.status <> 'scheduled' THEN
                        RAISE EXCEPTION 'épreuve close : % refusé sur %', TG_OP, TG_TABLE_NAME
                            USING ERRCODE = 'check_violation';
                    END IF;
                    RETURN NEW;
                """,
            )
        ]

    def __str__(self):
        what = self.bloc.code if self.bloc_id else _("entretien VAE")
        return f"{self.candidate} · {what} · {timezone.localtime(self.scheduled_at):%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        """Refuses to move a graded exam, or one whose outcome is recorded (one query, as before the outcomes)."""
        self.set_kind()
        if self.pk is not None and not self._state.adding:
            attnames = [self._meta.get_field(name).attname for name in EXAM_GRADED_FIELDS]
            stored = (
                Exam.objects.filter(pk=self.pk)
                .filter(Q(grid__status__in=GRADED_GRID_STATUSES) | ~Q(status=ExamStatus.SCHEDULED))
                .values(*attnames, "status")
                .first()
            )
            if stored and any(stored[name] != getattr(self, name) for name in attnames):
                raise _graded_exam_refused() if stored["status"] == ExamStatus.SCHEDULED else _closed_exam_refused()
        super().save(*args, **kwargs)

    @property
    def is_closed(self):
        """Its outcome is recorded (candidate absent, absence excused, cancelled): nothing more happens to it."""
        return self.status != ExamStatus.SCHEDULED

    @property
    def is_graded(self):
        """Its grid is submitted or signed: what the exam is about no longer changes."""
        if "graded" in self.__dict__:
            return bool(self.graded)
        return self.pk is not None and Exam.objects.filter(pk=self.pk).graded().exists()

    def examined_blocs(self):
        """The blocs this exam grades: its bloc, or for the VAE interview every bloc of the CQP but
        those the candidate held before the interview (acquired for good, never examined again)."""
        if self.bloc_id:
            return [self.bloc]
        held_before = self.candidate.acquired_blocs.held_on(
            timezone.localdate(self.scheduled_at) - datetime.timedelta(days=1)
        )
        return list(
            self.session.certification.blocs.exclude(code__in=held_before.values("bloc__code")).order_by(
                "certificationbloc__order"
            )
        )

    def jury_member(self, user):
        """The jury member of this exam who uses this account, or None."""
        for member in (self.president, self.representative):
            if user.is_authenticated and member.user_id == user.pk:
                return member
        return None

    def set_kind(self):
        """The kind follows from the bloc (its referential says how it is examined) or the VAE route."""
        self.kind = self.bloc.exam_kind if self.bloc_id else ExamKind.VAE_INTERVIEW

    def facts(self) -> rules.ExamFacts:
        """What candidates/rules.py needs to know of this exam."""
        candidate, certification = self.candidate, self.session.certification
        return rules.ExamFacts(
            route=candidate.route,
            candidate_certification=candidate.certification.code,
            session_certification=certification.code,
            session_starts=self.session.starts_on,
            session_ends=self.session.ends_on,
            exam_date=timezone.localdate(self.scheduled_at) if self.scheduled_at else None,
            bloc=self.bloc.code if self.bloc_id else None,
            bloc_of_certification_version=bool(self.bloc_id) and self.bloc.version_id == certification.version_id,
            certification_blocs=[bloc.code for bloc in certification.blocs.all()],
            acquired_blocs=candidate.acquired_bloc_codes(),
            livret2_received=bool(candidate.livret2_received_on),
            awaiting_blocs=set(
                Exam.objects.filter(candidate=candidate, bloc__isnull=False)
                .exclude(pk=self.pk)
                .exclude(session=self.session_id)  # the same session: one exam per bloc (a constraint says so)
                .awaiting_decision()
                .values_list("bloc__code", flat=True)
            ),
            appealed_blocs=set(
                apps.get_model("evaluations", "Appeal")
                .objects.filter(contested__file__candidate=candidate)
                .exclude(heard_in__status="signed")
                .values_list("contested__bloc__code", flat=True)
            ),
        )

    def clean(self):
        """The rules of the texts for an exam, each one stated in candidates/rules.py."""
        self.set_kind()
        if not (self.candidate_id and self.session_id):
            return
        problems = rules.exam_problems(self.facts())
        if not problems:
            for bloc in self.examined_blocs():
                try:
                    bloc.check_evaluable()
                except ReferentialIncomplete as error:
                    problems.extend(error.messages)

        if self.president_id and self.representative_id and self.scheduled_at:
            problems.extend(
                rules.jury_problems(
                    self.president.as_member(),
                    self.representative.as_member(),
                    self.candidate.links(),
                    timezone.localdate(self.scheduled_at),
                )
            )
        if problems:
            raise ValidationError(problems)


class ExamAction(models.TextChoices):
    ABSENT = "absent", _("candidat absent")
    EXCUSED = "excused", _("absence excusée")
    POSTPONED = "postponed", _("reportée")
    CANCELLED = "cancelled", _("annulée")


class ExamEvent(FrozenModel):
    """Who recorded what became of an exam, when and why: an absence, an excuse, a postponement (with the date
    it had and the one it takes), a cancellation. Written by candidates/services.py in the same transaction as
    the change, on every database (the pghistory trail is PostgreSQL's only); never changed."""

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="events", verbose_name=_("épreuve"))
    action = models.CharField(_("action"), max_length=10, choices=ExamAction.choices)
    previous_scheduled_at = models.DateTimeField(_("date prévue jusque-là"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("nouvelle date"), null=True, blank=True)
    reason = models.TextField(_("motif"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("par")
    )
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement d'épreuve")
        verbose_name_plural = _("historique des épreuves")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action=ExamAction.POSTPONED)
                | Q(previous_scheduled_at__isnull=False, scheduled_at__isnull=False),
                name="exam_event_postponement_has_both_dates",
            ),
        ]
        triggers = [protect_when("exam_events_are_append_only", None)]

    @classmethod
    def frozen_rows(cls):
        return Q()  # the trail is written once, never changed

    def __str__(self):
        return f"{self.exam} · {self.get_action_display()} · {timezone.localtime(self.at):%d/%m/%Y %H:%M}"


@register_referential_use
def exams_using(version):
    """An exam uses the version of its session's CQP (its bloc, if any, is of the same version)."""
    return Exam.objects.filter(session__certification__version=version)
