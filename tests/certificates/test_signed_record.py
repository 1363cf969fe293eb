"""What was deliberated is what is shown, printed and certified: after the president signs, changing
the candidate's record (target CQP, route, Pass date) changes nothing of the signed deliberation, its
minutes, its exports or the certificates issued afterwards."""

import subprocess

import pytest
from django.urls import reverse

from candidates.models import Candidate, Route
from certificates import services as certificate_services
from certificates.models import Certificate
from evaluations.exports import deliberation_results
from evaluations.models import CandidateFile
from referentials.models import Certification
from tests.evaluations.test_deliberations import user

pytestmark = pytest.mark.django_db


def pdf_text(content):
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


@pytest.fixture
def record_changed(spring):
    """Léa Martin's record, after the signature, says COS, VAE, no Pass."""
    cos = Certification.objects.get(code="COS", version__label="2020")
    Candidate.objects.filter(last_name="Martin").update(certification=cos, route=Route.VAE, pass_validated_on=None)
    return spring


def test_the_file_keeps_what_was_deliberated(record_changed):
    file = CandidateFile.objects.get(deliberation=record_changed, candidate__last_name="Martin")
    assert (file.certification.code, file.route, file.pass_validated_on is not None) == ("GC", Route.TRAINING, True)


def test_the_screens_read_the_signed_file(client, record_changed):
    client.force_login(user("jpn"))
    page = client.get(reverse("evaluations:deliberation", kwargs={"pk": record_changed.pk})).content.decode()
    assert "GC · Formation" in page and "COS · VAE" not in page
    assert ">POS<" not in page and ">TD<" not in page  # the blocs of the CQP COS
    file = CandidateFile.objects.get(deliberation=record_changed, candidate__last_name="Martin")
    page = client.get(
        reverse("evaluations:candidate_file", kwargs={"pk": record_changed.pk, "file_pk": file.pk})
    ).content.decode()
    assert "— CQP GC, formation" in page and 'Pass</dt><dd class="col-7">non validée' not in page


def test_the_minutes_and_the_export_read_the_signed_file(client, record_changed):
    client.force_login(user("jpn"))
    response = client.get(reverse("evaluations:minutes_pdf", kwargs={"pk": record_changed.pk}))
    text = pdf_text(response.getvalue())
    assert "MARTIN Léa" in text and "GC" in text and "COS" not in text
    rows = [row for row in deliberation_results([record_changed]).dict if row["Nom"] == "Martin"]
    assert {(row["CQP"], row["Voie"]) for row in rows} == {("GC", "Formation")}


def test_certificates_issued_afterwards_certify_the_deliberated_cqp(record_changed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate_services.start_issuing(record_changed)
    certificates = Certificate.objects.filter(candidate__last_name="Martin").order_by("number")
    assert [(c.number[:6], c.certification.code) for c in certificates] == [("CCP-GC", "GC"), ("CCP-GC", "GC")]
    with certificates[0].pdf.open("rb") as stored:
        text = pdf_text(stored.read())
    flat = "".join(text.split())
    assert "35729" in flat and "35543" not in flat and "Gestionnaireconseil" in flat
