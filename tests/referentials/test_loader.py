"""load_referentials: loads a checked file whole, once, and refuses a malformed one whole."""

import copy
import json

import pytest
from django.core.management import CommandError, call_command

from referentials.loader import check_referential, export_referential
from referentials.models import Bloc, Certification, Competence, Criterion, ReferentialVersion


def referential(label="test-1"):
    return {
        "format": "cqp-referential/1",
        "version": {"label": label, "date": "2024-01-15", "source": "Texte de test"},
        "blocs": [
            {
                "code": "AAA",
                "title": "Bloc A",
                "activity": "Activité A",
                "evaluation": {
                    "exam_kind": "observation",
                    "observed_minutes": 30,
                    "interview_minutes": 20,
                    "remote_allowed": True,
                    "min_competences_covered": None,
                    "description": "Observation",
                },
                "competences": [
                    {"code": "C1", "text": "Compétence 1", "criteria": ["Critère 1", "Critère 2"], "note": ""},
                    {"code": "C2", "text": "Compétence 2", "criteria": ["Critère 3"], "note": "Un doute"},
                ],
            },
            {
                "code": "BBB",
                "title": "Bloc B",
                "activity": "Activité B",
                "evaluation": {
                    "exam_kind": "oral_presentation",
                    "observed_minutes": 15,
                    "interview_minutes": 15,
                    "remote_allowed": False,
                    "min_competences_covered": 2,
                    "description": "",
                },
                "competences": [
                    {"code": "C1", "text": "Compétence B1", "criteria": [], "note": ""},
                    {"code": "C2", "text": "Compétence B2", "criteria": [], "note": ""},
                ],
            },
        ],
        "certifications": [
            {
                "code": "X",
                "title": "CQP X",
                "rncp": "12345",
                "level": 5,
                "vae_interview_minutes": 45,
                "blocs": ["AAA", "BBB"],
            },
            {"code": "Y", "title": "CQP Y", "rncp": "54321", "level": 4, "vae_interview_minutes": 45, "blocs": ["AAA"]},
        ],
    }


@pytest.fixture
def write(tmp_path):
    def write(data, name="ref.json"):
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
        return str(path)

    return write


def counts():
    return tuple(model.objects.count() for model in (ReferentialVersion, Certification, Bloc, Competence, Criterion))


@pytest.mark.django_db
def test_load_creates_the_version_with_everything_it_owns(write, capsys):
    call_command("load_referentials", write(referential()))
    assert counts() == (1, 2, 2, 4, 3)
    assert "version test-1 créée" in capsys.readouterr().out
    version = ReferentialVersion.objects.get()
    x = version.certifications.get(code="X")
    assert [link.bloc.code for link in x.certificationbloc_set.all()] == ["AAA", "BBB"]
    # A bloc shared by two certifications is one record.
    assert Bloc.objects.get(code="AAA").certifications.count() == 2
    c1 = Competence.objects.get(bloc__code="AAA", code="C1")
    assert [c.text for c in c1.criteria.all()] == ["Critère 1", "Critère 2"]


