"""Each candidate's results, written to the outbox with the deliberation's signature and never before."""

import pytest
from django.db import connection

from candidates.demo import PASSWORD
from candidates.models import Organisation
from evaluations import services
from evaluations.benchmark import add_signed_files
from evaluations.models import Ruling
from outbox.models import Message, MessageStatus

from .conftest import exam_of
from .test_deliberations import SPRING, decision_of, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(demo_exams):
    """The spring GC session deliberated: Léa Martin validated on GRU and MDR, Chloé Fontaine not on GRU,
    with the professional jury's recommendations."""
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


CHLOE = """Bonjour Chloé Fontaine,

Le jury paritaire national s'est réuni le {date} et a délibéré sur votre dossier de candidature au CQP \
Gestionnaire conseil de la Sécurité sociale. Voici ses décisions.

- Bloc GRU « Gestion de la relation usagers de la Sécurité sociale » : non validé.
  {recommendations}

Le CQP Gestionnaire conseil de la Sécurité sociale ne vous est pas délivré à ce jour : 0 bloc acquis sur 3 ; \
blocs manquants : GRU, MDR, GDU ; formation non validée : Prem'ss.

L'équipe Certification CQP — Ucanss
https://certification.example.fr

"""


def sign(deliberation):
    return services.sign_deliberation(deliberation, user("jpn"), PASSWORD)


def results_of(last_name):
    return Message.objects.filter(kind="results", candidate_id=exam_of(last_name, "GRU").candidate_id)


def test_each_candidate_receives_their_results_once_the_deliberation_is_signed(spring):
    sign(spring)
    date = f"{spring.held_on:%d/%m/%Y}"
    (chloe,) = results_of("Fontaine")
    assert (chloe.to, chloe.subject, chloe.status, chloe.topic, chloe.deliberation_id) == (
        "chloe.fontaine@demo.invalid",
        f"Vos résultats — jury paritaire national du {date}",
        MessageStatus.WAITING,
        f"deliberation:{spring.pk}",
        spring.pk,
    )
    recommendations = "Préconisations des jurys : Consolider la relation de service en situation de travail."
    assert chloe.text == CHLOE.format(date=date, recommendations=recommendations)
    (lea,) = results_of("Martin")
    assert lea.to == "lea.martin@demo.invalid"
    for line in [
        "- Bloc GRU « Gestion de la relation usagers de la Sécurité sociale » : validé. Le certificat de "
        "compétences professionnelles (CCP) de ce bloc vous est délivré.",
        "- Bloc MDR « Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale » : "
        "validé. Le certificat de compétences professionnelles (CCP) de ce bloc vous est délivré.",
        "Le CQP Gestionnaire conseil de la Sécurité sociale ne vous est pas délivré à ce jour : 2 blocs acquis "
        "sur 3 ; bloc manquant : GDU ; formations Pass et Prem'ss validées.",
        "Vos certificats vous seront adressés par un prochain message, chacun avec son lien de vérification.",
    ]:
        assert line in lea.text.splitlines(), line
    assert "non validé" not in lea.text and "Préconisations" not in lea.text and "Félicitations" not in lea.text
    # No copy to the manager: the organisation did not ask for it (the jury's notices: test_deliberation_notices).
    assert Message.objects.filter(kind__startswith="results").count() == 2


def test_recommendations_rewritten_by_the_national_jury_are_given_beside_the_professional_jurys(spring):
    decision = decision_of(spring, "Fontaine", "GRU")
    services.decide_bloc(decision, user("jpn"), Ruling.NOT_VALIDATED, "", "Suivre le module « Accueil ».")
    sign(spring)
    (chloe,) = results_of("Fontaine")
    recommendations = (
        "Préconisations du jury professionnel : Consolider la relation de service en situation de travail.\n"
        "  Préconisations du jury paritaire national : Suivre le module « Accueil »."
    )
    assert chloe.text == CHLOE.format(date=f"{spring.held_on:%d/%m/%Y}", recommendations=recommendations)


def test_a_candidate_of_an_unsigned_deliberation_receives_nothing(spring):
    services.decide_bloc(decision_of(spring, "Fontaine", "GRU"), user("jpn"), Ruling.NOT_VALIDATED, "", "Revoir.")
    with pytest.raises(services.DeliberationError, match="Mot de passe incorrect"):
        services.sign_deliberation(spring, user("jpn"), "pas le bon")
    assert not Message.objects.exclude(kind="deliberation_ready").exists()


def test_the_manager_receives_a_copy_only_when_the_organisation_asked_for_it(spring):
    organisation = Organisation.objects.get(name="CPAM de Paris")
    assert organisation.send_results_to_manager is False  # off by default
    organisation.send_results_to_manager = True
    organisation.save()
    sign(spring)
    copies = Message.objects.filter(kind="results_manager").order_by("pk")
    assert [(copy.to, copy.candidate_id) for copy in copies] == [
        ("marc.petit@demo.invalid", exam_of("Fontaine", "GRU").candidate_id),
        ("marc.petit@demo.invalid", exam_of("Martin", "GRU").candidate_id),
    ]
    copy = copies[0]
    assert copy.subject == f"Copie : résultats de Chloé Fontaine — jury paritaire national du {spring.held_on:%d/%m/%Y}"
    assert copy.text.startswith(
        "Bonjour Marc Petit,\n\nVous recevez, en tant que manager, une copie des résultats adressés à Chloé "
        "Fontaine : son organisme, CPAM de Paris, a choisi de transmettre cette copie aux managers.\n\n"
        "--- Copie du message adressé à Chloé Fontaine ---\n\nBonjour Chloé Fontaine,\n"
    )
    assert results_of("Fontaine").count() == 1


@pytest.mark.parametrize("more_files", [1, 40])
def test_signing_queues_the_results_in_the_same_queries_for_3_or_42_files(
    spring, more_files, django_assert_num_queries
):
    """The bulk files' stored outcomes are rewritten by the signature (3 queries, whatever their number): with
    one of them or forty, the same work. 5 of the queries are the results: files, decisions and blocs, the
    professional jury's recommendations, the blocs held before, one INSERT into the outbox (one per 58
    messages on SQLite, whose queries take at most 999 values; one on PostgreSQL); 1 more reads the members
    told of the signature, whose notices go in the same INSERT; 1 reads the jury's composition, checked first."""
    gru = exam_of("Martin", "GRU")
    organisation = Organisation.objects.get(name="CPAM du Rhône")
    add_signed_files(spring, spring.sessions.get(), organisation, gru.president, gru.representative, more_files)
    jpn = user("jpn")
    with django_assert_num_queries(28 if connection.vendor == "postgresql" else 27):  # + SET CONSTRAINTS
        services.sign_deliberation(spring, jpn, PASSWORD)
    assert Message.objects.filter(kind="results", deliberation_id=spring.pk).count() == 2 + more_files
    # The bulk files' candidates have no address: kept as not sendable, and the signature went on.
    assert Message.objects.filter(status=MessageStatus.NOT_SENDABLE).count() == more_files
