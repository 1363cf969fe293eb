"""What the jury screens read: one function per screen, with a fixed number of queries."""

import dataclasses
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from candidates.models import (
    AcquiredBloc,
    Candidate,
    CandidateDocument,
    CompetenceAttestation,
    CqpAward,
    DocumentKind,
    Exam,
    ExamEvent,
    ExamStatus,
    Person,
)
from referentials.models import CertificationBloc, Competence, ExamKind

from . import grids, rules
from .models import (
    Appeal,
    BlocAssessment,
    BlocDecision,
    CandidateFile,
    College,
    CriterionMark,
    Deliberation,
    DeliberationStatus,
    FileOutcome,
    Grid,
    GridEvent,
    GridStatus,
    Opinion,
    Ruling,
    Signature,
)


def jury_exams(user):
    """The exams of this jury member, with what the list shows, in date order."""
    people = list(Person.objects.filter(user=user).values_list("pk", flat=True)) if user.is_authenticated else []
    return (
        Exam.objects.for_jury_people(people)
        .for_listing()
        .select_related("grid", "session__certification__version")
        .prefetch_related(Prefetch("grid__signatures", queryset=Signature.objects.select_related("member")))
        .order_by("scheduled_at")
    )


@dataclass
class ExamLists:
    today: list
    upcoming: list
    to_grade: list
    to_sign: list
    signed: object  # a Paginator page of the signed grids, latest first


SIGNED_PER_PAGE = 20


def jury_home(user, today: datetime.date | None = None, signed_page=1) -> ExamLists:
    """A jury member's exams, sorted for their home page (an exam may appear in two lists). The
    signed grids, which only grow, come a page at a time: the page reads a fixed number of rows."""
    today = today or timezone.localdate()
    exams = jury_exams(user)
    signed = Paginator(exams.filter(grid__status=GridStatus.SIGNED).order_by("-scheduled_at", "-pk"), SIGNED_PER_PAGE)
    lists = ExamLists([], [], [], [], signed.get_page(signed_page))
    for exam in exams.exclude(grid__status=GridStatus.SIGNED):
        grid = getattr(exam, "grid", None)
        status = grid.status if grid else GridStatus.DRAFT
        day = timezone.localdate(exam.scheduled_at)
        if exam.is_closed:  # absent, excused, cancelled: shown on its day, then no grid is awaited
            if day == today:
                lists.today.append(exam)
            continue
        if day == today:
            lists.today.append(exam)
        elif day > today:
            lists.upcoming.append(exam)
        if status == GridStatus.SUBMITTED:
            if not any(signature.member.user_id == user.pk for signature in grid.signatures.all()):
                lists.to_sign.append(exam)
        elif day < today:
            lists.to_grade.append(exam)
    return lists


def exam_for_grid(user, pk):
    """The exam, if this user sits on its jury (else Exam.DoesNotExist), with what the grid shows."""
    return (
        Exam.objects.for_jury_member(user)
        .for_listing()
        .select_related("session__certification__version", "candidate__certification", "candidate__manager")
        .select_related("candidate__tutor", "president__user", "representative__user")
        .get(pk=pk)
    )


def bloc_layouts(blocs, oral_presentation=False) -> list[grids.BlocLayout]:
    """The layouts of these blocs, in their order, read in two queries whatever their size."""
    competences = Competence.objects.filter(bloc__in=blocs).prefetch_related("criteria").order_by("bloc_id", "order")
    by_bloc = {}
    for competence in competences:
        by_bloc.setdefault(competence.bloc_id, []).append(
            grids.CompetenceLayout(
                id=competence.pk,
                code=competence.code,
                text=competence.text,
                criteria=tuple(
                    grids.CriterionLayout(id=c.pk, order=c.order, text=c.text) for c in competence.criteria.all()
                ),
            )
        )
    return [
        grids.BlocLayout(
            id=bloc.pk,
            code=bloc.code,
            title=bloc.title,
            oral_presentation=oral_presentation,
            minimum_covered=bloc.min_competences_covered,
            competences=tuple(by_bloc.get(bloc.pk, ())),
        )
        for bloc in blocs
    ]


