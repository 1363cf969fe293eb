"""What the jury screens read: one function per screen, with a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from candidates.models import CompetenceAttestation, Exam
from referentials.models import Competence, ExamKind

from . import grids
from .models import Grid, GridEvent, GridStatus, Signature


def jury_exams(user):
    """The exams of this jury member, with what the list shows, in date order."""
    return (
        Exam.objects.for_jury_member(user)
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
    signed: list


def jury_home(user, today: datetime.date | None = None) -> ExamLists:
    """A jury member's exams, sorted for their home page (an exam may appear in two lists)."""
    today = today or timezone.localdate()
    lists = ExamLists([], [], [], [], [])
    for exam in jury_exams(user):
        grid = getattr(exam, "grid", None)
        status = grid.status if grid else GridStatus.DRAFT
        day = timezone.localdate(exam.scheduled_at)
        if status == GridStatus.SIGNED:
            lists.signed.append(exam)
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
    lists.signed.reverse()
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


def grid_layout(exam) -> grids.GridLayout:
    """The grid of this exam, from its referential: its blocs, their competences and criteria."""
    blocs = exam.examined_blocs()
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
    return grids.GridLayout(
        tuple(
            grids.BlocLayout(
                id=bloc.pk,
                code=bloc.code,
                title=bloc.title,
                oral_presentation=exam.kind == ExamKind.ORAL_PRESENTATION,
                minimum_covered=bloc.min_competences_covered,
                competences=tuple(by_bloc.get(bloc.pk, ())),
            )
            for bloc in blocs
        )
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

    @property
    def status(self):
        return self.grid.status if self.grid else GridStatus.DRAFT

    @property
    def revision(self):
        return self.grid.revision if self.grid else 0


def grid_page(exam) -> GridPage:
    grid = Grid.objects.filter(exam=exam).first()
    layout = grid_layout(exam)
    competence_ids = [c.id for bloc in layout.blocs for c in bloc.competences]
    attestations = {
        attestation.competence_id: attestation
        for attestation in CompetenceAttestation.objects.filter(
            candidate=exam.candidate_id, competence_id__in=competence_ids
        )
    }
    signatures, last_event = [], None
    if grid:
        signatures = list(grid.signatures.select_related("member"))
        last_event = grid.events.select_related("user").order_by("-at", "-pk").first()
    return GridPage(exam, grid, layout, grid_state(grid, layout), attestations, signatures, last_event)
