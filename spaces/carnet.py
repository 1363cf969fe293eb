"""The carnet de suivi des compétences online (issue 17): its rules, the two changes a tutor or a manager makes to
it, and what the companion space reads.

Booklet 003, the evaluation modalities of every bloc: « Carnet de suivi des compétences : Remis au début du
parcours. Ce carnet permet d'identifier les compétences maîtrisées en situation réelle de travail. Ces
attestations de maîtrise des compétences consignées dans ce carnet sont attestées par le tuteur et par le
manager du salarié. »

The rules come first, as plain functions over plain values (no ORM), each returning the problems in French,
empty when the rule holds; then the services (`attest`, `withdraw`), each one transaction that checks who acts
and leaves an `AttestationEvent`; then the selectors of the companion pages, each in a fixed number of queries.

The rules have no tie to this app: should the admin's inline (paper carnets) have to apply the freeze too, they
move as they are to `candidates/rules.py`, which the admin may import (an app lower in the flow never imports
this one).
"""

import datetime
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Func, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates import roles
from candidates.models import (
    AcquiredBloc,
    AttestationAction,
    AttestationEvent,
    AttesterRole,
    Candidate,
    CompetenceAttestation,
    Exam,
    ExamStatus,
)
from cqp_site import logs
from evaluations.messages import BlocResult, bloc_result
from evaluations.models import BlocAssessment, BlocDecision, DeliberationStatus
from referentials.models import CertificationBloc, Competence

logger = logging.getLogger("spaces")
_log_once_committed = functools.partial(logs.log_once_committed, logger)

TUTOR, MANAGER = AttesterRole.TUTOR.value, AttesterRole.MANAGER.value

# --- The rules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamStart:
    """An exam of the candidate that covers a bloc: the exam of that bloc, or the VAE interview (which covers
    every bloc of the CQP the candidate did not hold before it)."""

    starts_at: datetime.datetime
    vae_interview: bool = False
    # Excused or cancelled: it never took place, the candidate is convened to another exam of the bloc.
    withdrawn: bool = False


@dataclass(frozen=True)
class AttestationFacts:
    """What the rules need to know of one attestation given or withdrawn."""

    role: str  # TUTOR or MANAGER
    person_id: int | None  # the person acting (their account's), None if the account is nobody's
    tutor_id: int | None  # the candidate's tutor
    manager_id: int | None  # the candidate's manager (the direct one)
    bloc: str  # the code of the competence's bloc
    exams: tuple[ExamStart, ...]  # the candidate's exams covering that bloc
    now: datetime.datetime
    attested_on: datetime.date | None = None  # the date given; None for a withdrawal


def may_attest_as(role: str, person_id: int | None, tutor_id: int | None, manager_id: int | None) -> bool:
    """« attestées par le tuteur et par le manager du salarié » (booklet 003): each attests in their own role,
    the tutor as the candidate's tutor, the manager as the candidate's manager.

    The manager is the candidate's direct manager (`Candidate.manager`) only. The text names « le manager du
    salarié », one person, who sees the competences « en situation réelle de travail »; a manager of managers
    follows the candidate's carnet (the companion space shows it to the whole line) but does not attest in their
    place: nothing in the texts lets the line above sign for the manager. Someone both tutor and manager of a
    candidate attests in each role, as the carnet on paper had them sign twice."""
    if person_id is None:
        return False
    if role == TUTOR:
        return person_id == tutor_id
    if role == MANAGER:
        return person_id == manager_id
    return False


def attester_problems(role: str, person_id: int | None, tutor_id: int | None, manager_id: int | None) -> list[str]:
    if role not in (TUTOR, MANAGER):
        return [_("Une attestation du carnet de suivi est celle du tuteur ou celle du manager.")]
    if may_attest_as(role, person_id, tutor_id, manager_id):
        return []
    if role == TUTOR:
        return [_("Seul le tuteur du candidat atteste une compétence en tant que tuteur.")]
    return [_("Seul le manager direct du candidat atteste une compétence en tant que manager.")]