def grid_layout(exam) -> grids.GridLayout:
    """The grid of this exam, from its referential: its blocs, their competences and criteria."""
    return grids.GridLayout(
        tuple(bloc_layouts(exam.examined_blocs(), oral_presentation=exam.kind == ExamKind.ORAL_PRESENTATION))
    )


def grid_state(grid: Grid | None, layout: grids.GridLayout) -> dict:
    """What is stored for this grid, as a state (the empty state when nothing is saved yet)."""
    if grid is None or grid.pk is None:
        return layout.empty_state()
    state = {}
    for mark in grid.marks.all():
        state[f"criterion-{mark.criterion_id}"] = mark.validated
    for assessment in grid.competence_assessments.all():
        state[f"comment-{assessment.competence_id}"] = assessment.comment
        state[f"presented-{assessment.competence_id}"] = assessment.presented
        state[f"discussed-{assessment.competence_id}"] = assessment.discussed
    for assessment in grid.bloc_assessments.all():
        state[f"verdict-{assessment.bloc_id}"] = assessment.verdict
        state[f"opinion-{assessment.bloc_id}"] = assessment.opinion
        state[f"recommendations-{assessment.bloc_id}"] = assessment.recommendations
    return layout.normalise(state)


def state_at(grid: Grid | None, revision: int, layout: grids.GridLayout) -> dict | None:
    """The state a grid had at `revision` (0: empty), from its trail; None if unknown."""
    if revision == 0:
        return layout.empty_state()
    if grid is None:
        return None
    event = grid.events.filter(revision=revision, action="saved").only("state").first()
    return layout.normalise(event.state) if event else None


@dataclass
class GridPage:
    exam: Exam
    grid: Grid | None
    layout: grids.GridLayout
    state: dict
    attestations: dict  # competence id -> CompetenceAttestation
    signatures: list
    last_event: GridEvent | None
    previous_attempts: list = dataclasses.field(default_factory=list)  # PreviousAttempt, oldest first

    @property
    def status(self):
        return self.grid.status if self.grid else GridStatus.DRAFT

    @property
    def revision(self):
        return self.grid.revision if self.grid else 0

    @property
    def validated_keys(self):
        return {key for key, value in self.state.items() if value is True}

    @property
    def comments(self):
        return [
            (int(key.split("-")[1]), value) for key, value in self.state.items() if key.startswith("comment-") and value
        ]

    @property
    def events(self):
        return list(self.grid.events.all()) if self.grid else []  # prefetched, oldest first


@dataclass(frozen=True)
class PreviousAttempt:
    """A bloc of this exam that a signed deliberation did not validate before it: the jury of a re-sit reads
    the outcome and the recommendations (préconisations) both juries wrote then for the candidate."""

    bloc_code: str
    bloc_title: str
    held_on: datetime.date
    deliberation: str
    reason: str
    professional_recommendations: str
    national_recommendations: str


def previous_attempts(exams, examined) -> dict:
    """Per exam, its blocs (`examined`: exam id -> its blocs) not validated by a deliberation signed before
    the exam's date (one query for all the exams)."""
    professional = BlocAssessment.objects.filter(grid=OuterRef("grid"), bloc=OuterRef("bloc")).values(
        "recommendations"
    )[:1]
    decisions = (
        BlocDecision.objects.filter(
            file__candidate_id__in={exam.candidate_id for exam in exams},
            file__deliberation__status=DeliberationStatus.SIGNED,
            decision=Ruling.NOT_VALIDATED,
        )
        .annotate(professional=Subquery(professional))
        .select_related("bloc", "file__deliberation")
        .order_by("file__deliberation__held_on", "pk")
    )
    by_candidate = {}
    for decision in decisions:
        by_candidate.setdefault(decision.file.candidate_id, []).append(decision)
    attempts = {}
    for exam in exams:
        exam_day = timezone.localdate(exam.scheduled_at)
        blocs = {bloc.pk for bloc in examined[exam.pk]}
        attempts[exam.pk] = [
            PreviousAttempt(
                bloc_code=decision.bloc.code,
                bloc_title=decision.bloc.title,
                held_on=decision.file.deliberation.held_on,
                deliberation=decision.file.deliberation.title,
                reason=decision.justification or decision.computed_reason,
                professional_recommendations=(decision.professional or "").strip(),
                national_recommendations=decision.recommendations.strip(),
            )
            for decision in by_candidate.get(exam.candidate_id, [])
            if decision.bloc_id in blocs and decision.file.deliberation.held_on < exam_day
        ]
    return attempts


