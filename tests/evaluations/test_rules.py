"""The certification rules (evaluations/rules.py) against the texts' own words and examples."""

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaluations import rules
from evaluations.rules import Outcome


# DOMAIN.md, "Validation rules": 3→3, 4→4, 5→4, 6→5, 7→6, 10→8, 15→12.
@pytest.mark.parametrize(
    ("total", "required"), [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4), (6, 5), (7, 6), (10, 8), (15, 12), (23, 19)]
)
def test_threshold_is_eighty_percent_rounded_up(total, required):
    assert rules.threshold(total) == required


@pytest.mark.parametrize("total", [0, -1])
def test_threshold_of_nothing_is_an_error_not_a_pass(total):
    with pytest.raises(ValueError):
        rules.threshold(total)


@pytest.mark.parametrize("total", [5.0, "5", True, None])
def test_threshold_takes_only_whole_numbers(total):
    with pytest.raises(TypeError):
        rules.threshold(total)


@given(st.integers(min_value=1, max_value=10**6))
def test_threshold_is_the_smallest_whole_number_not_below_eighty_percent(total):
    required = rules.threshold(total)
    assert Fraction(required, total) >= Fraction(4, 5)
    assert Fraction(required - 1, total) < Fraction(4, 5)
    assert required == (4 * total + 4) // 5


def test_floating_point_would_have_been_wrong_for_other_ratios():
    # Why the rule is computed with fractions (DOMAIN.md): 0.55 * 100 is not 55 in floating point.
    assert math.ceil(0.55 * 100) == 56
    assert math.ceil(Fraction(55, 100) * 100) == 55


def test_competence_with_four_of_five_criteria_is_acquired():
    decision = rules.decide_competence([True, True, True, True, False])
    assert decision.outcome is Outcome.ACQUIRED
    assert (decision.validated, decision.total, decision.required) == (4, 5, 4)
    assert decision.reason == "4 critères validés sur 5, 4 requis : acquise"


def test_competence_with_three_of_five_criteria_is_not_acquired():
    decision = rules.decide_competence([True, False, True, True, False])
    assert decision.outcome is Outcome.NOT_ACQUIRED
    assert decision.reason == "3 critères validés sur 5, 4 requis : non acquise"


def test_competence_of_six_criteria_needs_five():
    assert not rules.decide_competence([True] * 4 + [False] * 2).is_acquired
    assert rules.decide_competence([True] * 5 + [False]).is_acquired


def test_competence_of_three_criteria_needs_all_three():
    decision = rules.decide_competence([True, True, False])
    assert decision.reason == "2 critères validés sur 3, 3 requis : non acquise"


def test_competence_reason_uses_singular_for_zero_and_one():
    assert rules.decide_competence([False, False]).reason == "0 critère validé sur 2, 2 requis : non acquise"
    assert rules.decide_competence([True, False]).reason == "1 critère validé sur 2, 2 requis : non acquise"


def test_competence_without_criteria_is_an_error():
    with pytest.raises(ValueError):
        rules.decide_competence([])


def test_competence_is_pending_while_unmarked_criteria_could_change_it():
    decision = rules.decide_competence([True, True, True, None, None])
    assert decision.outcome is Outcome.PENDING
    assert decision.reason == "3 critères validés sur 5, 4 requis : en attente (2 critères à évaluer)"


def test_competence_is_decided_as_soon_as_the_remaining_marks_cannot_change_it():
    assert rules.decide_competence([True, True, True, True, None]).outcome is Outcome.ACQUIRED
    assert rules.decide_competence([False, False, None, None, None]).outcome is Outcome.NOT_ACQUIRED


def test_bloc_needs_four_of_five_competences():
    decision = rules.decide_bloc([True, True, True, True, False])
    assert decision.outcome is Outcome.ACQUIRED
    assert decision.reason == "4 compétences acquises sur 5, 4 requises : bloc validé"
    assert not rules.decide_bloc([True, True, True, False, False]).is_acquired


