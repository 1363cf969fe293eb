"""The figures of the statistics page, each counted by the database in one query.

Only what was signed counts: marks of signed grids, decisions of signed deliberations. A competence
is acquired by the rule of the texts (`rules.threshold`), applied to counts the database returns.

Signed marks and decisions never change, so they are counted once, when signed, into tallies per
criterion, competence or bloc and per the candidate's CQP, branch and route at that moment
(`count_signed_grid`, `count_signed_deliberation`): the page reads a few hundred rows, not every
mark. Filtered on a session (the candidates examined in it), the figures are counted from the marks
and decisions of those candidates only."""

from dataclasses import dataclass

from django.apps import apps as installed_apps
from django.db.models import Case, Count, F, Q, Sum, When
from django.db.models.functions import TruncMonth

from candidates.models import Branch, Candidate, Exam, ExamAction, ExamStatus, Route

from . import rules
from .models import (
    BlocDecision,
    BlocTally,
    CompetenceTally,
    CriterionMark,
    CriterionTally,
    DeliberationStatus,
    GridStatus,
    Ruling,
)

DIMENSIONS = {
    "cqp": ("certification__code", "CQP"),
    "session": ("exams__session__name", "Session"),
    "branche": ("organisation__branch", "Branche"),
    "organisme": ("organisation__name", "Organisme"),
    "voie": ("route", "Voie d'accès"),
}
LABELS = {"organisation__branch": dict(Branch.choices), "route": dict(Route.choices)}


@dataclass(frozen=True)
class Rate:
    label: str
    total: int
    successes: int

    @property
    def rate(self):
        return self.successes / self.total if self.total else 0.0

    @property
    def percent(self):
        return round(100 * self.rate)


def candidates(filters):
    queryset = Candidate.objects.all()
    if filters.get("cqp"):
        queryset = queryset.filter(certification__code=filters["cqp"])
    if filters.get("session"):
        queryset = queryset.filter(exams__session=filters["session"])
    if filters.get("branche"):
        queryset = queryset.filter(organisation__branch=filters["branche"])
    if filters.get("voie"):
        queryset = queryset.filter(route=filters["voie"])
    return queryset.distinct()


def outcomes_by(dimension, filters):
    """Per value of the dimension: candidates, blocs validated by a deliberation, CQP awarded."""
    field = DIMENSIONS[dimension][0]
    rows = (
        Candidate.objects.filter(pk__in=candidates(filters).values("pk"))
        .values(field)
        .annotate(
            candidate_count=Count("pk", distinct=True),
            bloc_count=Count(
                "acquired_blocs",
                filter=Q(acquired_blocs__deliberation__isnull=False, acquired_blocs__withdrawn_on__isnull=True),
                distinct=True,
            ),
            cqp_count=Count("cqp_awards", filter=Q(cqp_awards__withdrawn_on__isnull=True), distinct=True),
        )
        .order_by(field)
    )
    labels = LABELS.get(field, {})
    return [
        {
            "label": str(labels.get(row[field], row[field] or "—")),
            "candidates": row["candidate_count"],
            "blocs": row["bloc_count"],
            "cqp": Rate(str(row[field]), row["candidate_count"], row["cqp_count"]),
        }
        for row in rows
    ]


# What became of the exams (issue 16): held, candidate absent, absence excused, cancelled, postponed. Their
# status changes until the exam is closed, so they are counted live, in one query, not tallied.
EXAM_DIMENSIONS = {
    "cqp": "candidate__certification__code",
    "session": "session__name",
    "branche": "candidate__organisation__branch",
    "organisme": "candidate__organisation__name",
    "voie": "candidate__route",
}
EXAM_LABELS = {"candidate__organisation__branch": dict(Branch.choices), "candidate__route": dict(Route.choices)}


@dataclass(frozen=True)
class ExamOutcomes:
    label: str
    exams: int  # every exam, whatever became of it
    held: int  # its grid signed by both members
    absent: int
    excused: int
    cancelled: int
    postponed: int  # exams postponed at least once (they count above by what became of them since)
    postponements: int  # every postponement, an exam postponed twice counting twice

    @property
    def pending(self):
        """To come, or held and their grid not signed yet."""
        return self.exams - self.held - self.absent - self.excused - self.cancelled