def livret2_of(exam):
    """The livret 2 the jury of a VAE interview reads: the latest the candidate deposited; None for a bloc's exam
    or when none is deposited (one query, for the interview only)."""
    if exam.bloc_id is not None:
        return None
    return CandidateDocument.objects.filter(candidate=exam.candidate_id, kind=DocumentKind.LIVRET2).first()


def grid_page(exam) -> GridPage:
    return grid_pages([exam])[0]


def grid_pages(exams) -> list[GridPage]:
    """The grid of each exam with what its page shows, in a fixed number of queries whatever the
    number of exams (a candidate's file shows all of theirs)."""
    grids_of = {
        grid.exam_id: grid
        for grid in Grid.objects.filter(exam__in=exams).prefetch_related(
            "marks",
            "competence_assessments",
            "bloc_assessments",
            Prefetch("signatures", queryset=Signature.objects.select_related("member")),
            Prefetch("events", queryset=GridEvent.objects.select_related("user").defer("state").order_by("at", "pk")),
        )
    }
    examined = {exam.pk: exam.examined_blocs() for exam in exams}
    blocs = {bloc.pk: bloc for exam_blocs in examined.values() for bloc in exam_blocs}
    layouts = {layout.id: layout for layout in bloc_layouts(list(blocs.values()))}
    competence_ids = [competence.id for layout in layouts.values() for competence in layout.competences]
    attestations = {}
    # Who attested online, joined: the grid names them, « carnet papier » when an administrator typed it.
    for attestation in CompetenceAttestation.objects.filter(
        candidate__in={exam.candidate_id for exam in exams}, competence_id__in=competence_ids
    ).select_related("tutor_attested_by", "manager_attested_by"):
        attestations.setdefault(attestation.candidate_id, {})[attestation.competence_id] = attestation
    attempts = previous_attempts(exams, examined)
    pages = []
    for exam in exams:
        oral = exam.kind == ExamKind.ORAL_PRESENTATION
        layout = grids.GridLayout(
            tuple(dataclasses.replace(layouts[bloc.pk], oral_presentation=oral) for bloc in examined[exam.pk])
        )
        grid = grids_of.get(exam.pk)
        events = list(grid.events.all()) if grid else []
        pages.append(
            GridPage(
                exam,
                grid,
                layout,
                grid_state(grid, layout),
                attestations.get(exam.candidate_id, {}),
                list(grid.signatures.all()) if grid else [],
                events[-1] if events else None,
                attempts[exam.pk],
            )
        )
    return pages


# The national joint jury ------------------------------------------------------------------------


def member_deliberations(user):
    """The deliberations this member of the national joint jury sits on, as their list shows them."""
    return Deliberation.objects.for_member(user).select_related("president").prefetch_related("sessions__certification")


def member_deliberation(user, pk):
    """A deliberation this member sits on (else Deliberation.DoesNotExist): no other is theirs to see."""
    return Deliberation.objects.for_member(user).select_related("president").get(pk=pk)


@dataclass
class Readiness:
    ready: list  # candidates whose exams in the sessions all have signed grids, or their candidate absent
    missing: list  # (candidate, [exams whose grid is not signed yet])
    exams: dict  # candidate id -> their exams still to deliberate
    already_in: set  # candidate ids with a file in this deliberation


def _exams_to_deliberate(deliberation):
    """The exams of the deliberation's sessions that no deliberation has decided yet: those held or to be
    held, and the absences. An excused or cancelled exam never comes before the national jury, nor holds a
    file back (issue 16)."""
    return Exam.objects.filter(session__in=deliberation.sessions.all()).counting().exclude(decisions__isnull=False)


