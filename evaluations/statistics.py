"""The figures of the statistics page, each counted by the database in one query.

Only what was signed counts: marks of signed grids, decisions of signed deliberations. A competence
is acquired by the rule of the texts (`rules.threshold`), applied to counts the database returns."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from candidates.models import Branch, Candidate, Route

from . import rules
from .models import BlocDecision, CriterionMark, DeliberationStatus, GridStatus, Ruling

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
            bloc_count=Count("acquired_blocs", filter=Q(acquired_blocs__deliberation__isnull=False), distinct=True),
            cqp_count=Count("cqp_awards", distinct=True),
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


def _decisions(filters):
    return BlocDecision.objects.filter(
        file__deliberation__status=DeliberationStatus.SIGNED, file__candidate__in=candidates(filters).values("pk")
    )


def success_over_time(filters):
    """Per month of deliberation: blocs decided, and validated."""
    rows = (
        _decisions(filters)
        .annotate(month=TruncMonth("file__deliberation__held_on"))
        .values("month")
        .annotate(total=Count("pk"), validated=Count("pk", filter=Q(decision=Ruling.VALIDATED)))
        .order_by("month")
    )
    return [Rate(row["month"].strftime("%m/%Y"), row["total"], row["validated"]) for row in rows]


def bloc_rates(filters):
    rows = (
        _decisions(filters)
        .values("bloc__code")
        .annotate(total=Count("pk"), validated=Count("pk", filter=Q(decision=Ruling.VALIDATED)))
        .order_by("bloc__code")
    )
    return [Rate(row["bloc__code"], row["total"], row["validated"]) for row in rows]


def _marks(filters):
    return CriterionMark.objects.filter(
        grid__status=GridStatus.SIGNED, grid__exam__candidate__in=candidates(filters).values("pk")
    )


def criterion_rates(filters):
    """Each criterion, least validated first: what candidates miss most."""
    rows = (
        _marks(filters)
        .values(
            "criterion__competence__bloc__code",
            "criterion__competence__code",
            "criterion__order",
            "criterion__text",
        )
        .annotate(total=Count("pk"), validated=Count("pk", filter=Q(validated=True)))
    )
    rates = [
        (
            Rate(
                f"{row['criterion__competence__bloc__code']} {row['criterion__competence__code']}."
                f"{row['criterion__order']} — {row['criterion__text']}",
                row["total"],
                row["validated"],
            )
        )
        for row in rows
    ]
    return sorted(rates, key=lambda rate: (rate.rate, rate.label))


def competence_rates(filters):
    """Each competence: in how many signed grids it was acquired, by the rule applied to the marks."""
    rows = (
        _marks(filters)
        .values("grid_id", "criterion__competence__bloc__code", "criterion__competence__code")
        .annotate(total=Count("pk"), validated=Count("pk", filter=Q(validated=True)))
    )
    assessed, acquired = {}, {}
    for row in rows:
        key = f"{row['criterion__competence__bloc__code']} {row['criterion__competence__code']}"
        assessed[key] = assessed.get(key, 0) + 1
        acquired[key] = acquired.get(key, 0) + (row["validated"] >= rules.threshold(row["total"]))
    return sorted(
        (Rate(key, assessed[key], acquired[key]) for key in assessed),
        key=lambda rate: (rate.label.split()[0], int(rate.label.split()[1][1:])),
    )
