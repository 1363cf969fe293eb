"""The carnet de suivi online (issue 17): its rules without a database; the tutor's and the manager's attestations
and withdrawals, their events, and the jury reading them on the grid; who follows whom in the companion space;
the manager reading the signed results; the pages' query counts."""

import contextlib
import datetime
import html
import re
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from candidates import demo
from candidates.demo import PASSWORD
from candidates.models import (
    AcquiredBloc,
    AttestationAction,
    AttestationEvent,
    Candidate,
    CompetenceAttestation,
    Organisation,
    Person,
)
from evaluations import services
from referentials.models import Bloc, Competence
from spaces import carnet
from spaces.carnet import MANAGER, TUTOR, AttestationFacts, ExamStart
from tests.candidates.factories import CandidateFactory
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

NOW = timezone.make_aware(datetime.datetime(2025, 11, 20, 10, 0))
TODAY = datetime.date(2025, 11, 20)


# --- The rules, without a database ---------------------------------------------------------------------


def facts(**changes):
    """Emma (7) attests as Léa's tutor; Marc (8) is her manager; her GDU exam is on 1 December."""
    values = {
        "role": TUTOR,
        "person_id": 7,
        "tutor_id": 7,
        "manager_id": 8,
        "bloc": "GDU",
        "exams": (ExamStart(timezone.make_aware(datetime.datetime(2025, 12, 1, 9, 30))),),
        "now": NOW,
        "attested_on": TODAY,
    }
    return AttestationFacts(**{**values, **changes})


def test_the_tutor_attests_as_tutor_and_the_direct_manager_as_manager_only():
    assert carnet.may_attest_as(TUTOR, 7, tutor_id=7, manager_id=8)
    assert carnet.may_attest_as(MANAGER, 8, tutor_id=7, manager_id=8)
    assert not carnet.may_attest_as(MANAGER, 7, tutor_id=7, manager_id=8)
    assert not carnet.may_attest_as(TUTOR, 8, tutor_id=7, manager_id=8)
    assert not carnet.may_attest_as(MANAGER, 9, tutor_id=7, manager_id=8)  # the manager's manager
    assert not carnet.may_attest_as(TUTOR, None, tutor_id=None, manager_id=8)  # an account that is nobody's
    assert carnet.may_attest_as(TUTOR, 7, tutor_id=7, manager_id=7) and carnet.may_attest_as(MANAGER, 7, 7, 7)
    assert carnet.attestation_problems(facts()) == []
    assert carnet.attestation_problems(facts(role=MANAGER)) == [
        "Seul le manager direct du candidat atteste une compétence en tant que manager."
    ]
    assert carnet.attestation_problems(facts(person_id=8)) == [
        "Seul le tuteur du candidat atteste une compétence en tant que tuteur."
    ]
    assert carnet.attestation_problems(facts(role="trainer")) == [
        "Une attestation du carnet de suivi est celle du tuteur ou celle du manager."
    ]


def test_a_bloc_is_frozen_once_its_exam_or_the_vae_interview_has_started():
    start = timezone.make_aware(datetime.datetime(2025, 12, 1, 9, 30))
    exam = ExamStart(start)
    assert carnet.freezing_exam([exam], start - datetime.timedelta(seconds=1)) is None
    assert carnet.freezing_exam([exam], start) == exam
    assert carnet.attestation_problems(facts(now=start)) == [
        "L'épreuve du bloc GDU a commencé le 01/12/2025 à 09:30 : ses attestations restent celles que le jury a lues."
    ]
    interview = ExamStart(start - datetime.timedelta(days=2), vae_interview=True)
    assert carnet.frozen_problems("MDR", [exam, interview], start) == [
        "L'entretien VAE a commencé le 29/11/2025 à 09:30 : les attestations du bloc MDR restent celles que le jury "
        "a lues."
    ]
    # Excused or cancelled, an exam never took place: the candidate is convened again, the carnet stays open.
    assert carnet.freezing_exam([ExamStart(start, withdrawn=True)], start + datetime.timedelta(days=9)) is None
    assert carnet.freezing_exam([], NOW) is None