# An exam is ready for the national jury when its grid is signed, or when its candidate was absent.
READY_EXAM = Q(grid__status=GridStatus.SIGNED) | Q(status=ExamStatus.ABSENT)


def _unsigned(exams):
    """The exams that hold their file back: neither signed nor closed by an absence."""
    return [
        exam
        for exam in exams
        if exam.status != ExamStatus.ABSENT
        and (getattr(exam, "grid", None) is None or exam.grid.status != GridStatus.SIGNED)
    ]


def file_readiness(deliberation) -> Readiness:
    """Which files of the deliberation's sessions can be put before it, and which are still missing."""
    exams = (
        _exams_to_deliberate(deliberation)
        .select_related("candidate", "grid", "bloc")
        .order_by("candidate__last_name", "candidate__first_name", "candidate_id", "scheduled_at")
    )
    by_candidate, candidates = {}, {}
    for exam in exams:
        by_candidate.setdefault(exam.candidate_id, []).append(exam)
        candidates[exam.candidate_id] = exam.candidate
    readiness = Readiness([], [], by_candidate, set(deliberation.files.values_list("candidate_id", flat=True)))
    for candidate_id, candidate_exams in by_candidate.items():
        unsigned = _unsigned(candidate_exams)
        if unsigned:
            readiness.missing.append((candidates[candidate_id], unsigned))
        else:
            readiness.ready.append(candidates[candidate_id])
    for candidate in cqp_completions():
        if candidate.pk not in by_candidate:
            readiness.exams[candidate.pk] = []
            readiness.ready.append(candidate)
    return readiness


def cqp_completions() -> list:
    """The candidates whose CQP only awaits the national jury, with no exam to take: they hold every bloc of
    it (through either CQP), have validated both trainings, and neither hold it nor have a file in an open
    deliberation, nor an exam awaiting its decision. Booklet 003: « le CQP est délivré [...] lorsque tous les
    blocs sont validés et que les formations Pass et Prem's ont été suivies et validées » — a training
    validated after the last bloc, or a bloc acquired through the other CQP, completes it without a new
    exam. Any open deliberation may award it (three queries, whatever the number of candidates)."""
    codes = certification_bloc_codes()
    fewest = min((len(blocs) for blocs in codes.values()), default=0)
    if not fewest:
        return []
    awaiting = Exam.objects.awaiting_decision().filter(candidate=OuterRef("pk"))
    candidates = list(
        Candidate.objects.filter(pass_validated_on__isnull=False, premss_validated_on__isnull=False)
        .exclude(
            Exists(
                CqpAward.objects.in_force().filter(candidate=OuterRef("pk"), certification=OuterRef("certification"))
            )
        )
        .exclude(files__deliberation__status=DeliberationStatus.OPEN)
        .exclude(Exists(awaiting))
        .annotate(
            held=Count("acquired_blocs__bloc__code", filter=Q(acquired_blocs__withdrawn_on__isnull=True), distinct=True)
        )
        .filter(held__gte=fewest)
        .order_by("last_name", "first_name", "pk")
    )
    held = held_bloc_codes([candidate.pk for candidate in candidates])
    return [
        candidate
        for candidate in candidates
        if not rules.blocs_to_take(codes.get(candidate.certification_id, []), held[candidate.pk])
    ]


@dataclass
class ReadinessSummary:
    ready: int  # files that can be put before the deliberation now
    missing: int  # candidates with an exam whose grid is not signed yet
    first_missing: list  # (candidate, [their exams not signed]) for the first MISSING_SHOWN, by name
    appeals: int = 0  # appeals received by the deliberation's date, not yet before a deliberation


MISSING_SHOWN = 20