@pytest.mark.django_db
def test_load_twice_changes_nothing(write, capsys, django_assert_num_queries):
    path = write(referential())
    call_command("load_referentials", path)
    before = list(Criterion.objects.values_list("pk", "text"))
    capsys.readouterr()
    # Reading the version back to compare it: one query per table, in a savepoint; no write.
    with django_assert_num_queries(8) as context:
        call_command("load_referentials", path)
    assert not [q for q in context.captured_queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert list(Criterion.objects.values_list("pk", "text")) == before
    assert "version test-1 déjà à jour, rien n'a changé" in capsys.readouterr().out


@pytest.mark.django_db
def test_export_reads_back_as_the_same_referential(write):
    call_command("load_referentials", write(referential()))
    assert export_referential(ReferentialVersion.objects.get()) == check_referential(referential(), source="t")


def broken(change):
    data = referential()
    change(data)
    return data


MALFORMED = [
    (
        broken(lambda d: d["blocs"][0]["competences"][1].pop("text")),
        "ref.json — bloc AAA, compétence C2 : le champ « text » manque",
    ),
    (
        broken(lambda d: d["blocs"][1]["competences"][1].update(code="C1")),
        "ref.json — bloc BBB, compétence C1 : le code C1 est déjà utilisé dans ce bloc",
    ),
    (
        broken(lambda d: d["blocs"][0]["evaluation"].update(observed_minutes="30")),
        "ref.json — bloc AAA, modalités d'évaluation : le champ « observed_minutes » doit être un nombre entier",
    ),
    (
        broken(lambda d: d["blocs"][0]["evaluation"].update(exam_kind="vae_interview")),
        "ref.json — bloc AAA, modalités d'évaluation : type d'épreuve « vae_interview » inconnu "
        "(attendu : observation, oral_presentation)",
    ),
    (
        broken(lambda d: d["blocs"][1]["evaluation"].update(min_competences_covered=3)),
        "ref.json — bloc BBB, modalités d'évaluation : 3 compétences à aborder, mais le bloc n'en a que 2",
    ),
    (
        broken(lambda d: d["certifications"][1]["blocs"].append("ZZZ")),
        "ref.json — certification Y : le bloc « ZZZ » n'est pas défini dans le fichier",
    ),
    (
        broken(lambda d: d["certifications"][0].update(level=9)),
        "ref.json — certification X : le niveau 9 n'existe pas (1 à 8)",
    ),
    (
        broken(lambda d: d["blocs"][0]["competences"][0]["criteria"].append("  ")),
        "ref.json — bloc AAA, compétence C1 : le critère n°3 doit être un texte non vide",
    ),
    (
        broken(lambda d: d["version"].update(date="24/06/2020")),
        "ref.json — version : la date « 24/06/2020 » n'est pas au format AAAA-MM-JJ",
    ),
    (broken(lambda d: d.update(format="autre")), "ref.json : format inconnu : « autre » (attendu : cqp-referential/1)"),
    ('{"format": "cqp-referential/1", ', "ref.json : JSON invalide ligne 1, colonne 33"),
    ([], "ref.json : un objet JSON est attendu"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed_file_is_refused_whole_with_where_and_what(write, data, message):
    with pytest.raises(CommandError) as error:
        call_command("load_referentials", write(data))
    assert str(error.value) == f"Référentiel refusé, rien n'a été écrit. {message}"
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_file_not_in_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(referential(), ensure_ascii=False).encode("latin-1"))
    with pytest.raises(CommandError, match="latin1.json : le fichier n'est pas encodé en UTF-8"):
        call_command("load_referentials", str(path))
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_one_bad_file_among_several_writes_nothing(write):
    good = write(referential("good"), "good.json")
    bad = write(broken(lambda d: d["blocs"][0].pop("title")), "bad.json")
    with pytest.raises(CommandError, match="bad.json — bloc AAA : le champ « title » manque"):
        call_command("load_referentials", good, bad)
    assert counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_a_changed_file_for_an_existing_version_is_refused_unless_replace(write, capsys):
    call_command("load_referentials", write(referential()))
    changed = referential()
    changed["blocs"][1]["competences"][0]["criteria"] = ["Nouveau critère"]
    path = write(changed, "changed.json")
    with pytest.raises(CommandError, match="cette version existe déjà avec un autre contenu"):
        call_command("load_referentials", path)
    assert Criterion.objects.count() == 3

    call_command("load_referentials", path, keep_existing=True)
    assert Criterion.objects.count() == 3
    assert "laissée telle quelle" in capsys.readouterr().out

    call_command("load_referentials", path, replace=True)
    assert Criterion.objects.filter(competence__bloc__code="BBB").get().text == "Nouveau critère"
    assert counts() == (1, 2, 2, 4, 4)


@pytest.mark.django_db
def test_two_versions_live_side_by_side(write):
    second = copy.deepcopy(referential("test-2"))
    call_command("load_referentials", write(referential(), "a.json"), write(second, "b.json"))
    assert counts() == (2, 4, 4, 8, 6)
    assert Bloc.objects.filter(code="AAA").count() == 2


def test_an_exported_referential_loads_back_unchanged(shipped_referential, tmp_path):
    import io
    import json

    from django.core.management import call_command

    path = tmp_path / "referentiel.json"
    call_command("export_referential", "2020", output=path, stdout=io.StringIO())
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert sum(len(c["criteria"]) for b in exported["blocs"] for c in b["competences"]) == 73
    out = io.StringIO()
    call_command("load_referentials", str(path), stdout=out)
    assert "déjà à jour" in out.getvalue()
    # Prepared outside as a new version: it loads as one.
    exported["version"]["label"] = "2027"
    path.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    call_command("load_referentials", str(path), stdout=io.StringIO())
    assert export_referential(ReferentialVersion.objects.get(label="2027"))["blocs"] == exported["blocs"]


def test_administrators_export_a_version_from_the_admin(admin_client, shipped_referential):
    from django.urls import reverse

    response = admin_client.post(
        reverse("admin:referentials_referentialversion_changelist"),
        {"action": "export_as_json", "_selected_action": [shipped_referential.pk]},
    )
    assert response["Content-Disposition"] == 'attachment; filename="referentiel-2020.json"'
    assert response.json()["version"]["label"] == "2020"
