"""candidates/rules.py on its own: a representative is accepted exactly when the texts allow it."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from candidates import rules

BRANCHES = ["maladie", "famille", "retraite", "recouvrement"]
EXAM_DAY = datetime.date(2025, 6, 10)


@st.composite
def situations(draw):
    people = list(range(1, 8))
    representative_id = draw(st.sampled_from(people))
    representative = rules.Member(
        id=representative_id,
        name="R",
        role=rules.REPRESENTATIVE,
        organisation_id=draw(st.integers(1, 3)),
        branch=draw(st.sampled_from(BRANCHES)),
        trained_on=datetime.date(2024, 1, 1),
    )
    candidate = rules.CandidateLinks(
        organisation_id=draw(st.integers(1, 3)),
        branch=draw(st.sampled_from(BRANCHES)),
        hierarchy_ids=draw(st.frozensets(st.sampled_from(people), max_size=3)),
        tutor_id=draw(st.none() | st.sampled_from(people)),
        trainer_ids=draw(st.frozensets(st.sampled_from(people), max_size=3)),
    )
    return representative, candidate


@given(situations())
def test_representative_accepted_iff_same_branch_other_organisation_and_no_link(situation):
    representative, candidate = situation
    allowed = (
        representative.branch == candidate.branch
        and representative.organisation_id != candidate.organisation_id
        and representative.id not in candidate.hierarchy_ids
        and representative.id != candidate.tutor_id
        and representative.id not in candidate.trainer_ids
    )
    assert (rules.representative_problems(representative, candidate) == []) == allowed


@given(situations(), st.none() | st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 1, 1)))
def test_jury_needs_both_members_trained_strictly_before_the_exam(situation, trained_on):
    representative, candidate = situation
    president = rules.Member(99, "P", rules.PRESIDENT, 100, "interbranche", trained_on)
    problems = rules.jury_problems(president, representative, candidate, EXAM_DAY)
    trained = trained_on is not None and trained_on < EXAM_DAY
    assert any("modalités d'évaluation" in p for p in problems) == (not trained)


def test_bloc_exam_problems():
    gc = ["GRU", "MDR", "GDU"]
    assert rules.bloc_exam_problems("GDU", "GC", gc, {"GRU", "MDR"}) == []
    assert rules.bloc_exam_problems("GRU", "GC", gc, {"GRU"}) == [
        "Le candidat a déjà acquis le bloc GRU : un bloc est acquis définitivement."
    ]
    assert rules.bloc_exam_problems("TD", "GC", gc, set()) == [
        "Le bloc TD ne fait pas partie du CQP GC visé par le candidat."
    ]