def readiness_summary(deliberation) -> ReadinessSummary:
    """What the deliberation page says of its sessions' files, counted by the database (one query, and
    two more to name the first files missing, if any):
    a session of thousands of exams is never read whole to show it."""
    per_candidate = (
        _exams_to_deliberate(deliberation)
        .values("candidate_id")
        .annotate(
            total=Count("pk"),
            signed=Count("pk", filter=READY_EXAM),
            in_file=Exists(deliberation.files.filter(candidate=OuterRef("candidate_id"))),
        )
    )
    sql, params = per_candidate.query.sql_with_params()
    with connection.cursor() as cursor:  # both counts over the grouped exams in one pass
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE signed = total AND NOT in_file), COUNT(*) FILTER (WHERE signed <> total) "
            f"FROM ({sql}) AS per_candidate",
            params,
        )
        ready, missing_count = cursor.fetchone()
    missing = per_candidate.exclude(signed=F("total"))
    first = Candidate.objects.filter(pk__in=missing.values("candidate_id")).order_by("last_name", "first_name", "pk")
    first_missing = {candidate.pk: (candidate, []) for candidate in first[:MISSING_SHOWN]} if missing_count else {}
    exams = (
        _exams_to_deliberate(deliberation)
        .filter(candidate_id__in=list(first_missing))
        .select_related("grid", "bloc")
        .order_by("scheduled_at")
    )
    for exam in exams:
        first_missing[exam.candidate_id][1].append(exam)
    first_missing = [(candidate, _unsigned(listed)) for candidate, listed in first_missing.values()]
    return ReadinessSummary(
        ready + len(cqp_completions()), missing_count, first_missing, pending_appeals(deliberation).count()
    )


def graded_blocs(signed_grids) -> dict:
    """Per grid, each bloc it graded: (bloc, decision by the rules, opinion, comment, recommendations)."""
    assessments = list(BlocAssessment.objects.filter(grid__in=signed_grids).select_related("bloc").order_by("pk"))
    blocs = list({assessment.bloc_id: assessment.bloc for assessment in assessments}.values())
    layouts = {layout.id: layout for layout in bloc_layouts(blocs)}
    states = {}
    for grid_id, criterion_id, validated in CriterionMark.objects.filter(grid__in=signed_grids).values_list(
        "grid_id", "criterion_id", "validated"
    ):
        states.setdefault(grid_id, {})[f"criterion-{criterion_id}"] = validated
    graded = {grid.pk: [] for grid in signed_grids}
    for assessment in assessments:
        layout = grids.GridLayout((layouts[assessment.bloc_id],))
        decision = grids.decide(layout, states.get(assessment.grid_id, {})).blocs[assessment.bloc_id]
        graded[assessment.grid_id].append(
            (assessment.bloc, decision, assessment.verdict, assessment.opinion, assessment.recommendations)
        )
    return graded


def missed_blocs(exams, held) -> list:
    """(exam, bloc) for each bloc of these exams their candidates missed: the exam's bloc, or every bloc of the
    candidate's CQP not `held` (codes per candidate) for the VAE interview, read in one query if there is one."""
    blocs_of = {}
    if any(exam.bloc_id is None for exam in exams):
        for link in CertificationBloc.objects.select_related("bloc").order_by("certification_id", "order"):
            blocs_of.setdefault(link.certification_id, []).append(link.bloc)
    missed = []
    for exam in exams:
        if exam.bloc_id:
            missed.append((exam, exam.bloc))
        else:
            certification_blocs = blocs_of.get(exam.candidate.certification_id, [])
            missed.extend((exam, bloc) for bloc in certification_blocs if bloc.code not in held[exam.candidate_id])
    return missed


def pending_appeals(deliberation):
    """The appeals received by the deliberation's date that no deliberation has taken up yet, oldest first."""
    return (
        Appeal.objects.filter(heard_in__isnull=True, received_on__lte=deliberation.held_on)
        .select_related("contested__file__candidate", "contested__bloc", "contested__exam", "contested__grid")
        .order_by("received_on", "pk")
    )