def test_bloc_of_six_competences_needs_five():
    # GRU has six competences (C1–C6).
    decision = rules.decide_bloc([True, True, True, True, False, False])
    assert decision.reason == "4 compétences acquises sur 6, 5 requises : bloc non validé"


def test_bloc_without_competences_is_an_error():
    with pytest.raises(ValueError):
        rules.decide_bloc([])


def test_bloc_from_criteria_applies_both_thresholds():
    # MDR: C7 (6 criteria), C8 (3), C9 (4), C10 (4), C11 (3); C8 fails with 2 of 3, the bloc passes 4 of 5.
    decision = rules.decide_bloc_from_criteria(
        [[True] * 5 + [False], [True, True, False], [True] * 4, [True] * 4, [True] * 3]
    )
    assert decision.reason == "4 compétences acquises sur 5, 4 requises : bloc validé"


def test_bloc_is_pending_while_a_competence_is_pending():
    decision = rules.decide_bloc_from_criteria([[True, True, True, None], [True] * 3, [True] * 3])
    assert decision.outcome is Outcome.PENDING


marks = st.lists(st.sampled_from([True, False, None]), min_size=1, max_size=60)


@given(marks)
def test_decision_matches_the_rule_over_the_whole_input_range(criterion_marks):
    decision = rules.decide_competence(criterion_marks)
    validated = criterion_marks.count(True)
    unmarked = criterion_marks.count(None)
    total = len(criterion_marks)
    # The texts' rule, stated with fractions: at least 80% of the criteria validated.
    if Fraction(validated, total) >= Fraction(4, 5):
        assert decision.outcome is Outcome.ACQUIRED
    elif Fraction(validated + unmarked, total) < Fraction(4, 5):
        assert decision.outcome is Outcome.NOT_ACQUIRED
    else:
        assert decision.outcome is Outcome.PENDING
    assert (decision.validated, decision.total) == (validated, total)


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.data())
def test_validating_one_more_criterion_never_loses_a_competence(criterion_marks, data):
    if all(criterion_marks):
        return
    index = data.draw(st.sampled_from([i for i, mark in enumerate(criterion_marks) if not mark]))
    better = list(criterion_marks)
    better[index] = True
    if rules.decide_competence(criterion_marks).is_acquired:
        assert rules.decide_competence(better).is_acquired


@given(st.lists(st.booleans(), min_size=1, max_size=60))
def test_a_complete_grid_is_never_pending(criterion_marks):
    assert rules.decide_competence(criterion_marks).outcome is not Outcome.PENDING
    assert rules.decide_bloc(criterion_marks).outcome is not Outcome.PENDING


GC = ("GRU", "MDR", "GDU")
COS = ("GRU", "MDR", "POS", "TD")


def test_cqp_awarded_with_every_bloc_and_both_trainings():
    decision = rules.decide_cqp(GC, {"GRU", "MDR", "GDU"}, pass_validated=True, premss_validated=True)
    assert decision.awarded
    assert decision.reason == "CQP délivré : 3 blocs acquis sur 3 ; formations Pass et Prem'ss validées"


def test_cqp_refused_without_prem_ss():
    decision = rules.decide_cqp(COS, set(COS), pass_validated=True, premss_validated=False)
    assert not decision.awarded
    assert decision.missing_trainings == ("Prem'ss",)
    assert decision.reason == "CQP non délivré : 4 blocs acquis sur 4 ; formation non validée : Prem'ss"


def test_cqp_refused_with_a_missing_bloc_even_with_trainings():
    decision = rules.decide_cqp(GC, {"GRU", "MDR"}, pass_validated=True, premss_validated=True)
    assert not decision.awarded
    assert decision.missing_blocs == ("GDU",)
    assert decision.reason == (
        "CQP non délivré : 2 blocs acquis sur 3 ; bloc manquant : GDU ; formations Pass et Prem'ss validées"
    )


def test_cqp_reason_names_everything_missing():
    decision = rules.decide_cqp(COS, set(), pass_validated=False, premss_validated=False)
    assert decision.missing_blocs == COS
    assert decision.reason == (
        "CQP non délivré : 0 bloc acquis sur 4 ; blocs manquants : GRU, MDR, POS, TD ; "
        "formations non validées : Pass et Prem'ss"
    )


