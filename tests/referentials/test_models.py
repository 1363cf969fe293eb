import pytest

from referentials.models import ReferentialIncomplete

from .factories import make_bloc


@pytest.mark.django_db
def test_bloc_with_criteria_everywhere_is_evaluable():
    bloc = make_bloc(criteria_per_competence=(5, 4))
    bloc.check_evaluable()
    assert bloc.is_evaluable()


@pytest.mark.django_db
def test_bloc_with_competences_lacking_criteria_says_what_to_add():
    bloc = make_bloc(code="POS", criteria_per_competence=(0, 3, 0))
    with pytest.raises(ReferentialIncomplete) as error:
        bloc.check_evaluable()
    assert error.value.messages == [
        f"Le bloc POS ne peut pas être évalué : les compétences C1, C3 n'ont aucun critère d'évaluation. "
        f"Un administrateur doit ajouter leurs critères au référentiel {bloc.version.label}."
    ]
    assert not bloc.is_evaluable()


@pytest.mark.django_db
def test_bloc_with_one_competence_lacking_criteria_uses_the_singular():
    bloc = make_bloc(code="TD", criteria_per_competence=(2, 0))
    with pytest.raises(ReferentialIncomplete) as error:
        bloc.check_evaluable()
    assert error.value.messages[0].startswith(
        "Le bloc TD ne peut pas être évalué : la compétence C2 n'a aucun critère d'évaluation."
    )


@pytest.mark.django_db
def test_bloc_without_competences_is_not_evaluable():
    bloc = make_bloc(code="XX", criteria_per_competence=())
    with pytest.raises(ReferentialIncomplete, match="il n'a aucune compétence"):
        bloc.check_evaluable()


@pytest.mark.django_db
def test_adding_the_missing_criteria_makes_the_bloc_evaluable():
    bloc = make_bloc(criteria_per_competence=(0,))
    competence = bloc.competences.get()
    competence.criteria.create(text="Exemple de critère", order=1)
    assert bloc.is_evaluable()