def held_bloc_codes(candidate_ids, excluding_deliberation=None) -> dict:
    """The codes of the blocs each candidate holds (through any CQP), but those of one deliberation."""
    held = {candidate_id: set() for candidate_id in candidate_ids}
    acquired = AcquiredBloc.objects.in_force().filter(candidate_id__in=candidate_ids)
    if excluding_deliberation is not None:
        acquired = acquired.exclude(deliberation=excluding_deliberation)
    for candidate_id, code in acquired.values_list("candidate_id", "bloc__code"):
        held[candidate_id].add(code)
    return held


def certification_bloc_codes() -> dict:
    """Each certification's bloc codes, in their order."""
    codes = {}
    for certification_id, code in CertificationBloc.objects.order_by("certification_id", "order").values_list(
        "certification_id", "bloc__code"
    ):
        codes.setdefault(certification_id, []).append(code)
    return codes


@dataclass(frozen=True)
class FileSummary:
    outcome: str
    reason: str
    disagreement: bool
    overridden: bool


OPINION_RULING = {Opinion.FAVOURABLE: Ruling.VALIDATED, Opinion.UNFAVOURABLE: Ruling.NOT_VALIDATED}


def file_outcomes(deliberation, files) -> dict:
    """Each file's outcome by the rules, from its decisions (prefetched as `blocs`, with their bloc)
    and the blocs held before: two queries, whatever the number of files."""
    codes = certification_bloc_codes()
    held = held_bloc_codes([file.candidate_id for file in files], excluding_deliberation=deliberation)
    return {file.pk: file_outcome(file, list(file.blocs.all()), codes, held[file.candidate_id]) for file in files}


def file_outcome(file, decisions, codes, held) -> FileSummary:
    """A file's outcome by the rules: `codes` of each certification's blocs, `held` the codes the
    candidate held before this deliberation."""
    validated = {d.bloc.code for d in decisions if d.decision == Ruling.VALIDATED}
    # A decision on appeal decides again a bloc held or not: what was held of it does not count.
    appealed = {d.bloc.code for d in decisions if d.on_appeal_id}
    result = rules.decide_file(
        codes[file.certification_id],
        set(held) - appealed,
        validated,
        pass_validated=file.pass_validated_on is not None,
        premss_validated=file.premss_validated_on is not None,
    )
    outcome = FileOutcome.CQP if result.cqp_awarded else FileOutcome.CCP if result.new_ccps else FileOutcome.NONE
    return FileSummary(
        outcome,
        result.reason,
        disagreement=any(not d.is_absence and OPINION_RULING.get(d.opinion) != d.computed for d in decisions),
        overridden=any(d.is_override for d in decisions),
    )


@dataclass
class FileRow:
    file: CandidateFile
    blocs: list  # per bloc of the CQP: (code, BlocDecision | None, AcquiredBloc held before | None)


@dataclass
class DeliberationPage:
    deliberation: object
    rows: list
    page: object  # the Paginator page
    totals: dict
    readiness: ReadinessSummary | None  # None once signed


FILES_PER_PAGE = 50


@dataclass(frozen=True)
class Composition:
    """The national joint jury as it sits: its members by college, and what keeps it from signing."""

    colleges: list  # (college label, [DeliberationMember, ...]) for each college, employers first
    free_text: str  # older deliberations: the members as typed before the colleges were, when none is recorded
    problems: list  # French sentences from `rules.composition_problems`; none: the jury may sign


def composition(deliberation) -> Composition:
    """The members present by college, checked against the settings NATIONAL_JURY_MIN_PER_COLLEGE and
    NATIONAL_JURY_PARITY (one query: the deliberation's members)."""
    members = list(deliberation.jury_members.all())
    colleges = [
        (College(college).label, [member for member in members if member.college == college])
        for college in rules.COLLEGES
    ]
    problems = rules.composition_problems(
        [member.college for member in members],
        min_per_college=settings.NATIONAL_JURY_MIN_PER_COLLEGE,
        parity=settings.NATIONAL_JURY_PARITY,
    )
    return Composition(colleges, "" if members else deliberation.members_present, problems)


