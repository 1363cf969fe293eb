"""The national joint jury's composition rule alone: plain values in, French sentences out, no database."""

import pytest

from evaluations.rules import EMPLOYEES, EMPLOYERS, composition_problems


def problems(employers, employees, min_per_college=2, parity=True):
    return composition_problems(
        [EMPLOYERS] * employers + [EMPLOYEES] * employees, min_per_college=min_per_college, parity=parity
    )


def test_two_members_of_each_college_may_sign():
    assert problems(2, 2) == []
    assert problems(3, 3) == []


def test_a_college_short_of_its_minimum_is_named_with_what_it_lacks():
    assert problems(2, 1, parity=False) == ["Collège salariés : 1 membre présent, 2 requis."]
    assert problems(1, 3, min_per_college=3, parity=False) == ["Collège employeurs : 1 membre présent, 3 requis."]


def test_an_empty_jury_misses_both_colleges():
    assert problems(0, 0) == [
        "Collège employeurs : aucun membre présent, 2 requis.",
        "Collège salariés : aucun membre présent, 2 requis.",
    ]


def test_parity_names_the_college_with_fewer_members_and_how_many_it_lacks():
    assert problems(3, 2) == ["Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 3."]
    assert problems(2, 4) == ["Parité : il manque 2 membres au collège employeurs, le collège salariés en compte 4."]


def test_a_college_short_of_its_minimum_and_of_parity_gets_both_sentences():
    assert problems(3, 1) == [
        "Collège salariés : 1 membre présent, 2 requis.",
        "Parité : il manque 2 membres au collège salariés, le collège employeurs en compte 3.",
    ]


def test_without_parity_the_colleges_may_differ():
    assert problems(3, 2, parity=False) == []


def test_with_one_member_per_college_the_smallest_joint_jury_signs():
    assert problems(1, 1, min_per_college=1) == []
    assert problems(1, 0, min_per_college=1, parity=False) == ["Collège salariés : aucun membre présent, 1 requis."]


def test_the_order_of_the_members_does_not_matter():
    assert composition_problems(
        [EMPLOYEES, EMPLOYERS, EMPLOYEES, EMPLOYERS], min_per_college=2, parity=True
    ) == composition_problems([EMPLOYERS, EMPLOYERS, EMPLOYEES, EMPLOYEES], min_per_college=2, parity=True)


def test_a_jury_without_a_college_is_never_joint_whatever_the_settings():
    with pytest.raises(ValueError, match="at least one member of each college"):
        composition_problems([], min_per_college=0, parity=False)


def test_an_unknown_college_is_an_error_not_a_member():
    with pytest.raises(ValueError, match="unknown colleges"):
        composition_problems([EMPLOYERS, EMPLOYEES, "observers"], min_per_college=1, parity=True)