def test_an_attestation_is_dated_of_a_day_that_has_come():
    assert carnet.date_problems(TODAY, TODAY) == []
    assert carnet.date_problems(TODAY + datetime.timedelta(days=1), TODAY) == [
        "Une attestation ne peut pas être datée du futur."
    ]
    assert carnet.date_problems(None, TODAY) == ["Indiquez la date de l'attestation."]
    # A withdrawal has no date to check; it is refused for the same other reasons.
    assert carnet.attestation_problems(facts(attested_on=None), withdrawal=True) == []
    assert carnet.attestation_problems(facts(attested_on=None, person_id=8), withdrawal=True) == [
        "Seul le tuteur du candidat atteste une compétence en tant que tuteur."
    ]


# --- With the demo world -------------------------------------------------------------------------------


@pytest.fixture
def coming_exams(shipped_referential):
    """The demo world as of today: Léa Martin's GRU and MDR took place in the spring, her GDU is in ten days;
    Hugo Lambert's VAE interview is in twelve days."""
    demo.load_demo()


@contextlib.contextmanager
def travel_to(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def text(response):
    """The page as a reader reads it: no tags, entities decoded, white space collapsed."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def candidate(last_name):
    return Candidate.objects.get(last_name=last_name)


def competence(bloc, code):
    return Competence.objects.get(bloc__version__label="2020", bloc__code=bloc, code=code)


def first_competence(bloc):
    return Competence.objects.filter(bloc__version__label="2020", bloc__code=bloc).order_by("order").first()


def page_url(who):
    return reverse("spaces:companion_candidate", kwargs={"candidate_pk": who.pk})


def action_url(name, who, what, role):
    return reverse(f"spaces:carnet_{name}", kwargs={"candidate_pk": who.pk, "competence_pk": what.pk, "role": role})


def logged_in(client, username):
    assert client.login(username=username, password=PASSWORD)
    return client


def attestation_of(who, what):
    return CompetenceAttestation.objects.filter(candidate=who, competence=what).first()


def events_of(who, what):
    return list(
        AttestationEvent.objects.filter(attestation__candidate=who, attestation__competence=what)
        .order_by("pk")
        .values_list("role", "action", "attested_on", "comment", "user__username")
    )


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def test_the_tutor_and_the_manager_attest_and_the_jury_reads_who_when_and_what(client, coming_exams):
    lea, gdu = candidate("Martin"), first_competence("GDU")
    response = logged_in(client, "emma.garnier").post(
        action_url("attest", lea, gdu, "tuteur"),
        {
            f"attester-{gdu.pk}-tutor-attested_on": f"{days(-3):%Y-%m-%d}",
            f"attester-{gdu.pk}-tutor-comment": "  Dossiers complexes traités seule.  ",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(lea)}#competence-{gdu.pk}"
    client.logout()
    carnet.attest(lea, gdu, role=MANAGER, attested_on=days(-1), comment="", acting_user=user("marc.petit"))

    attestation = attestation_of(lea, gdu)
    assert (attestation.tutor_attested_on, attestation.tutor_attested_by.username, attestation.tutor_comment) == (
        days(-3),
        "emma.garnier",
        "Dossiers complexes traités seule.",
    )
    assert (attestation.manager_attested_on, attestation.manager_attested_by.username) == (days(-1), "marc.petit")
    assert events_of(lea, gdu) == [
        (TUTOR, AttestationAction.ATTESTED, days(-3), "Dossiers complexes traités seule.", "emma.garnier"),
        (MANAGER, AttestationAction.ATTESTED, days(-1), "", "marc.petit"),
    ]

    # The president opens the grid of Léa's GDU exam, to come: both attestations, named, dated, online.
    grid = text(
        logged_in(client, "president").get(reverse("evaluations:grid", kwargs={"pk": exam_of("Martin", "GDU").pk}))
    )
    assert (
        f"Carnet de suivi : attestée par le tuteur (Emma Garnier, en ligne) le {days(-3):%-d/%m/%Y} : « Dossiers "
        f"complexes traités seule. », par le manager (Marc Petit, en ligne) le {days(-1):%-d/%m/%Y}."
    ) in grid
    assert grid.count("Carnet de suivi : pas d'attestation du tuteur") == 0
    assert (
        grid.count("Carnet : non attesté")
        == Competence.objects.filter(bloc__version__label="2020", bloc__code="GDU").count() - 1
    )


def test_a_paper_carnet_typed_by_an_administrator_says_so_everywhere(client, coming_exams):
    lea, gru = candidate("Martin"), first_competence("GRU")
    attestation = attestation_of(lea, gru)  # the demo's, typed in the admin from the paper carnet
    assert attestation.tutor_attested_by is None and attestation.manager_attested_by is None
    tutor_day, manager_day = attestation.tutor_attested_on, attestation.manager_attested_on
    grid = text(
        logged_in(client, "president").get(reverse("evaluations:grid", kwargs={"pk": exam_of("Martin", "GRU").pk}))
    )
    assert (
        f"Carnet de suivi : attestée par le tuteur (carnet papier) le {tutor_day:%-d/%m/%Y}, par le manager (carnet "
        f"papier) le {manager_day:%-d/%m/%Y}."
    ) in grid
    client.logout()
    page = text(logged_in(client, "emma.garnier").get(page_url(lea)))
    assert f"Tuteur : attestée le {tutor_day:%-d/%m/%Y} (carnet papier)" in page
    assert f"Manager : attestée le {manager_day:%-d/%m/%Y} (carnet papier)" in page


def test_an_attestation_is_withdrawn_before_the_exam_and_frozen_once_it_has_started(coming_exams):
    lea, gdu = candidate("Martin"), first_competence("GDU")
    emma = user("emma.garnier")
    carnet.attest(lea, gdu, role=TUTOR, attested_on=days(-5), comment="Vu en situation.", acting_user=emma)
    with pytest.raises(carnet.CarnetError, match=r"déjà attestée \(le .*\) : retirez l'attestation"):
        carnet.attest(lea, gdu, role=TUTOR, attested_on=days(-2), acting_user=emma)
    carnet.withdraw(lea, gdu, role=TUTOR, acting_user=emma)
    attestation = attestation_of(lea, gdu)
    assert (attestation.tutor_attested_on, attestation.tutor_attested_by, attestation.tutor_comment) == (None, None, "")
    with pytest.raises(carnet.CarnetError, match="Cette compétence n'est pas attestée : il n'y a rien à retirer."):
        carnet.withdraw(lea, gdu, role=TUTOR, acting_user=emma)
    carnet.attest(lea, gdu, role=TUTOR, attested_on=days(-2), acting_user=emma)
    assert events_of(lea, gdu) == [
        (TUTOR, AttestationAction.ATTESTED, days(-5), "Vu en situation.", "emma.garnier"),
        (TUTOR, AttestationAction.WITHDRAWN, days(-5), "", "emma.garnier"),
        (TUTOR, AttestationAction.ATTESTED, days(-2), "", "emma.garnier"),
    ]

    start = exam_of("Martin", "GDU").scheduled_at
    moment = timezone.localtime(start)
    refused = (
        f"L'épreuve du bloc GDU a commencé le {moment:%d/%m/%Y} à {moment:%H:%M} : ses attestations restent celles "
        "que le jury a lues."
    )
    before = (attestation_of(lea, gdu).tutor_attested_on, len(events_of(lea, gdu)))
    with travel_to(start):
        with pytest.raises(carnet.CarnetError) as error:
            carnet.withdraw(lea, gdu, role=TUTOR, acting_user=emma)
        assert str(error.value) == refused
        with pytest.raises(carnet.CarnetError) as error:
            carnet.attest(lea, gdu, role=MANAGER, attested_on=days(-1), acting_user=user("marc.petit"))
        assert str(error.value) == refused
    assert (attestation_of(lea, gdu).tutor_attested_on, len(events_of(lea, gdu))) == before
    assert attestation_of(lea, gdu).manager_attested_on is None


def test_the_vae_interview_freezes_every_bloc_not_held_before_it(coming_exams):
    hugo, luc, mdr = candidate("Lambert"), user("luc.faure"), first_competence("MDR")
    AcquiredBloc.objects.create(
        candidate=hugo,
        bloc=Bloc.objects.get(version__label="2020", code="GRU"),
        acquired_on=days(-100),
        origin="Reprise de l'historique",
    )
    carnet.attest(hugo, mdr, role=MANAGER, attested_on=days(-1), acting_user=luc)
    start = exam_of("Lambert").scheduled_at
    moment = timezone.localtime(start)
    with travel_to(start + datetime.timedelta(hours=1)):
        with pytest.raises(carnet.CarnetError) as error:
            carnet.withdraw(hugo, mdr, role=MANAGER, acting_user=luc)
        assert str(error.value) == (
            f"L'entretien VAE a commencé le {moment:%d/%m/%Y} à {moment:%H:%M} : les attestations du bloc MDR "
            "restent celles que le jury a lues."
        )
        # GRU, held before the interview, was not examined by it.
        carnet.attest(hugo, first_competence("GRU"), role=MANAGER, attested_on=days(-1), acting_user=luc)
    assert [event[:2] for event in events_of(hugo, mdr) + events_of(hugo, first_competence("GRU"))] == [
        (MANAGER, AttestationAction.ATTESTED),
        (MANAGER, AttestationAction.ATTESTED),
    ]


def test_a_bloc_examined_in_the_spring_refuses_both_changes_and_says_why_on_the_page(client, coming_exams):
    lea, gru, gdu = candidate("Martin"), first_competence("GRU"), first_competence("GDU")
    moment = timezone.localtime(exam_of("Martin", "GRU").scheduled_at)
    refused = (
        f"L'épreuve du bloc GRU a commencé le {moment:%d/%m/%Y} à {moment:%H:%M} : ses attestations restent celles "
        "que le jury a lues."
    )
    before = list(CompetenceAttestation.objects.order_by("pk").values())
    with pytest.raises(carnet.CarnetError, match=re.escape(refused)):
        carnet.withdraw(lea, gru, role=TUTOR, acting_user=user("emma.garnier"))
    client = logged_in(client, "emma.garnier")
    response = client.post(action_url("withdraw", lea, gru, "tuteur"))
    assert response.status_code == 302
    page = text(client.get(response["Location"]))
    assert refused in page  # the message, once redirected
    response = client.post(
        action_url("attest", lea, gru, "tuteur"), {f"attester-{gru.pk}-tutor-attested_on": f"{days(-1):%Y-%m-%d}"}
    )
    assert response.status_code == 400
    assert text(response).count(refused) == 2  # the message, and the bloc's own note
    assert list(CompetenceAttestation.objects.order_by("pk").values()) == before
    assert not AttestationEvent.objects.exists()

    page = text(client.get(page_url(lea)))
    assert page.count(refused) == 1  # said once, on the bloc
    assert page.count("Retirer mon attestation") == 0  # GRU and MDR frozen; GDU has nothing attested yet
    gdu_count = Competence.objects.filter(bloc__version__label="2020", bloc__code="GDU").count()
    assert page.count("Attester en tant que tuteur") == gdu_count
    assert "Attester en tant que manager" not in page  # Emma attests as Léa's tutor only
    # A date to come, refused by the rule, the form kept with what was typed.
    response = client.post(
        action_url("attest", lea, gdu, "tuteur"),
        {f"attester-{gdu.pk}-tutor-attested_on": f"{days(1):%Y-%m-%d}", f"attester-{gdu.pk}-tutor-comment": "Bien."},
    )
    assert response.status_code == 400
    assert "Une attestation ne peut pas être datée du futur." in text(response)
    assert "Bien.</textarea>" in response.content.decode()
    assert attestation_of(lea, gdu) is None


def test_the_manager_of_managers_sees_the_indirect_reports_only_and_attests_for_nobody(client, coming_exams):
    lea, hugo, gdu = candidate("Martin"), candidate("Lambert"), first_competence("GDU")
    client = logged_in(client, "nadia.roux")
    home = text(client.get(reverse("spaces:companion_home")))
    assert "Chloé Fontaine manager de Marc Petit" in home and "Léa Martin manager de Marc Petit" in home
    assert "Hugo Lambert" not in home and "Yanis Robert" not in home
    page = client.get(page_url(lea))
    assert page.status_code == 200
    assert "Vous suivez ce carnet : seuls le tuteur et le manager direct du candidat y attestent" in text(page)
    assert "Attester en tant que" not in text(page)
    assert client.get(page_url(hugo)).status_code == 404
    response = client.post(
        action_url("attest", lea, gdu, "manager"), {f"attester-{gdu.pk}-manager-attested_on": f"{days(-1):%Y-%m-%d}"}
    )
    assert response.status_code == 400
    assert "Seul le manager direct du candidat atteste une compétence en tant que manager." in text(response)
    assert attestation_of(lea, gdu) is None

    client.logout()
    client = logged_in(client, "luc.faure")
    assert client.get(page_url(lea)).status_code == 404
    assert client.post(action_url("withdraw", lea, first_competence("GRU"), "manager")).status_code == 404
    assert "Hugo Lambert manager" in text(client.get(reverse("spaces:companion_home")))


def test_a_tutor_attests_as_tutor_only_and_on_their_candidates_competences_only(client, coming_exams):
    lea, hugo, gdu = candidate("Martin"), candidate("Lambert"), first_competence("GDU")
    with pytest.raises(carnet.CarnetError, match="Seul le manager direct du candidat atteste"):
        carnet.attest(lea, gdu, role=MANAGER, attested_on=days(-1), acting_user=user("emma.garnier"))
    with pytest.raises(carnet.CarnetError, match="Cette compétence n'appartient pas au CQP visé par le candidat."):
        carnet.attest(lea, first_competence("POS"), role=TUTOR, attested_on=days(-1), acting_user=user("emma.garnier"))
    client = logged_in(client, "emma.garnier")
    data = {f"attester-{gdu.pk}-tutor-attested_on": f"{days(-1):%Y-%m-%d}"}
    assert client.post(action_url("attest", hugo, gdu, "tuteur"), data).status_code == 404  # not hers
    assert client.post(action_url("attest", lea, first_competence("POS"), "tuteur"), data).status_code == 404
    assert client.post(action_url("attest", lea, gdu, "formateur"), data).status_code == 404
    assert client.get(action_url("attest", lea, gdu, "tuteur")).status_code == 405
    response = client.post(
        action_url("attest", lea, gdu, "manager"), {f"attester-{gdu.pk}-manager-attested_on": f"{days(-1):%Y-%m-%d}"}
    )
    assert response.status_code == 400
    assert "Seul le manager direct du candidat atteste une compétence en tant que manager." in text(response)
    assert not AttestationEvent.objects.exists()


def test_the_companion_pages_answer_nobody_else(client, coming_exams):
    lea = candidate("Martin")
    assert client.get(page_url(lea)).status_code == 302  # to the login page
    for username in ("president", "jpn", "gestionnaire", "lea.martin"):
        logged_in(client, username)
        assert client.get(reverse("spaces:companion_home")).status_code == 404, username
        assert client.get(page_url(lea)).status_code == 404, username
        client.logout()


# --- The results, for the manager ----------------------------------------------------------------------


@pytest.fixture
def spring(demo_exams):
    """The spring GC session graded and before the national jury: Léa validated on GRU and MDR, Chloé not on
    GRU, with the professional jury's recommendations."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(
        exam_of("Fontaine", "GRU"),
        validated=False,
        verdict="unfavourable",
        recommendations="Consolider la relation de service en situation de travail.",
    )
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    return deliberation