def exam_outcomes(dimension, filters):
    """Per value of the dimension: the exams of the filtered candidates (of the session, when filtered on one)
    by what became of them. One query."""
    field = EXAM_DIMENSIONS[dimension]
    exams = Exam.objects.filter(candidate__in=candidates(filters).values("pk"))
    if filters.get("session"):
        exams = exams.filter(session=filters["session"])
    postponed = Q(events__action=ExamAction.POSTPONED)
    rows = (
        exams.values(field)
        .annotate(
            total=Count("pk", distinct=True),
            held=Count("pk", filter=Q(grid__status=GridStatus.SIGNED), distinct=True),
            absent=Count("pk", filter=Q(status=ExamStatus.ABSENT), distinct=True),
            excused=Count("pk", filter=Q(status=ExamStatus.EXCUSED), distinct=True),
            cancelled=Count("pk", filter=Q(status=ExamStatus.CANCELLED), distinct=True),
            postponed=Count("pk", filter=postponed, distinct=True),
            postponements=Count("events", filter=postponed),
        )
        .order_by(field)
    )
    labels = EXAM_LABELS.get(field, {})
    return [
        ExamOutcomes(
            str(labels.get(row[field], row[field] or "—")),
            row["total"],
            row["held"],
            row["absent"],
            row["excused"],
            row["cancelled"],
            row["postponed"],
            row["postponements"],
        )
        for row in rows
    ]


# Where the figures are read: the tallies, or the signed rows of a session's candidates --------------


def is_tallied(filters):
    """The tallies hold the candidate's CQP, branch and route; a session's candidates are counted from
    their own marks and decisions."""
    return not filters.get("session")


def _tallies(model, filters):
    queryset = model.objects.all()
    if filters.get("cqp"):
        queryset = queryset.filter(certification__code=filters["cqp"])
    if filters.get("branche"):
        queryset = queryset.filter(branch=filters["branche"])
    if filters.get("voie"):
        queryset = queryset.filter(route=filters["voie"])
    return queryset


def _decisions(filters):
    return BlocDecision.objects.filter(
        file__deliberation__status=DeliberationStatus.SIGNED, file__candidate__in=candidates(filters).values("pk")
    )


def _marks(filters):
    return CriterionMark.objects.filter(
        grid__status=GridStatus.SIGNED, grid__exam__candidate__in=candidates(filters).values("pk")
    )


def month_rows(filters, tallied=None):
    """Per month of deliberation: blocs decided (`total`), and validated."""
    if is_tallied(filters) if tallied is None else tallied:
        rows = _tallies(BlocTally, filters).annotate(month=TruncMonth("deliberation__held_on"))
        rows = rows.values("month").annotate(total=Sum("decisions"), validated=Sum("validated"))
    else:
        rows = _decisions(filters).annotate(month=TruncMonth("file__deliberation__held_on")).values("month")
        rows = rows.annotate(total=Count("pk"), validated=Count("pk", filter=Q(decision=Ruling.VALIDATED)))
    return list(rows.order_by("month"))


def bloc_rows(filters, tallied=None):
    """Per bloc: decisions of signed deliberations (`total`), and validated."""
    if is_tallied(filters) if tallied is None else tallied:
        rows = _tallies(BlocTally, filters).values("bloc__code")
        rows = rows.annotate(total=Sum("decisions"), validated=Sum("validated"))
    else:
        rows = _decisions(filters).values("bloc__code")
        rows = rows.annotate(total=Count("pk"), validated=Count("pk", filter=Q(decision=Ruling.VALIDATED)))
    return list(rows.order_by("bloc__code"))


CRITERION = ["criterion__competence__bloc__code", "criterion__competence__code", "criterion__order", "criterion__text"]


