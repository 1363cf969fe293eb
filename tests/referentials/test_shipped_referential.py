"""The shipped referential, loaded into the database, against DOMAIN.md's map of the texts."""

import pytest
from django.core.management import call_command

from referentials.models import Bloc, Certification, Criterion, ExamKind, ReferentialIncomplete

CRITERIA = {
    "GRU": {"C1": 5, "C2": 6, "C3": 6, "C4": 4, "C5": 4, "C6": 5},
    "MDR": {"C7": 6, "C8": 3, "C9": 4, "C10": 4, "C11": 3},
    "GDU": {"C12": 7, "C13": 5, "C14": 4, "C15": 3, "C16": 4},
    "POS": {"C12": 0, "C13": 0, "C14": 0},
    "TD": {"C15": 0, "C16": 0, "C17": 0, "C18": 0},
}


@pytest.mark.django_db
def test_every_competence_has_the_criteria_of_the_texts(shipped_referential):
    for code, competences in CRITERIA.items():
        bloc = Bloc.objects.get(version=shipped_referential, code=code)
        assert {c.code: c.criteria.count() for c in bloc.competences.all()} == competences
        assert [c.code for c in bloc.competences.all()] == list(competences)
    assert Criterion.objects.filter(competence__bloc__version=shipped_referential).count() == 73


@pytest.mark.django_db
def test_both_cqps_share_gru_and_mdr(shipped_referential):
    gc = Certification.objects.get(version=shipped_referential, code="GC")
    cos = Certification.objects.get(version=shipped_referential, code="COS")
    assert (gc.rncp_number, gc.level, cos.rncp_number, cos.level) == ("35729", 5, "35543", 4)
    assert [b.code for b in gc.blocs.order_by("certificationbloc__order")] == ["GRU", "MDR", "GDU"]
    assert [b.code for b in cos.blocs.order_by("certificationbloc__order")] == ["GRU", "MDR", "POS", "TD"]
    shared = set(gc.blocs.all()) & set(cos.blocs.all())
    assert {b.code for b in shared} == {"GRU", "MDR"}
    # GC: 16 competences (the booklet says 17, its tables list 16); COS: 18.
    assert sum(b.competences.count() for b in gc.blocs.all()) == 16
    assert sum(b.competences.count() for b in cos.blocs.all()) == 18


@pytest.mark.django_db
def test_evaluation_modalities_are_data_of_the_version(shipped_referential):
    blocs = {b.code: b for b in Bloc.objects.filter(version=shipped_referential)}
    assert blocs["MDR"].exam_kind == ExamKind.ORAL_PRESENTATION
    assert blocs["MDR"].min_competences_covered == 2
    assert (blocs["MDR"].observed_minutes, blocs["MDR"].interview_minutes) == (15, 15)
    assert {code for code, bloc in blocs.items() if bloc.exam_kind == ExamKind.OBSERVATION} == {
        "GRU",
        "GDU",
        "POS",
        "TD",
    }
    assert all(bloc.remote_allowed for bloc in blocs.values())
    assert blocs["GDU"].observed_minutes + blocs["GDU"].interview_minutes == 90
    assert Certification.objects.get(version=shipped_referential, code="GC").vae_interview_minutes == 45


@pytest.mark.django_db
def test_pos_and_td_report_themselves_incomplete(shipped_referential):
    for code, missing in (("POS", "C12, C13, C14"), ("TD", "C15, C16, C17, C18")):
        bloc = Bloc.objects.get(version=shipped_referential, code=code)
        with pytest.raises(ReferentialIncomplete) as error:
            bloc.check_evaluable()
        assert f"les compétences {missing} n'ont aucun critère" in error.value.messages[0]
    for code in ("GRU", "MDR", "GDU"):
        assert Bloc.objects.get(version=shipped_referential, code=code).is_evaluable()


@pytest.mark.django_db
def test_c16_keeps_the_doubt_about_its_repeated_criteria(shipped_referential):
    c16 = Bloc.objects.get(version=shipped_referential, code="GDU").competences.get(code="C16")
    c15 = Bloc.objects.get(version=shipped_referential, code="GDU").competences.get(code="C15")
    c15_texts = [c.text for c in c15.criteria.all()]
    c16_texts = [c.text for c in c16.criteria.all()]
    assert [t.replace("’", "'") for t in c16_texts[:3]] == [t.replace("’", "'") for t in c15_texts]
    assert c16_texts[3].startswith("Actualise régulièrement ses connaissances")
    assert c16.note


@pytest.mark.django_db
def test_loading_the_shipped_referential_again_changes_nothing(shipped_referential, capsys):
    call_command("load_referentials")
    assert "version 2020 déjà à jour, rien n'a changé" in capsys.readouterr().out