def freezing_exam(exams: Iterable[ExamStart], now: datetime.datetime) -> ExamStart | None:
    """The exam after whose start the carnet of a bloc no longer changes, or None while it may.

    The carnet is « remis au début du parcours » and the jury reads it at the exam: what the tutor and the
    manager attest counts until the candidate's exam on the bloc begins (for the VAE interview, which covers
    every bloc of the CQP not held, until the interview begins). From then on the attestations stay as the
    jury read them. An exam excused or cancelled never took place: it freezes nothing, the candidate is
    convened to another one. The first exam started is the one named."""
    started = [exam for exam in exams if not exam.withdrawn and exam.starts_at <= now]
    return min(started, key=lambda exam: exam.starts_at, default=None)


def frozen_problems(bloc: str, exams: Iterable[ExamStart], now: datetime.datetime) -> list[str]:
    exam = freezing_exam(exams, now)
    if exam is None:
        return []
    moment = timezone.localtime(exam.starts_at)
    values = {"bloc": bloc, "date": f"{moment:%d/%m/%Y}", "time": f"{moment:%H:%M}"}
    if exam.vae_interview:
        return [
            _(
                "L'entretien VAE a commencé le %(date)s à %(time)s : les attestations du bloc %(bloc)s restent "
                "celles que le jury a lues."
            )
            % values
        ]
    return [
        _(
            "L'épreuve du bloc %(bloc)s a commencé le %(date)s à %(time)s : ses attestations restent celles que "
            "le jury a lues."
        )
        % values
    ]


def date_problems(attested_on: datetime.date | None, today: datetime.date) -> list[str]:
    """An attestation says when the competence was seen mastered: a day that has come, never a future one."""
    if attested_on is None:
        return [_("Indiquez la date de l'attestation.")]
    if attested_on > today:
        return [_("Une attestation ne peut pas être datée du futur.")]
    return []


def attestation_problems(facts: AttestationFacts, *, withdrawal: bool = False) -> list[str]:
    """Everything that stops this attestation from being given (or, `withdrawal`, withdrawn)."""
    problems = attester_problems(facts.role, facts.person_id, facts.tutor_id, facts.manager_id)
    problems += frozen_problems(facts.bloc, facts.exams, facts.now)
    if not withdrawal:
        problems += date_problems(facts.attested_on, timezone.localdate(facts.now))
    return problems


# --- Reading the exams that freeze a bloc ------------------------------------------------------------------


def exam_starts(candidate, bloc_codes: Iterable[str]) -> dict[str, tuple[ExamStart, ...]]:
    """Per bloc code of `bloc_codes` (the candidate's CQP), the candidate's exams covering it; two queries.

    A VAE interview covers every bloc of the CQP but those the candidate held the day before it (as
    `Exam.examined_blocs` says), read here from the candidate's blocs with their dates."""
    codes = list(bloc_codes)
    exams = list(
        Exam.objects.filter(candidate=candidate)
        .filter(Q(bloc__code__in=codes) | Q(bloc__isnull=True))
        .values_list("bloc__code", "scheduled_at", "status")
    )
    held = list(
        AcquiredBloc.objects.filter(candidate=candidate).values_list("bloc__code", "acquired_on", "withdrawn_on")
    )
    starts = {code: [] for code in codes}
    withdrawn_statuses = (ExamStatus.EXCUSED, ExamStatus.CANCELLED)
    for code, scheduled_at, status in exams:
        start = ExamStart(scheduled_at, vae_interview=code is None, withdrawn=status in withdrawn_statuses)
        if code is not None:
            starts[code].append(start)
            continue
        day_before = timezone.localdate(scheduled_at) - datetime.timedelta(days=1)
        held_before = {
            held_code
            for held_code, acquired_on, withdrawn_on in held
            if acquired_on <= day_before and (withdrawn_on is None or withdrawn_on > day_before)
        }
        for bloc_code in codes:
            if bloc_code not in held_before:
                starts[bloc_code].append(start)
    return {code: tuple(covering) for code, covering in starts.items()}


