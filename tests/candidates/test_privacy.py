"""Personal data: no social-security number anywhere, a candidate's data exported whole, erased on request."""

import json
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from candidates import privacy
from candidates.demo import PASSWORD
from candidates.models import (
    AttestationEvent,
    Candidate,
    CandidateDocument,
    CorrectionRequest,
    DocumentKind,
    Exam,
)
from certificates import services as certificate_services
from evaluations import services
from spaces.documents import upload_document
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


def test_no_field_could_hold_a_social_security_number():
    suspicious = re.compile(r"nir|secu|ssn|insee|social", re.IGNORECASE)
    fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if suspicious.search(field.name)
    ]
    assert fields == []


def test_the_export_holds_everything_on_the_candidate(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    data = privacy.export_candidate(exam_of("Martin", "GRU").candidate)
    assert data["identité"] == {
        "nom": "Martin",
        "prénom": "Léa",
        "date de naissance": "1992-04-17",
        "nom de naissance": "Durand",
        "sexe": "F",
        "code INSEE du lieu de naissance": "75115",
        "commune de naissance": "Paris 15e",
        "pays de naissance": "",
        "courriel": "lea.martin@demo.invalid",
    }
    assert data["emploi"]["manager"] == "Marc Petit" and data["emploi"]["formateurs"] == ["Thomas Girard"]
    assert len(data["carnet de suivi"]) == 11
    assert [exam["bloc"] for exam in data["épreuves"]] == ["GRU", "MDR", "GDU"]
    assert data["épreuves"][0]["grille"] == "Signée par le jury"
    json.dumps(data)  # plain JSON values


def test_erasing_keeps_the_process_and_removes_the_person(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    lea = exam_of("Martin", "GRU").candidate
    privacy.erase_candidate(lea)
    lea.refresh_from_db()
    assert (lea.last_name, lea.first_name, lea.email, lea.job_title, lea.manager, lea.tutor) == (
        f"Effacé {lea.pk}",
        "—",
        "",
        "",
        None,
        None,
    )
    assert (lea.birth_name, lea.sex, lea.birth_place_code, lea.birth_city, lea.birth_country) == ("",) * 5
    assert lea.trainers.count() == lea.attestations.count() == 0
    assert Exam.objects.filter(candidate=lea).count() == 3
    if connection.vendor == "postgresql":
        audit = Candidate.audit_trail.field.model.objects.filter(pgh_obj=lea)
        assert not audit.filter(last_name="Martin").exists() and audit.count() == 1


def test_a_candidate_holding_a_certificate_is_not_erased(demo_exams, signing_certificate):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    certificate_services.number_certificates(services.sign_deliberation(deliberation, user("jpn"), PASSWORD))
    lea = exam_of("Martin", "GRU").candidate
    with pytest.raises(privacy.PrivacyError, match="détient un certificat"):
        privacy.erase_candidate(lea)
    assert Candidate.objects.get(pk=lea.pk).last_name == "Martin"


def test_administrators_export_and_erase_from_the_admin(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    chloe = Candidate.objects.get(last_name="Fontaine")
    url = reverse("admin:candidates_candidate_changelist")
    exported = client.post(url, {"action": "export_personal_data", "_selected_action": [chloe.pk]})
    assert exported["Content-Type"] == "application/json"
    assert json.loads(exported.content)[str(chloe.pk)]["identité"]["nom"] == "Fontaine"
    confirmation = client.post(url, {"action": "erase_personal_data", "_selected_action": [chloe.pk]})
    assert "Oui, effacer" in confirmation.content.decode()
    assert Candidate.objects.get(pk=chloe.pk).last_name == "Fontaine"  # nothing until confirmed
    client.post(url, {"action": "erase_personal_data", "_selected_action": [chloe.pk], "confirm": "yes"})
    assert Candidate.objects.get(pk=chloe.pk).last_name == f"Effacé {chloe.pk}"


def test_erasing_also_removes_the_carnet_s_trail_the_documents_the_requests_and_closes_the_account(
    demo_exams, django_capture_on_commit_callbacks
):
    lea = Candidate.objects.get(last_name="Martin")
    attestation = lea.attestations.first()
    AttestationEvent.objects.create(
        attestation=attestation,
        role="tutor",
        action="attested",
        attested_on=attestation.tutor_attested_on,
        comment="Maîtrise observée au guichet.",
        user=lea.tutor.user,
    )
    document = upload_document(
        lea, kind=DocumentKind.PROOF, uploaded_file=SimpleUploadedFile("preuve.pdf", b"%PDF-1.7"), acting_user=lea.user
    )
    stored = document.file.name
    CorrectionRequest.objects.create(candidate=lea, text="Mon nom d'usage a changé.", asked_by=lea.user)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erase_candidate(lea)
    assert not AttestationEvent.objects.filter(attestation__candidate=lea).exists()
    assert not CandidateDocument.objects.filter(candidate=lea).exists()
    assert not document.file.storage.exists(stored)
    assert not CorrectionRequest.objects.filter(candidate=lea).exists()
    lea.refresh_from_db()
    assert (lea.user.username, lea.user.email, lea.user.is_active, lea.user.has_usable_password()) == (
        f"efface-{lea.pk}",
        "",
        False,
        False,
    )
