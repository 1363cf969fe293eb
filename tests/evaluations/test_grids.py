"""A grid as plain values: decisions through the rules, completeness, three-way merges, digests."""

import pytest

from evaluations import grids

C1 = grids.CompetenceLayout(
    1, "C1", "Accueillir", tuple(grids.CriterionLayout(i, i, f"critère {i}") for i in (1, 2, 3))
)
C2 = grids.CompetenceLayout(2, "C2", "Orienter", tuple(grids.CriterionLayout(i, i, f"critère {i}") for i in (4, 5)))
C3 = grids.CompetenceLayout(3, "C3", "Conclure", (grids.CriterionLayout(6, 1, "critère 6"),))
OBSERVATION = grids.GridLayout((grids.BlocLayout(10, "GRU", "Relation", False, 2, (C1, C2)),))
PRESENTATION = grids.GridLayout((grids.BlocLayout(11, "MDR", "Risques", True, 2, (C1, C2, C3)),))


def marks(**values):
    return {f"criterion-{key.removeprefix('c')}": value for key, value in values.items()}


def test_an_empty_grid_has_every_field_at_its_empty_value():
    assert OBSERVATION.empty_state() == {
        **marks(c1=None, c2=None, c3=None, c4=None, c5=None),
        "comment-1": "",
        "comment-2": "",
        "verdict-10": "",
        "opinion-10": "",
        "recommendations-10": "",
    }
    assert PRESENTATION.empty_state()["presented-3"] is False


def test_normalise_drops_unknown_fields_and_fills_missing_ones():
    state = OBSERVATION.normalise({"criterion-1": True, "criterion-99": True, "status": "signed"})
    assert state["criterion-1"] is True and "criterion-99" not in state and "status" not in state
    assert state["criterion-2"] is None


def test_decisions_come_from_the_rules_for_each_competence_and_the_bloc():
    state = OBSERVATION.normalise(marks(c1=True, c2=True, c3=True, c4=True, c5=False))
    decisions = grids.decide(OBSERVATION, state)
    assert decisions.competences[1].reason == "3 critères validés sur 3, 3 requis : acquise"
    assert decisions.competences[2].reason == "1 critère validé sur 2, 2 requis : non acquise"
    assert decisions.blocs[10].reason == "1 compétence acquise sur 2, 2 requises : bloc non validé"


def test_a_grid_with_unmarked_criteria_cannot_be_submitted():
    state = OBSERVATION.normalise(marks(c1=True, c2=False))
    assert grids.submission_problems(OBSERVATION, state) == [
        "GRU : 3 critères ne sont pas notés : C1 (1), C2 (2).",
        "GRU : donnez l'avis du jury, favorable ou défavorable.",
    ]


def test_an_oral_presentation_covers_two_competences_and_the_exchange_the_rest():
    all_marked = marks(c1=True, c2=True, c3=True, c4=True, c5=True, c6=True)
    state = PRESENTATION.normalise({**all_marked, "presented-1": True, "verdict-11": "favourable"})
    assert grids.submission_problems(PRESENTATION, state) == [
        "MDR : la présentation orale doit couvrir au moins 2 compétences (cochées : 1).",
        "MDR : les compétences C2, C3 ne sont ni couvertes par la présentation ni évaluées lors de l'échange.",
    ]
    state.update({"presented-2": True, "discussed-3": True})
    assert grids.submission_problems(PRESENTATION, state) == []


def test_merge_keeps_what_each_member_changed_alone():
    base = OBSERVATION.empty_state()
    mine = {**base, "criterion-1": True, "comment-1": "clair"}
    theirs = {**base, "criterion-2": False}
    merged = grids.merge(base, mine, theirs)
    assert merged.conflicts == ()
    assert merged.state == {**base, "criterion-1": True, "comment-1": "clair", "criterion-2": False}


def test_merge_reports_fields_both_changed_differently_and_keeps_mine_there():
    base = OBSERVATION.empty_state()
    merged = grids.merge(base, {**base, "criterion-1": True}, {**base, "criterion-1": False, "criterion-2": True})
    assert merged.conflicts == ("criterion-1",)
    assert merged.state["criterion-1"] is True and merged.state["criterion-2"] is True


def test_merge_of_the_same_change_is_no_conflict():
    base = OBSERVATION.empty_state()
    both = {**base, "opinion-10": "Bonne maîtrise."}
    assert grids.merge(base, both, both) == grids.Merge(both, ())


@pytest.mark.parametrize("change", [{"criterion-1": True}, {"comment-1": "x"}])
def test_the_digest_changes_with_any_field_and_not_with_key_order(change):
    state = OBSERVATION.empty_state()
    reordered = dict(reversed(list(state.items())))
    assert grids.digest(7, state) == grids.digest(7, reordered)
    assert grids.digest(7, state) != grids.digest(7, {**state, **change})
    assert grids.digest(7, state) != grids.digest(8, state)
