"""Saving, merging, submitting, signing and freezing grids, as the services do it for every screen."""

import pytest
from django.contrib.auth import get_user_model

from candidates.demo import PASSWORD
from evaluations import selectors, services
from evaluations.models import CriterionMark, Grid, GridEvent, GridStatus, Signature

from .conftest import exam_of

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


def all_validated(exam, **extra):
    state = selectors.grid_layout(exam).empty_state()
    state.update({key: True for key in state if key.startswith("criterion-")})
    state.update({key: "favourable" for key in state if key.startswith("verdict-")})
    state.update(extra)
    return state


def signed_grid(exam):
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    services.submit_grid(exam, user("president"))
    services.sign_grid(exam, user("president"), PASSWORD)
    return services.sign_grid(exam, user("jury.maladie"), PASSWORD)


def test_saving_stores_every_mark_and_records_who_saved(demo_exams):
    exam = exam_of("Martin", "GRU")
    state = all_validated(exam, **{f"opinion-{exam.bloc_id}": "Très bonne maîtrise."})
    result = services.save_grid(exam, user("president"), state, 0)
    assert (result.saved, result.revision) == (True, 1)
    assert CriterionMark.objects.filter(grid__exam=exam, validated=True).count() == 30
    event = GridEvent.objects.get(grid__exam=exam)
    assert (event.action, event.revision, event.user.username) == ("saved", 1, "president")
    assert selectors.grid_state(exam.grid, selectors.grid_layout(exam)) == state


def test_saving_the_same_values_again_writes_nothing(demo_exams):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    result = services.save_grid(exam, user("president"), all_validated(exam), 1)
    assert (result.saved, result.revision, GridEvent.objects.count()) == (False, 1, 1)


def test_edits_of_both_members_from_the_same_revision_are_merged(demo_exams):
    exam = exam_of("Martin", "GRU")
    empty = selectors.grid_layout(exam).empty_state()
    first, second, *_ = [key for key in empty if key.startswith("criterion-")]
    services.save_grid(exam, user("president"), {**empty, first: True}, 0)
    result = services.save_grid(exam, user("jury.maladie"), {**empty, second: False}, 0)
    assert (result.saved, result.revision, result.merged_from.user.username) == (True, 2, "president")
    state = selectors.grid_state(Grid.objects.get(exam=exam), selectors.grid_layout(exam))
    assert (state[first], state[second]) == (True, False)


def test_a_field_both_members_changed_differently_is_a_conflict_and_nothing_is_written(demo_exams):
    exam = exam_of("Martin", "GRU")
    empty = selectors.grid_layout(exam).empty_state()
    first = next(key for key in empty if key.startswith("criterion-"))
    services.save_grid(exam, user("president"), {**empty, first: True}, 0)
    result = services.save_grid(exam, user("jury.maladie"), {**empty, first: False}, 0)
    assert (result.saved, result.conflicts, result.revision) == (False, (first,), 1)
    assert CriterionMark.objects.get(grid__exam=exam, criterion_id=int(first.split("-")[1])).validated is True
    # The member has seen the other's value and confirms their own, from the current revision.
    confirmed = services.save_grid(exam, user("jury.maladie"), result.state, result.revision)
    assert (confirmed.saved, confirmed.revision) == (True, 2)
    assert CriterionMark.objects.get(grid__exam=exam, criterion_id=int(first.split("-")[1])).validated is False


def test_only_the_exams_jury_may_touch_its_grid(demo_exams):
    exam = exam_of("Martin", "GRU")
    with pytest.raises(services.GridError, match="Vous ne faites pas partie du jury de cette épreuve."):
        services.save_grid(exam, user("jury.famille"), all_validated(exam), 0)
    assert not Grid.objects.exists()


