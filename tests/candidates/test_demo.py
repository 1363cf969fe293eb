"""The demo loaded by the quick start: both CQPs, both routes, and a case for each rule."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from candidates import demo
from candidates.models import AcquiredBloc, Candidate, CertificationSession, Exam, Person
from referentials.models import Bloc

TODAY = datetime.date(2026, 11, 25)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(shipped_referential):
    demo.load_demo(today=TODAY)


def run_setup_demo():
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    return out.getvalue()


def counts():
    return (Candidate.objects.count(), CertificationSession.objects.count(), Exam.objects.count())


def test_setup_demo_is_refused_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("setup_demo")
    assert counts() == (0, 0, 0)


def test_setup_demo_loads_once_and_says_how_to_log_in(db, settings):
    settings.DEBUG = True
    first = run_setup_demo()
    assert "Données de démonstration créées." in first
    assert "gestionnaire" in first and "« demo-cqp-ucanss »" in first
    assert counts() == (6, 3, 8)
    assert "Données de démonstration déjà présentes : rien d'ajouté." in run_setup_demo()
    assert counts() == (6, 3, 8)


def test_demo_covers_both_cqps_and_both_routes(demo_world):
    assert set(Candidate.objects.values_list("certification__code", "route")) == {
        ("GC", "training"),
        ("GC", "vae"),
        ("COS", "training"),
        ("COS", "vae"),
    }
    sessions = CertificationSession.objects.values_list("certification__code", flat=True)
    assert sorted(sessions) == ["COS", "GC", "GC"]
    assert sorted(Exam.objects.values_list("kind", flat=True)) == sorted(
        ["observation"] * 3 + ["oral_presentation"] * 3 + ["observation", "vae_interview"]
    )


def test_the_demo_passes_its_own_rules_again(demo_world):
    for exam in Exam.objects.all():
        exam.full_clean()
    for candidate in Candidate.objects.all():
        candidate.full_clean()


def person(last_name):
    return Person.objects.get(last_name=last_name)


def demo_exam(candidate_last_name, bloc_code, representative="Bernard", president="Dumas", days_ahead=20):
    candidate = Candidate.objects.get(last_name=candidate_last_name)
    session = CertificationSession.objects.filter(certification=candidate.certification).latest("starts_on")
    bloc = Bloc.objects.get(version=candidate.certification.version, code=bloc_code) if bloc_code else None
    return Exam(
        session=session,
        candidate=candidate,
        bloc=bloc,
        scheduled_at=datetime.datetime(2026, 11, 25, 9, tzinfo=datetime.UTC) + datetime.timedelta(days=days_ahead),
        video_link="https://visio.demo.invalid/essai",
        president=person(president),
        representative=person(representative),
    )


# The README's walkthrough: each try is refused in the admin with exactly this message.
WALKTHROUGH = [
    (
        {"candidate_last_name": "Martin", "bloc_code": "GDU", "representative": "Girard"},
        "Le représentant métier Thomas Girard est intervenu dans la formation du candidat.",
    ),
    (
        {"candidate_last_name": "Martin", "bloc_code": "GDU", "representative": "Roux"},
        "Le représentant métier Nadia Roux a un lien hiérarchique avec le candidat.",
    ),
    (
        {"candidate_last_name": "Fontaine", "bloc_code": "GDU", "president": "Mercier"},
        "Hélène Mercier n'a pas suivi la formation aux modalités d'évaluation.",
    ),
    (
        {"candidate_last_name": "Fontaine", "bloc_code": "GDU", "representative": "Moreau"},
        "Le représentant métier Julien Moreau doit être de la même branche que le candidat.",
    ),
    (
        {"candidate_last_name": "Robert", "bloc_code": "POS", "representative": "Haddad"},
        "Le bloc POS ne peut pas être évalué : les compétences C12, C13, C14 n'ont aucun critère d'évaluation. "
        "Un administrateur doit ajouter leurs critères au référentiel 2020.",
    ),
    (
        {"candidate_last_name": "Diallo", "bloc_code": "GRU", "representative": "Moreau"},
        "Le candidat a déjà acquis le bloc GRU : un bloc est acquis définitivement.",
    ),
    (
        {"candidate_last_name": "Perrin", "bloc_code": None, "representative": "Moreau"},
        "Le livret 2 du candidat doit être reçu avant de programmer l'entretien VAE.",
    ),
    (
        {"candidate_last_name": "Martin", "bloc_code": "POS", "representative": "Bernard"},
        "Le bloc POS ne fait pas partie du CQP GC visé par le candidat.",
    ),
]


@pytest.mark.parametrize(
    ("exam", "message"),
    WALKTHROUGH,
    ids=[f"{exam['candidate_last_name']}-{exam['bloc_code']}" for exam, _ in WALKTHROUGH],
)
def test_demo_walkthrough_each_rule_refuses(demo_world, exam, message):
    with pytest.raises(ValidationError) as error:
        demo_exam(**exam).full_clean()
    assert message in error.value.messages


def test_demo_shared_blocs_count_for_the_cos(demo_world):
    amina = Candidate.objects.with_progress().get(last_name="Diallo")
    assert (amina.blocs_acquired, amina.bloc_total) == (2, 4)
    assert set(AcquiredBloc.objects.values_list("bloc__code", flat=True)) == {"GRU", "MDR"}


def test_demo_accounts_reach_what_their_role_allows(client, demo_world):
    for username, status in [("admin", 200), ("gestionnaire", 200), ("president", 302), ("jpn", 302)]:
        client.login(username=username, password=demo.PASSWORD)
        assert client.get("/admin/candidates/candidate/").status_code == status, username
        client.logout()


def test_the_demo_holds_signed_spring_grids_and_an_open_deliberation(db, settings):
    from evaluations.models import CandidateFile, Deliberation, Grid

    settings.DEBUG = True
    run_setup_demo()
    assert list(Grid.objects.values_list("status", flat=True)) == ["signed"] * 3
    deliberation = Deliberation.objects.get()
    assert (deliberation.status, deliberation.president.username) == ("open", "jpn")
    files = {f.candidate.last_name: f for f in CandidateFile.objects.select_related("candidate")}
    assert (files["Martin"].outcome, files["Fontaine"].outcome, files["Fontaine"].disagreement) == ("ccp", "none", True)