RESULTS = "Résultats signés par le jury paritaire national"


def results_seen(client, username, who):
    logged_in(client, username)
    page = text(client.get(page_url(who)))
    client.logout()
    return page.partition(RESULTS)[2].partition("Carnet de suivi des compétences")[0] if RESULTS in page else None


def test_the_manager_reads_the_signed_results_when_the_organisation_sends_them(client, spring):
    chloe = candidate("Fontaine")
    paris = Organisation.objects.get(name="CPAM de Paris")
    paris.send_results_to_manager = True
    paris.save()
    assert results_seen(client, "marc.petit", chloe) == (  # not signed yet
        " Vous les lisez en tant que manager : CPAM de Paris transmet les résultats de ses salariés à leur manager. "
        "Aucune délibération signée sur ses blocs pour l'instant. "
    )
    services.sign_deliberation(spring, user("jpn"), PASSWORD)
    assert results_seen(client, "marc.petit", chloe) == (
        " Vous les lisez en tant que manager : CPAM de Paris transmet les résultats de ses salariés à leur manager. "
        f"{spring.title} — {spring.held_on:%-d/%m/%Y} "
        "Bloc GRU — Gestion de la relation usagers de la Sécurité sociale : non validé "
        "Préconisations du jury professionnel : Consolider la relation de service en situation de travail. "
    )
    assert "Bloc GRU — Gestion de la relation usagers de la Sécurité sociale : validé" in results_seen(
        client, "marc.petit", candidate("Martin")
    )
    assert results_seen(client, "emma.garnier", chloe) is None  # never the tutor
    assert results_seen(client, "nadia.roux", chloe) is None  # the copy goes to the direct manager only

    paris.send_results_to_manager = False
    paris.save()
    assert results_seen(client, "marc.petit", chloe) is None


