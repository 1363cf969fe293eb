"""What the candidate's own page reads: one function, `candidate_page`, with a fixed number of queries (7) whatever
the number of blocs, exams, decisions and certificates.

A candidate reads the decisions of the national joint jury once its deliberation is signed, never before: an
open deliberation's decisions, and the professional jury's opinion it rests on, are not results yet. A decision
on appeal supersedes the decision it rules on: the candidate reads the latest."""

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from candidates import convocations
from candidates.models import AcquiredBloc, CorrectionRequest, CqpAward, Exam, ExamStatus, Route
from certificates.models import Certificate
from certificates.services import verify_url
from evaluations import rules
from evaluations.messages import BlocResult, bloc_result
from evaluations.models import BlocAssessment, BlocDecision, DeliberationStatus
from referentials.models import CertificationBloc

# A bloc's state on the candidate's page, by precedence: what the candidate holds, then what awaits the
# national jury, then what is scheduled; otherwise the bloc is still to take.
ACQUIRED, AWAITING, SCHEDULED, TO_TAKE = "acquired", "awaiting", "scheduled", "to_take"


@dataclass(frozen=True)
class Convocation:
    """An exam to come as its convocation states it: when (Europe/Paris), how long, what it is."""

    exam: Exam
    starts: datetime.datetime
    ends: datetime.datetime
    duration: str
    what: str
    is_vae: bool


@dataclass(frozen=True)
class PastExam:
    """An exam held, missed, excused or cancelled, with what became of it."""

    exam: Exam
    decided_on: datetime.date | None  # the date of the signed deliberation that decided it, if any


@dataclass(frozen=True)
class Decided:
    """One bloc decided by a signed deliberation, as the candidate reads it (the latest decision on the bloc)."""

    decision: BlocDecision
    result: BlocResult  # validated or not, with both juries' recommendations (`evaluations.messages`)
    contested_on: datetime.date | None = None  # a decision on appeal: the date of the decision it replaces
    appeal_received_on: datetime.date | None = None  # an appeal against it, not ruled on by a signed deliberation


@dataclass
class DeliberationResults:
    deliberation: object
    blocs: list = field(default_factory=list)  # Decided, in the order of the decisions


@dataclass(frozen=True)
class BlocState:
    bloc: object
    state: str  # ACQUIRED, AWAITING, SCHEDULED or TO_TAKE
    acquired: AcquiredBloc | None = None
    through: str = ""  # the code of the CQP whose file a deliberation validated the bloc in
    exam: Exam | None = None  # the exam awaiting its decision, or the one scheduled
    last: Decided | None = None  # for a bloc to take: the latest decision, not validated


@dataclass(frozen=True)
class CqpProgress:
    """One CQP of the candidate's referential version: each bloc's state and what remains, by the rules."""

    certification: object
    is_target: bool
    blocs: list  # BlocState, in the CQP's order
    decision: rules.CqpDecision  # `rules.decide_cqp` over the blocs held and the trainings
    award: CqpAward | None  # the CQP awarded, in force

    @property
    def complete_awaiting_award(self):
        """Every bloc and both trainings validated, the CQP not awarded yet: the next deliberation awards it."""
        return self.decision.awarded and self.award is None


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    verify_url: str

    @property
    def downloadable(self):
        """Its signed PDF exists and it is in force: a revoked certificate is not handed out again."""
        return bool(self.certificate.pdf) and not self.certificate.is_revoked


@dataclass
class CandidatePage:
    candidate: object
    cqps: list  # CqpProgress, the target CQP first
    upcoming: list  # Convocation, soonest first
    past: list  # PastExam, latest first
    results: list  # DeliberationResults, latest deliberation first
    certificates: list  # CertificateRow
    corrections: list  # CorrectionRequest, latest first
    awards: list = field(default_factory=list)  # CqpAward in force

    @property
    def is_vae(self):
        return self.candidate.route == Route.VAE