def test_an_incomplete_grid_is_not_submitted(demo_exams):
    exam = exam_of("Martin", "GRU")
    state = all_validated(exam)
    state[next(key for key in state if key.startswith("criterion-"))] = None
    services.save_grid(exam, user("president"), state, 0)
    with pytest.raises(services.GridError) as error:
        services.submit_grid(exam, user("president"))
    assert str(error.value) == "La grille est incomplète. GRU : 1 critère n'est pas noté : C1 (1)."
    assert Grid.objects.get(exam=exam).status == GridStatus.DRAFT


def test_a_grid_is_signed_once_by_each_member_with_their_password_then_frozen(demo_exams):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    with pytest.raises(services.GridError, match="La grille doit être soumise avant d'être signée."):
        services.sign_grid(exam, user("president"), PASSWORD)
    services.submit_grid(exam, user("president"))
    with pytest.raises(services.GridError, match="Mot de passe incorrect : la grille n'est pas signée."):
        services.sign_grid(exam, user("president"), "not-the-password")
    grid = services.sign_grid(exam, user("president"), PASSWORD)
    assert grid.status == GridStatus.SUBMITTED
    with pytest.raises(services.GridError, match="Vous avez déjà signé cette grille."):
        services.sign_grid(exam, user("president"), PASSWORD)
    grid = services.sign_grid(exam, user("jury.maladie"), PASSWORD)
    assert grid.status == GridStatus.SIGNED
    digests = set(Signature.objects.filter(grid=grid).values_list("digest", flat=True))
    assert digests == {grid.digest} and len(grid.digest) == 64
    actions = list(GridEvent.objects.filter(grid=grid).values_list("action", "user__username"))
    assert actions == [
        ("saved", "president"),
        ("submitted", "president"),
        ("signed", "president"),
        ("signed", "jury.maladie"),
    ]


@pytest.mark.parametrize(
    "change",
    [
        lambda exam: services.save_grid(exam, user("president"), selectors.grid_layout(exam).empty_state(), 1),
        lambda exam: services.submit_grid(exam, user("president")),
        lambda exam: services.reopen_grid(exam, user("jury.maladie")),
    ],
    ids=["save", "submit", "reopen"],
)
def test_a_signed_grid_refuses_every_change(demo_exams, change):
    exam = exam_of("Martin", "GRU")
    grid = signed_grid(exam)
    marks_before = list(CriterionMark.objects.filter(grid=grid).values_list("criterion_id", "validated"))
    with pytest.raises(services.GridError, match="La grille est signée par les deux membres du jury"):
        change(exam)
    assert list(CriterionMark.objects.filter(grid=grid).values_list("criterion_id", "validated")) == marks_before
    assert Grid.objects.get(pk=grid.pk).status == GridStatus.SIGNED


def test_reopening_a_submitted_grid_withdraws_the_signature_already_given(demo_exams):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    services.submit_grid(exam, user("president"))
    services.sign_grid(exam, user("president"), PASSWORD)
    grid = services.reopen_grid(exam, user("jury.maladie"))
    assert (grid.status, grid.signatures.count()) == (GridStatus.DRAFT, 0)
    assert GridEvent.objects.filter(grid=grid).last().action == "reopened"


def test_the_vae_interview_grades_every_bloc_of_the_cqp_on_one_grid(demo_exams):
    exam = exam_of("Lambert")
    layout = selectors.grid_layout(exam)
    assert [(bloc.code, len(bloc.competences)) for bloc in layout.blocs] == [("GRU", 6), ("MDR", 5), ("GDU", 5)]
    assert not any(bloc.oral_presentation for bloc in layout.blocs)
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    services.submit_grid(exam, user("jury.famille"))
    assert CriterionMark.objects.filter(grid__exam=exam).count() == 73


def test_a_grid_cannot_be_submitted_before_the_exam(shipped_referential):
    from candidates import demo

    demo.load_demo()  # today: the December exams are still to come
    exam = exam_of("Martin", "GDU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    with pytest.raises(services.GridError, match="L'épreuve n'a pas encore commencé"):
        services.submit_grid(exam, user("president"))