# --- The services ------------------------------------------------------------------------------------------


class CarnetError(Exception):
    """A refused change to the carnet de suivi, with the message to show."""


def _checked(candidate, competence, role, acting_user, *, attested_on=None, withdrawal=False):
    """The candidate read again and the attestation row locked, once the rules allow the change."""
    candidate = Candidate.objects.get(pk=candidate.pk)
    if not CertificationBloc.objects.filter(certification=candidate.certification_id, bloc=competence.bloc_id).exists():
        raise CarnetError(_("Cette compétence n'appartient pas au CQP visé par le candidat."))
    person = roles.person_of(acting_user)
    bloc_code = competence.bloc.code
    facts = AttestationFacts(
        role=role,
        person_id=person.pk if person else None,
        tutor_id=candidate.tutor_id,
        manager_id=candidate.manager_id,
        bloc=bloc_code,
        exams=exam_starts(candidate, [bloc_code])[bloc_code],
        now=timezone.now(),
        attested_on=attested_on,
    )
    problems = attestation_problems(facts, withdrawal=withdrawal)
    if problems:
        raise CarnetError(" ".join(problems))
    attestation, _created = CompetenceAttestation.objects.get_or_create(candidate=candidate, competence=competence)
    return CompetenceAttestation.objects.select_for_update().get(pk=attestation.pk)


@transaction.atomic
def attest(candidate, competence, *, role, attested_on, comment="", acting_user) -> CompetenceAttestation:
    """The tutor or the manager attests, from their own account, that the candidate masters this competence
    since `attested_on`, with what they write (optional)."""
    attestation = _checked(candidate, competence, role, acting_user, attested_on=attested_on)
    already = getattr(attestation, f"{role}_attested_on")
    if already is not None:
        raise CarnetError(
            _("Cette compétence est déjà attestée (le %(date)s) : retirez l'attestation avant d'en donner une autre.")
            % {"date": f"{already:%d/%m/%Y}"}
        )
    comment = (comment or "").strip()
    setattr(attestation, f"{role}_attested_on", attested_on)
    setattr(attestation, f"{role}_attested_by", acting_user)
    setattr(attestation, f"{role}_comment", comment)
    attestation.save(update_fields=[f"{role}_attested_on", f"{role}_attested_by", f"{role}_comment"])
    AttestationEvent.objects.create(
        attestation=attestation,
        role=role,
        action=AttestationAction.ATTESTED,
        attested_on=attested_on,
        comment=comment,
        user=acting_user,
    )
    _log_once_committed("carnet_attested", attestation_id=attestation.pk, role=role, user_id=acting_user.pk)
    return attestation


@transaction.atomic
def withdraw(candidate, competence, *, role, acting_user) -> CompetenceAttestation:
    """The tutor or the manager withdraws the attestation of their role, online or typed from the paper carnet
    (it was theirs too); the date withdrawn stays in its event."""
    attestation = _checked(candidate, competence, role, acting_user, withdrawal=True)
    withdrawn_on = getattr(attestation, f"{role}_attested_on")
    if withdrawn_on is None:
        raise CarnetError(_("Cette compétence n'est pas attestée : il n'y a rien à retirer."))
    setattr(attestation, f"{role}_attested_on", None)
    setattr(attestation, f"{role}_attested_by", None)
    setattr(attestation, f"{role}_comment", "")
    attestation.save(update_fields=[f"{role}_attested_on", f"{role}_attested_by", f"{role}_comment"])
    AttestationEvent.objects.create(
        attestation=attestation,
        role=role,
        action=AttestationAction.WITHDRAWN,
        attested_on=withdrawn_on,
        user=acting_user,
    )
    _log_once_committed("carnet_withdrawn", attestation_id=attestation.pk, role=role, user_id=acting_user.pk)
    return attestation


# --- The companion space: the selectors -------------------------------------------------------------------