def candidate_page(candidate, now: datetime.datetime | None = None) -> CandidatePage:
    """Everything the candidate's page shows, in 7 queries: the blocs of every CQP of the candidate's version (and
    of their exams' CQPs), the blocs held, the CQP awarded, the exams, the signed decisions, the current
    certificates, the correction requests. `candidate` comes with its certification (`roles.candidate_of`)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    exams = list(
        candidate.exams.select_related("session__certification", "bloc", "president", "representative").order_by(
            "scheduled_at", "pk"
        )
    )
    links = list(
        CertificationBloc.objects.filter(
            Q(certification__version=candidate.certification.version_id)
            | Q(certification__in=candidate.exams.values("session__certification"))
        )
        .select_related("certification", "bloc")
        .order_by("certification__code", "order")
    )
    held = list(AcquiredBloc.objects.in_force().filter(candidate=candidate).select_related("bloc", "deliberation"))
    awards = list(CqpAward.objects.in_force().filter(candidate=candidate).select_related("certification"))
    decisions = signed_decisions(candidate)
    certificates = list(
        Certificate.objects.current().filter(candidate=candidate).select_related("bloc", "certification")
    )
    corrections = list(CorrectionRequest.objects.filter(candidate=candidate).order_by("-asked_at", "-pk"))

    results, latest = _results(decisions)
    decided_exams = {}
    for decision in decisions:
        decided_exams.setdefault(decision.exam_id, decision.file.deliberation.held_on)
    blocs_of = {}
    for link in links:
        blocs_of.setdefault(link.certification, []).append(link.bloc)
    examined = _examined_blocs(exams, blocs_of, decisions, now)
    held_by_code = {acquired.bloc.code: acquired for acquired in held}

    through = {
        (decision.file.deliberation_id, decision.bloc.code): decision.file.certification.code for decision in decisions
    }

    def state(bloc):
        if bloc.code in held_by_code:
            acquired = held_by_code[bloc.code]
            return BlocState(
                bloc, ACQUIRED, acquired=acquired, through=through.get((acquired.deliberation_id, bloc.code), "")
            )
        for kind in (AWAITING, SCHEDULED):
            if (kind, bloc.code) in examined:
                return BlocState(bloc, kind, exam=examined[(kind, bloc.code)])
        last = latest.get(bloc.code)
        return BlocState(bloc, TO_TAKE, last=last if last and not last.result.validated else None)

    award_of = {award.certification_id: award for award in awards}
    cqps = []
    version = candidate.certification.version_id
    for certification, blocs in blocs_of.items():
        if certification.version_id != version:
            continue
        codes = [bloc.code for bloc in blocs]
        cqps.append(
            CqpProgress(
                certification,
                certification.pk == candidate.certification_id,
                [state(bloc) for bloc in blocs],
                rules.decide_cqp(
                    codes,
                    held_by_code.keys(),
                    pass_validated=candidate.pass_validated_on is not None,
                    premss_validated=candidate.premss_validated_on is not None,
                ),
                award_of.get(certification.pk),
            )
        )
    cqps.sort(key=lambda progress: (not progress.is_target, progress.certification.code))

    upcoming = [
        _convocation(exam, candidate)
        for exam in exams
        if exam.status == ExamStatus.SCHEDULED and timezone.localdate(exam.scheduled_at) >= today
    ]
    upcoming_ids = {convocation.exam.pk for convocation in upcoming}
    past = [PastExam(exam, decided_exams.get(exam.pk)) for exam in reversed(exams) if exam.pk not in upcoming_ids]
    return CandidatePage(
        candidate,
        cqps,
        upcoming,
        past,
        results,
        [CertificateRow(certificate, verify_url(certificate)) for certificate in certificates],
        corrections,
        awards,
    )


def signed_decisions(candidate) -> list:
    """The decisions of the signed deliberations on the candidate's files, oldest first, each with the professional
    jury's recommendations on its bloc (`professional`), the appeal against it and the decision it rules on."""
    professional = BlocAssessment.objects.filter(grid=OuterRef("grid"), bloc=OuterRef("bloc")).values(
        "recommendations"
    )[:1]
    return list(
        BlocDecision.objects.filter(file__candidate=candidate, file__deliberation__status=DeliberationStatus.SIGNED)
        .annotate(professional=Subquery(professional))
        .select_related(
            "bloc", "file__deliberation", "file__certification", "appeal", "on_appeal__contested__file__deliberation"
        )
        .order_by("file__deliberation__held_on", "file__deliberation_id", "pk")
    )


def _results(decisions):
    """The signed results by deliberation, latest first, a contested decision replaced by the decision on appeal
    that rules on it; and the latest decision shown on each bloc (by code)."""
    ruled = {decision.on_appeal.contested_id: decision for decision in decisions if decision.on_appeal_id}
    by_deliberation, latest = {}, {}
    for decision in decisions:
        if decision.pk in ruled:
            continue  # superseded by the decision on appeal, shown with it
        appeal = getattr(decision, "appeal", None)
        decided = Decided(
            decision,
            _bloc_result(decision),
            contested_on=decision.on_appeal.contested.file.deliberation.held_on if decision.on_appeal_id else None,
            appeal_received_on=appeal.received_on if appeal else None,
        )
        deliberation = decision.file.deliberation
        by_deliberation.setdefault(deliberation.pk, DeliberationResults(deliberation)).blocs.append(decided)
        latest[decision.bloc.code] = decided
    return sorted(
        by_deliberation.values(), key=lambda r: (r.deliberation.held_on, r.deliberation.pk), reverse=True
    ), latest


def _bloc_result(decision) -> BlocResult:
    """As the results mail tells it, with the professional jury's recommendations read with the decision."""
    return bloc_result(decision, decision.professional)


def _examined_blocs(exams, blocs_of, decisions, now) -> dict:
    """(AWAITING or SCHEDULED, bloc code) -> the exam: a bloc examined (held, or missed) with no signed decision
    on it yet awaits the national jury; a bloc whose exam is to come is scheduled. The VAE interview covers every
    bloc of its CQP; those already held show as held."""
    decided = {(decision.exam_id, decision.bloc.code) for decision in decisions}
    codes_of = {certification.pk: [bloc.code for bloc in blocs] for certification, blocs in blocs_of.items()}
    examined = {}
    for exam in exams:
        if exam.status not in (ExamStatus.SCHEDULED, ExamStatus.ABSENT):
            continue  # excused or cancelled: never before the national jury
        kind = SCHEDULED if exam.status == ExamStatus.SCHEDULED and exam.scheduled_at > now else AWAITING
        codes = [exam.bloc.code] if exam.bloc_id else codes_of.get(exam.session.certification_id, [])
        for code in codes:
            if (exam.pk, code) not in decided:
                examined.setdefault((kind, code), exam)
    return examined


def _convocation(exam, candidate) -> Convocation:
    """What the candidate's convocation mail says of the exam (`candidates.convocations.mail_context`)."""
    context = convocations.mail_context(exam, convocations.Convened("candidate", candidate))
    return Convocation(
        exam, context["starts"], context["ends"], context["duration"], context["what"], context["is_vae"]
    )