def criterion_rows(filters, tallied=None):
    """Per criterion: marks of signed grids (`total`), and validated."""
    if is_tallied(filters) if tallied is None else tallied:
        rows = _tallies(CriterionTally, filters).values(*CRITERION)
        rows = rows.annotate(total=Sum("marks"), validated=Sum("validated"))
    else:
        rows = _marks(filters).values(*CRITERION)
        rows = rows.annotate(total=Count("pk"), validated=Count("pk", filter=Q(validated=True)))
    return sorted(rows, key=lambda row: [row[key] for key in CRITERION])


def competence_rows(filters, tallied=None):
    """Per competence (bloc code, competence code): signed grids assessing it, and acquiring it."""
    if is_tallied(filters) if tallied is None else tallied:
        rows = _tallies(CompetenceTally, filters).values("competence__bloc__code", "competence__code")
        rows = rows.annotate(assessed=Sum("grids"), acquired=Sum("acquired"))
        return sorted(
            (row["competence__bloc__code"], row["competence__code"], row["assessed"], row["acquired"]) for row in rows
        )
    rows = _marks(filters).values("grid_id", "criterion__competence__bloc__code", "criterion__competence__code")
    rows = rows.annotate(total=Count("pk"), validated=Count("pk", filter=Q(validated=True)))
    assessed, acquired = {}, {}
    for row in rows:
        key = (row["criterion__competence__bloc__code"], row["criterion__competence__code"])
        assessed[key] = assessed.get(key, 0) + 1
        acquired[key] = acquired.get(key, 0) + (row["validated"] >= rules.threshold(row["total"]))
    return sorted((*key, assessed[key], acquired[key]) for key in assessed)


# The figures of the page ---------------------------------------------------------------------------


def success_over_time(filters):
    """Per month of deliberation: blocs decided, and validated."""
    return [Rate(row["month"].strftime("%m/%Y"), row["total"], row["validated"]) for row in month_rows(filters)]


def bloc_rates(filters):
    return [Rate(row["bloc__code"], row["total"], row["validated"]) for row in bloc_rows(filters)]


def criterion_rates(filters):
    """Each criterion, least validated first: what candidates miss most."""
    rates = [
        Rate(
            f"{row['criterion__competence__bloc__code']} {row['criterion__competence__code']}."
            f"{row['criterion__order']} — {row['criterion__text']}",
            row["total"],
            row["validated"],
        )
        for row in criterion_rows(filters)
    ]
    return sorted(rates, key=lambda rate: (rate.rate, rate.label))


def competence_rates(filters):
    """Each competence: in how many signed grids it was acquired, by the rule applied to the marks."""
    return sorted(
        (Rate(f"{bloc} {code}", assessed, acquired) for bloc, code, assessed, acquired in competence_rows(filters)),
        key=lambda rate: (rate.label.split()[0], int(rate.label.split()[1][1:])),
    )


# Counting what is signed ---------------------------------------------------------------------------


def _add_to_tallies(model, key_field, key, counted, successes, count_field, success_field):
    """Add 1 to `count_field` of each tally of `counted` ids (created at 0 when missing), and 1 to
    `success_field` of those in `successes`: two statements, whatever the number of rows."""
    model.objects.bulk_create([model(**{key_field: pk}, **key) for pk in counted], ignore_conflicts=True)
    model.objects.filter(**{f"{key_field}__in": counted}, **key).update(
        **{
            count_field: F(count_field) + 1,
            success_field: F(success_field) + Case(When(**{f"{key_field}__in": successes}, then=1), default=0),
        }
    )


def count_signed_grid(grid):
    """Count the marks of a grid just signed (by both members) into the tallies."""
    candidate = Candidate.objects.select_related("organisation").get(exams__grid=grid)
    key = {
        "certification_id": candidate.certification_id,
        "branch": candidate.organisation.branch,
        "route": candidate.route,
    }
    marks = list(grid.marks.values_list("criterion_id", "criterion__competence_id", "validated"))
    per_competence = {}
    for _criterion, competence, validated in marks:
        total, successes = per_competence.get(competence, (0, 0))
        per_competence[competence] = (total + 1, successes + bool(validated))
    _add_to_tallies(
        CriterionTally,
        "criterion_id",
        key,
        [criterion for criterion, _competence, _validated in marks],
        [criterion for criterion, _competence, validated in marks if validated],
        "marks",
        "validated",
    )
    _add_to_tallies(
        CompetenceTally,
        "competence_id",
        key,
        list(per_competence),
        [pk for pk, (total, successes) in per_competence.items() if successes >= rules.threshold(total)],
        "grids",
        "acquired",
    )