def test_blocs_acquired_through_cos_count_for_gc():
    # DOMAIN.md: a CCP won for GRU through COS counts toward GC too.
    acquired_through_cos = {"GRU", "MDR"}
    assert rules.blocs_to_take(GC, acquired_through_cos) == ("GDU",)
    decision = rules.decide_cqp(GC, acquired_through_cos | {"GDU"}, pass_validated=True, premss_validated=True)
    assert decision.awarded
    assert decision.acquired_blocs == GC


def test_blocs_of_another_certification_do_not_make_up_for_a_missing_one():
    decision = rules.decide_cqp(GC, {"GRU", "MDR", "POS", "TD"}, pass_validated=True, premss_validated=True)
    assert not decision.awarded
    assert decision.missing_blocs == ("GDU",)


def test_certification_without_blocs_is_an_error():
    with pytest.raises(ValueError):
        rules.decide_cqp((), set(), pass_validated=True, premss_validated=True)


@given(
    st.sets(st.sampled_from(["GRU", "MDR", "GDU", "POS", "TD"])),
    st.booleans(),
    st.booleans(),
    st.sampled_from([GC, COS]),
)
def test_cqp_is_awarded_exactly_when_all_blocs_and_trainings_are_there(acquired, pass_ok, premss_ok, certification):
    decision = rules.decide_cqp(certification, acquired, pass_validated=pass_ok, premss_validated=premss_ok)
    assert decision.awarded == (set(certification) <= acquired and pass_ok and premss_ok)
    assert set(decision.acquired_blocs) | set(decision.missing_blocs) == set(certification)


GC_BLOCS = ("GRU", "MDR", "GDU")


def test_a_file_with_every_bloc_validated_and_both_trainings_gets_the_cqp_and_a_ccp_per_bloc():
    result = rules.decide_file(GC_BLOCS, set(), {"GRU", "MDR", "GDU"}, pass_validated=True, premss_validated=True)
    assert (result.cqp_awarded, result.new_ccps) == (True, ("GRU", "MDR", "GDU"))
    assert result.reason == (
        "CCP délivrés : GRU, MDR, GDU · CQP délivré : 3 blocs acquis sur 3 ; formations Pass et Prem'ss validées"
    )


def test_missing_premss_withholds_the_cqp_but_not_the_ccps():
    result = rules.decide_file(GC_BLOCS, set(), set(GC_BLOCS), pass_validated=True, premss_validated=False)
    assert (result.cqp_awarded, result.new_ccps) == (False, ("GRU", "MDR", "GDU"))
    assert result.reason.endswith("CQP non délivré : 3 blocs acquis sur 3 ; formation non validée : Prem'ss")


def test_blocs_held_through_the_cos_count_for_the_gc_and_give_no_second_ccp():
    result = rules.decide_file(GC_BLOCS, {"GRU", "MDR"}, {"GDU"}, pass_validated=True, premss_validated=True)
    assert (result.cqp_awarded, result.new_ccps) == (True, ("GDU",))


def test_partial_validation_gives_a_ccp_per_validated_bloc():
    result = rules.decide_file(GC_BLOCS, set(), {"GRU"}, pass_validated=True, premss_validated=True)
    assert (result.cqp_awarded, result.new_ccps) == (False, ("GRU",))
    assert result.reason == (
        "CCP délivré : GRU · CQP non délivré : 1 bloc acquis sur 3 ; blocs manquants : MDR, GDU ; "
        "formations Pass et Prem'ss validées"
    )


def test_nothing_validated_gives_nothing_yet():
    result = rules.decide_file(GC_BLOCS, set(), set(), pass_validated=False, premss_validated=False)
    assert (result.cqp_awarded, result.new_ccps) == (False, ())
    assert result.reason.startswith("aucun nouveau bloc validé · CQP non délivré : 0 bloc acquis sur 3")
