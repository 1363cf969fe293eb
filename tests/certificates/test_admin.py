"""Administrators issue a signed deliberation's certificates, follow their progress, download the ZIP, revoke."""

import io
import zipfile

import pytest
from django.urls import reverse

from candidates.demo import PASSWORD
from certificates.models import Certificate, IssuingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def gestionnaire(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    return client


def test_issuing_from_the_admin_shows_progress_and_gives_the_zip(
    gestionnaire,
    winter,
    spring,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = gestionnaire.post(
            reverse("admin:evaluations_deliberation_changelist"),
            {"action": "issue_certificates", "_selected_action": [spring.pk]},
        )
    run = IssuingRun.objects.get(deliberation=spring)
    assert response.status_code == 302 and response.url == reverse(
        "admin:certificates_issuingrun_progress", args=[run.pk]
    )
    page = gestionnaire.get(response.url).content.decode()
    assert '<progress id="issuing-progress" max="2" value="2"' in page and "Télécharger l'archive ZIP" in page
    archive = gestionnaire.get(reverse("admin:certificates_issuingrun_archive", args=[run.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
    assert names == [f"CCP-GC-{spring.held_on.year}-00000{n}.pdf" for n in (1, 2)]


def test_an_open_deliberation_is_refused_with_a_message(gestionnaire, demo_exams):
    from tests.evaluations.test_deliberations import SPRING, deliberation_for

    deliberation = deliberation_for(SPRING)
    response = gestionnaire.post(
        reverse("admin:evaluations_deliberation_changelist"),
        {"action": "issue_certificates", "_selected_action": [deliberation.pk]},
        follow=True,
    )
    assert "La délibération doit être signée avant la délivrance des certificats." in response.content.decode()
    assert not Certificate.objects.exists()


def test_revoking_in_the_admin_needs_a_reason_and_deletes_nothing(gestionnaire, spring):
    from certificates import services

    services.number_certificates(spring)
    certificate = Certificate.objects.first()
    url = reverse("admin:certificates_certificate_revoke", args=[certificate.pk])
    assert gestionnaire.post(url, {"reason": ""}).status_code == 200  # the form again, with its error
    gestionnaire.post(url, {"reason": "Fraude constatée."})
    certificate.refresh_from_db()
    assert (certificate.is_revoked, certificate.revocation_reason) == (True, "Fraude constatée.")
    change = reverse("admin:certificates_certificate_change", args=[certificate.pk])
    assert gestionnaire.post(change, {"number": "X"}).status_code == 403
    assert (
        gestionnaire.post(
            reverse("admin:certificates_certificate_delete", args=[certificate.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