def deliberation_totals(deliberation) -> dict:
    """How many files, by outcome, with a disagreement or an override: one aggregation."""
    return deliberation.files.aggregate(
        files=Count("pk"),
        cqp=Count("pk", filter=Q(outcome=FileOutcome.CQP)),
        ccp=Count("pk", filter=Q(outcome=FileOutcome.CCP)),
        none=Count("pk", filter=Q(outcome=FileOutcome.NONE)),
        disagreements=Count("pk", filter=Q(disagreement=True)),
        overrides=Count("pk", filter=Q(overridden=True)),
    )


def deliberation_page(deliberation, filters: dict, page_number=1) -> DeliberationPage:
    """The deliberation screen: totals, the files still missing, and one page of files (fixed queries)."""
    totals = deliberation_totals(deliberation)
    files = deliberation.files.all()
    if filters.get("cqp"):
        files = files.filter(certification__code=filters["cqp"])
    if filters.get("session"):
        files = files.filter(blocs__exam__session=filters["session"]).distinct()
    if filters.get("outcome"):
        files = files.filter(outcome=filters["outcome"])
    if filters.get("disagreement"):
        files = files.filter(disagreement=True)
    if filters.get("overridden"):
        files = files.filter(overridden=True)
    files = files.select_related("certification", "candidate__organisation").prefetch_related(
        Prefetch("blocs", queryset=BlocDecision.objects.select_related("bloc"))
    )
    page = Paginator(files.order_by("candidate__last_name", "candidate__first_name", "pk"), FILES_PER_PAGE).get_page(
        page_number
    )
    candidate_ids = [file.candidate_id for file in page]
    held = {}
    for acquired in (
        AcquiredBloc.objects.held_on(deliberation.held_on)
        .filter(candidate_id__in=candidate_ids)
        .exclude(deliberation=deliberation)
        .select_related("bloc")
    ):  # held by the day of the deliberation: a bloc acquired later never shows in a signed record
        held[(acquired.candidate_id, acquired.bloc.code)] = acquired
    codes = certification_bloc_codes()
    rows = []
    for file in page:
        decisions = {decision.bloc.code: decision for decision in file.blocs.all()}
        rows.append(
            FileRow(
                file,
                [
                    (
                        code,
                        decision,
                        None if decision and decision.on_appeal_id else held.get((file.candidate_id, code)),
                    )
                    for code in codes[file.certification_id]
                    for decision in [decisions.get(code)]
                ],
            )
        )
    readiness = None if deliberation.is_signed else readiness_summary(deliberation)
    return DeliberationPage(deliberation, rows, page, totals, readiness)


@dataclass
class FilePage:
    file: CandidateFile
    decisions: list
    grids: list  # GridPage of each exam the file rests on
    held: list  # blocs acquired before this deliberation
    absences: list = dataclasses.field(default_factory=list)  # the exams the candidate missed, with their events


def file_page(file) -> FilePage:
    """A candidate's whole file: the decisions, the signed grids with comments, carnet and history, and the
    exams the candidate missed (who recorded the absence, when)."""
    decisions = list(
        file.blocs.select_related(
            "bloc",
            "exam",
            "decided_by",
            "on_appeal__contested__file__deliberation",
            "appeal__heard_in",
            "appeal__ruling__file",
        )
        .prefetch_related("on_appeal__documents")
        .order_by("pk")
    )
    exam_ids = list(dict.fromkeys(decision.exam_id for decision in decisions))
    exams = (
        Exam.objects.for_listing()
        .select_related("session__certification__version")
        .prefetch_related(Prefetch("events", queryset=ExamEvent.objects.select_related("user")))
        .in_bulk(exam_ids)
    )
    graded = {decision.exam_id for decision in decisions if not decision.is_absence}
    pages = grid_pages([exams[exam_id] for exam_id in exam_ids if exam_id in graded]) if graded else []
    absences = [exams[exam_id] for exam_id in exam_ids if exam_id not in graded]
    held = list(
        AcquiredBloc.objects.held_on(file.deliberation.held_on)
        .filter(candidate=file.candidate_id)
        .exclude(deliberation=file.deliberation_id)
        .select_related("bloc", "deliberation")
    )
    return FilePage(file, decisions, pages, held, absences)
