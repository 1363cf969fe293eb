"""The register of certificate holders for the Caisse des Dépôts, as CSV and as its XML flux, read back."""

import csv
import datetime
import io

import pytest
from defusedxml import ElementTree
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import Candidate
from certificates import register, services
from certificates.models import Certificate

pytestmark = pytest.mark.django_db

NS = {"cpf": register.CDC_NAMESPACE}
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
GC = "Gestionnaire conseil de la Sécurité sociale"


@pytest.fixture
def issued(winter, spring, settings):
    """Léa Martin (born Durand): CCP GRU and MDR in the spring, CCP GDU and the CQP GC in the winter."""
    settings.CDC_CLIENT_ID, settings.CDC_CONTRACT_ID = "03VML243", "MCFCER000209"
    services.number_certificates(spring)
    services.number_certificates(winter)
    return Certificate.objects.all()


@pytest.fixture
def gestionnaire(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    return client


def run_action(client, action, certificates, follow=False):
    return client.post(
        reverse("admin:certificates_certificate_changelist"),
        {"action": action, "_selected_action": [c.pk for c in certificates]},
        follow=follow,
    )


def url(certificate):
    return f"{settings.SITE_URL}/verifier/{certificate.code}/"


def test_the_csv_register_reads_back_one_row_per_certificate(gestionnaire, issued):
    Candidate.objects.filter(last_name="Martin").update(birth_city='=HYPERLINK("http://x")')  # hostile
    response = run_action(gestionnaire, "register_csv", issued)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == register.HEADERS
    year, today = timezone.localdate().year, timezone.localdate().strftime("%d/%m/%Y")
    by_number = {c.number: c for c in issued}
    city = '\'=HYPERLINK("http://x")'
    holder = ["Durand", "Martin", "Léa", "17/04/1992", "F", "75115", city, "", "Formation", today]
    assert rows[1:] == [
        [f"CCP-GC-{year}-000001", "CCP", "GC", GC, "RNCP35729", "5", "GRU",
         "Gestion de la relation usagers de la Sécurité sociale", *holder, url(by_number[f"CCP-GC-{year}-000001"])],
        [f"CCP-GC-{year}-000002", "CCP", "GC", GC, "RNCP35729", "5", "MDR",
         "Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale", *holder,
         url(by_number[f"CCP-GC-{year}-000002"])],
        [f"CCP-GC-{year}-000003", "CCP", "GC", GC, "RNCP35729", "5", "GDU",
         "Gestion des droits de l'utilisateur de la Sécurité sociale", *holder,
         url(by_number[f"CCP-GC-{year}-000003"])],
        [f"CQP-GC-{year}-000001", "CQP", "GC", GC, "RNCP35729", "5", "", "", *holder,
         url(by_number[f"CQP-GC-{year}-000001"])],
    ]  # fmt: skip


def test_the_xml_flux_carries_the_cqp_in_the_published_structure_and_reads_back(gestionnaire, issued):
    response = run_action(gestionnaire, "register_xml", issued)
    assert response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{{{register.CDC_NAMESPACE}}}flux"
    assert [child.tag.split("}")[1] for child in root] == ["idFlux", "horodatage", "emetteur"]
    assert datetime.datetime.fromisoformat(root.findtext("cpf:horodatage", namespaces=NS)).tzinfo is not None
    certifier = root.find("cpf:emetteur/cpf:certificateurs/cpf:certificateur", NS)
    assert root.findtext("cpf:emetteur/cpf:idClient", namespaces=NS) == "03VML243"
    assert (certifier.findtext("cpf:idClient", namespaces=NS), certifier.findtext("cpf:idContrat", namespaces=NS)) == (
        "03VML243",
        "MCFCER000209",
    )
    certifications = certifier.findall("cpf:certifications/cpf:certification", NS)
    assert [(c.findtext("cpf:type", namespaces=NS), c.findtext("cpf:code", namespaces=NS)) for c in certifications] == [
        ("RNCP", "RNCP35729")
    ]
    (passage,) = certifications[0].findall("cpf:passageCertifications/cpf:passageCertification", NS)
    assert [child.tag.split("}")[1] for child in passage] == [
        "idTechnique",
        "obtentionCertification",
        "donneeCertifiee",
        "dateDebutValidite",
        "dateFinValidite",
        "presenceNiveauLangueEuro",
        "presenceNiveauNumeriqueEuro",
        "scoring",
        "mentionValidee",
        "modalitesInscription",
        "identificationTitulaire",
    ]
    text = {child.tag.split("}")[1]: child.text for child in passage}
    assert text["idTechnique"] == f"CQP-GC-{timezone.localdate().year}-000001"
    assert text["dateDebutValidite"] == timezone.localdate().isoformat()
    assert (text["obtentionCertification"], text["donneeCertifiee"]) == ("PAR_ADMISSION", "true")
    assert passage.find("cpf:dateFinValidite", NS).get(NIL) == "true"
    assert passage.findtext("cpf:modalitesInscription/cpf:modaliteAcces", namespaces=NS) == (
        "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION"
    )
    holder = passage.find("cpf:identificationTitulaire/cpf:titulaire", NS)
    assert {child.tag.split("}")[1]: (child.text or "").strip() for child in holder} == {
        "nomNaissance": "Durand",
        "nomUsage": "Martin",
        "prenom1": "Léa",
        "anneeNaissance": "1992",
        "moisNaissance": "04",
        "jourNaissance": "17",
        "sexe": "F",
        "codeCommuneNaissance": "",
        "libelleCommuneNaissance": "Paris 15e",
    }
    assert holder.findtext("cpf:codeCommuneNaissance/cpf:codeInseeNaissance/cpf:codeInsee", namespaces=NS) == "75115"


def test_a_holder_with_one_name_has_no_usage_name_in_the_flux(issued):
    Candidate.objects.filter(last_name="Martin").update(birth_name="")
    data = register.as_cdc_xml(register.entries(issued), "03VML243", "C1", timezone.localtime())
    holder = ElementTree.fromstring(data).find(".//cpf:titulaire", NS)
    assert holder.findtext("cpf:nomNaissance", namespaces=NS) == "Martin"
    assert holder.find("cpf:nomUsage", NS).get(NIL) == "true"


def test_revoked_certificates_leave_the_register(issued, django_assert_num_queries):
    gdu = issued.get(bloc__code="GDU")
    services.revoke(gdu, None, "Erreur de saisie du jury")
    with django_assert_num_queries(1):
        entries = register.entries(Certificate.objects.all())
    assert [entry.bloc_code for entry in entries] == ["GRU", "MDR", ""]


@pytest.mark.parametrize("action", ["register_csv", "register_xml"])
def test_an_incomplete_civil_identity_is_named_and_no_file_is_given(gestionnaire, issued, action):
    Candidate.objects.filter(last_name="Martin").update(sex="", birth_place_code="")
    response = run_action(gestionnaire, action, issued, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert (
        "Le registre ne peut pas être produit : l&#x27;état civil de 1 titulaire est incomplet "
        "(Léa Martin : sexe, code INSEE du lieu de naissance manquant)." in response.content.decode()
    )


def test_the_flux_needs_the_cdc_identifiers_and_a_cqp(gestionnaire, issued, settings):
    response = run_action(gestionnaire, "register_xml", issued.filter(kind="CCP"), follow=True)
    assert "Aucun CQP dans la sélection" in response.content.decode()
    settings.CDC_CLIENT_ID = ""
    response = run_action(gestionnaire, "register_xml", issued, follow=True)
    assert "CDC_CLIENT_ID (8 caractères) et CDC_CONTRACT_ID (1 à 20 caractères)" in response.content.decode()