def test_before_the_signature_no_page_of_a_tutor_or_manager_tells_a_result(client, spring):
    """Whatever the organisation's setting: the grids are signed, the files before the national jury, and no page
    of the tutor, the manager or the manager above says a decision, an opinion or a recommendation."""
    Organisation.objects.filter(name="CPAM de Paris").update(send_results_to_manager=True)
    told = [
        "Consolider la relation de service",  # the professional jury's recommendation on Chloé's GRU
        "Préconisations",
        "validé",  # « validé » and « non validé »
        "favorable",  # the jury's opinion, « favorable » and « défavorable »
        "Accueil et argumentaire",  # and its comments
    ]
    for username in ("emma.garnier", "marc.petit", "nadia.roux"):
        logged_in(client, username)
        pages = {"list": text(client.get(reverse("spaces:companion_home")))}
        for who in (candidate("Fontaine"), candidate("Martin")):
            response = client.get(page_url(who))
            assert (response.status_code, who.last_name.upper() in text(response).upper()) == (200, True), username
            pages[who.last_name] = text(response)
        client.logout()
        assert {name: [word for word in told if word in page] for name, page in pages.items()} == {
            name: [] for name in pages
        }, username


# --- The number of queries -----------------------------------------------------------------------------


def more_followed(count):
    """`count` more GC candidates of the CPAM de Paris, tutored by Emma and managed by Marc, each with a carnet
    half attested."""
    emma, marc = Person.objects.get(last_name="Garnier"), Person.objects.get(last_name="Petit")
    lea = candidate("Martin")
    gdu = list(Competence.objects.filter(bloc__version__label="2020", bloc__code="GDU"))
    for _ in range(count):
        other = CandidateFactory(
            organisation=lea.organisation, certification=lea.certification, tutor=emma, manager=marc
        )
        CompetenceAttestation.objects.bulk_create(
            CompetenceAttestation(candidate=other, competence=what, tutor_attested_on=days(-3)) for what in gdu[::2]
        )