def count_signed_deliberation(deliberation):
    """Count the decisions of a deliberation just signed into the tallies."""
    _count_decisions(BlocDecision.objects.filter(file__deliberation=deliberation), BlocTally)


def _tally_key(prefix, facts_prefix=None):
    """The tally's CQP, branch and route: the candidate's, or the CQP and route a file recorded."""
    facts_prefix = facts_prefix or prefix
    return {
        "tally_certification": F(f"{facts_prefix}certification_id"),
        "tally_branch": F(f"{prefix}organisation__branch"),
        "tally_route": F(f"{facts_prefix}route"),
    }


def _tally_of(row):
    return {
        "certification_id": row["tally_certification"],
        "branch": row["tally_branch"],
        "route": row["tally_route"],
    }


def _count_decisions(decisions, tally_model):
    rows = (
        decisions.values("file__deliberation_id", "bloc_id", **_tally_key("file__candidate__", "file__"))
        .annotate(decisions=Count("pk"), validated=Count("pk", filter=Q(decision=Ruling.VALIDATED)))
        .order_by()
    )
    tally_model.objects.bulk_create(
        tally_model(
            deliberation_id=row["file__deliberation_id"],
            bloc_id=row["bloc_id"],
            decisions=row["decisions"],
            validated=row["validated"],
            **_tally_of(row),
        )
        for row in rows
    )


def recount(apps=installed_apps):
    """Count every signed grid and deliberation into the tallies again, from nothing: for the data
    migration that creates them (`apps` its historical models), and after rows written in bulk."""
    mark_model = apps.get_model("evaluations", "CriterionMark")
    decision_model = apps.get_model("evaluations", "BlocDecision")
    criterion_tally = apps.get_model("evaluations", "CriterionTally")
    competence_tally = apps.get_model("evaluations", "CompetenceTally")
    bloc_tally = apps.get_model("evaluations", "BlocTally")
    for model in (criterion_tally, competence_tally, bloc_tally):
        model.objects.all().delete()
    signed_marks = mark_model.objects.filter(grid__status=GridStatus.SIGNED).order_by()
    key = _tally_key("grid__exam__candidate__")
    rows = signed_marks.values("criterion_id", **key).annotate(
        marks=Count("pk"), validated=Count("pk", filter=Q(validated=True))
    )
    criterion_tally.objects.bulk_create(
        (
            criterion_tally(
                criterion_id=row["criterion_id"], marks=row["marks"], validated=row["validated"], **_tally_of(row)
            )
            for row in rows
        ),
        batch_size=1000,
    )
    per_competence = {}
    rows = signed_marks.values("grid_id", "criterion__competence_id", **key).annotate(
        total=Count("pk"), validated=Count("pk", filter=Q(validated=True))
    )
    for row in rows.iterator(chunk_size=5000):
        tally = (row["criterion__competence_id"], row["tally_certification"], row["tally_branch"], row["tally_route"])
        grids, acquired = per_competence.get(tally, (0, 0))
        per_competence[tally] = (grids + 1, acquired + (row["validated"] >= rules.threshold(row["total"])))
    competence_tally.objects.bulk_create(
        (
            competence_tally(
                competence_id=competence,
                certification_id=certification,
                branch=branch,
                route=route,
                grids=grids,
                acquired=acquired,
            )
            for (competence, certification, branch, route), (grids, acquired) in per_competence.items()
        ),
        batch_size=1000,
    )
    _count_decisions(decision_model.objects.filter(file__deliberation__status=DeliberationStatus.SIGNED), bloc_tally)