def relation(person, candidate) -> str:
    """How this person follows the candidate, as the pages say it: « tuteur », « manager », or for the line above
    the candidate's manager « manager de <name> » (`candidate.manager` is then read)."""
    own = [
        label
        for label, is_theirs in (
            (_("tuteur"), candidate.tutor_id == person.pk),
            (_("manager"), candidate.manager_id == person.pk),
        )
        if is_theirs
    ]
    if own:
        return _(" et ").join(own)
    if candidate.manager_id is None:
        return ""
    return _("manager de %(name)s") % {"name": candidate.manager.full_name}


def attesting_roles(person, candidate) -> list[str]:
    """The roles this person attests in for this candidate (`may_attest_as`)."""
    return [
        role for role in (TUTOR, MANAGER) if may_attest_as(role, person.pk, candidate.tutor_id, candidate.manager_id)
    ]


def _count(queryset):
    """A scalar subquery counting the rows of `queryset` (no GROUP BY)."""
    return Subquery(queryset.order_by().annotate(count=Func(F("pk"), function="COUNT")).values("count"))


def followed_list(person, followed):
    """The candidates this person follows, with how much of their carnet is attested: one query whatever
    their number (the manager joined, for « manager de <name> »)."""
    in_cqp = {"competence__bloc__certificationbloc__certification": OuterRef("certification")}
    attested = CompetenceAttestation.objects.filter(candidate=OuterRef("pk"), **in_cqp)
    candidates = (
        followed.select_related("organisation", "certification", "manager")
        .annotate(
            competence_count=_count(
                Competence.objects.filter(bloc__certificationbloc__certification=OuterRef("certification"))
            ),
            tutor_attested=_count(attested.filter(tutor_attested_on__isnull=False)),
            manager_attested=_count(attested.filter(manager_attested_on__isnull=False)),
        )
        .order_by("last_name", "first_name", "pk")
    )
    rows = []
    for candidate in candidates:
        candidate.relation = relation(person, candidate)
        candidate.direct = candidate.tutor_id == person.pk or candidate.manager_id == person.pk
        rows.append(candidate)
    return rows


@dataclass(frozen=True)
class RoleAttestation:
    """One role's attestation of a competence, as the pages and the grid say it."""

    role: str
    attested_on: datetime.date | None
    by: str  # who attested online; "" for a paper carnet typed by an administrator (or no attestation)
    comment: str

    @property
    def on_paper(self):
        return self.attested_on is not None and not self.by


def role_attestation(attestation, role) -> RoleAttestation:
    if attestation is None:
        return RoleAttestation(role, None, "", "")
    user = getattr(attestation, f"{role}_attested_by")
    return RoleAttestation(
        role,
        getattr(attestation, f"{role}_attested_on"),
        (user.get_full_name() or user.username) if user else "",
        getattr(attestation, f"{role}_comment"),
    )


@dataclass
class CarnetLine:
    competence: Competence
    tutor: RoleAttestation
    manager: RoleAttestation
    # The person's own forms, set by the view where the rules allow: to attest, or to withdraw their attestation.
    tutor_form: object = None
    manager_form: object = None

    def of(self, role):
        return self.tutor if role == TUTOR else self.manager


@dataclass
class CarnetBloc:
    bloc: object
    frozen: str  # why the bloc's attestations no longer change, "" while they may
    lines: list


@dataclass(frozen=True)
class SignedDecision:
    """A signed decision on a bloc, as the manager reads it: the bloc's result as the copy of the results by mail
    says it (`evaluations.messages.BlocResult`: validated or not, both juries' recommendations when it is not),
    in its deliberation; `superseded` once a signed ruling on appeal replaced it."""

    deliberation: str
    held_on: datetime.date
    result: BlocResult
    on_appeal: bool
    superseded: bool