@pytest.mark.parametrize(("username", "queries"), [("emma.garnier", 6), ("marc.petit", 6), ("nadia.roux", 7)])
def test_the_list_makes_the_same_queries_whatever_the_number_of_candidates(
    client, coming_exams, django_assert_num_queries, username, queries
):
    # The session and the user; the person; one per level of the hierarchy below them; whether they follow
    # anyone; the list with its counts.
    logged_in(client, username)
    with django_assert_num_queries(queries):
        assert client.get(reverse("spaces:companion_home")).status_code == 200
    more_followed(5)
    with django_assert_num_queries(queries):
        response = client.get(reverse("spaces:companion_home"))
    assert text(response).count("Compétences attestées :") == 7


@pytest.mark.parametrize(("username", "queries"), [("emma.garnier", 11), ("marc.petit", 12), ("nadia.roux", 13)])
def test_the_carnet_page_makes_the_same_queries_whatever_the_number_of_competences(
    client, coming_exams, django_assert_num_queries, username, queries
):
    # Access: the session and the user, the person, one per level of the hierarchy below them, whether they
    # follow anyone, the candidate. The page: the blocs, their competences, the attestations, the exams, the blocs
    # held. Marc: the signed results (his organisation sends them). Nadia: the candidate's manager, for « manager
    # de Marc Petit », and a second level below her.
    logged_in(client, username)
    paris = Organisation.objects.get(name="CPAM de Paris")
    paris.send_results_to_manager = True
    paris.save()
    lea, chloe = candidate("Martin"), candidate("Fontaine")
    for who in (lea, chloe):  # a carnet half attested (on paper), and an empty one
        with django_assert_num_queries(queries):
            assert client.get(page_url(who)).status_code == 200
    more_followed(3)
    for what in Competence.objects.filter(bloc__version__label="2020", bloc__code="GDU"):
        carnet.attest(lea, what, role=TUTOR, attested_on=days(-2), acting_user=user("emma.garnier"))
    with django_assert_num_queries(queries):
        assert client.get(page_url(lea)).status_code == 200