@dataclass
class CarnetPage:
    candidate: Candidate
    relation: str
    roles: list  # the roles the person attests in
    blocs: list
    results: list | None  # None: not shown to this person
    competence_count: int = 0

    def attested(self, role):
        return sum(1 for bloc in self.blocs for line in bloc.lines if line.of(role).attested_on)

    @property
    def tutor_attested(self):
        return self.attested(TUTOR)

    @property
    def manager_attested(self):
        return self.attested(MANAGER)


def may_see_results(person, candidate) -> bool:
    """The candidate's manager sees the signed results only when the candidate's organisation sends them a copy
    (`Organisation.send_results_to_manager`, off by default: the results are the candidate's personal data).
    The same person as the copy by mail: the direct manager (evaluations/messages.py), never the line above,
    never the tutor."""
    return candidate.manager_id == person.pk and candidate.organisation.send_results_to_manager


def _bloc_result(decision) -> BlocResult:
    """As the results mail tells it, with the professional jury's recommendations read with the decision."""
    return bloc_result(decision, decision.professional)


def signed_results(candidate) -> list[SignedDecision]:
    """The decisions of signed deliberations on the candidate's blocs, oldest first, each with both juries'
    recommendations: one query. Never before the signature."""
    signed = {"file__deliberation__status": DeliberationStatus.SIGNED}
    professional = BlocAssessment.objects.filter(grid=OuterRef("grid"), bloc=OuterRef("bloc")).values(
        "recommendations"
    )[:1]
    ruling = BlocDecision.objects.filter(on_appeal__contested=OuterRef("pk"), **signed)
    decisions = (
        BlocDecision.objects.filter(file__candidate=candidate, **signed)
        .select_related("bloc", "file__deliberation")
        .annotate(professional=Subquery(professional), superseded=_count(ruling))
        .order_by("file__deliberation__held_on", "file__deliberation_id", "bloc__code", "pk")
    )
    return [
        SignedDecision(
            deliberation=decision.file.deliberation.title,
            held_on=decision.file.deliberation.held_on,
            result=_bloc_result(decision),
            on_appeal=decision.on_appeal_id is not None,
            superseded=bool(decision.superseded),
        )
        for decision in decisions
    ]


def carnet_page(person, candidate, now=None) -> CarnetPage:
    """The candidate's carnet as this person reads it: per bloc of the CQP, each competence with the tutor's and
    the manager's attestation, and whether the bloc still changes; the signed results when they are this
    person's to see. A fixed number of queries whatever the number of blocs and competences: the blocs, their
    competences, the attestations, the exams and blocs held (`exam_starts`), the results when shown, and the
    candidate's manager when the person is above them."""
    now = now or timezone.now()
    blocs = [
        link.bloc
        for link in CertificationBloc.objects.filter(certification=candidate.certification_id)
        .select_related("bloc")
        .order_by("order", "pk")
    ]
    competences = {}
    for competence in Competence.objects.filter(bloc__in=blocs).order_by("order", "pk"):
        competences.setdefault(competence.bloc_id, []).append(competence)
    attestations = {
        attestation.competence_id: attestation
        for attestation in CompetenceAttestation.objects.filter(
            candidate=candidate, competence__bloc__in=blocs
        ).select_related("tutor_attested_by", "manager_attested_by")
    }
    starts = exam_starts(candidate, [bloc.code for bloc in blocs])
    carnet_blocs = []
    for bloc in blocs:
        lines = [
            CarnetLine(
                competence,
                role_attestation(attestations.get(competence.pk), TUTOR),
                role_attestation(attestations.get(competence.pk), MANAGER),
            )
            for competence in competences.get(bloc.pk, [])
        ]
        frozen = frozen_problems(bloc.code, starts[bloc.code], now)
        carnet_blocs.append(CarnetBloc(bloc, frozen[0] if frozen else "", lines))
    return CarnetPage(
        candidate=candidate,
        relation=relation(person, candidate),
        roles=attesting_roles(person, candidate),
        blocs=carnet_blocs,
        results=signed_results(candidate) if may_see_results(person, candidate) else None,
        competence_count=sum(len(bloc.lines) for bloc in carnet_blocs),
    )
