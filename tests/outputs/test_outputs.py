"""Long outputs leave the request (issue 14): the minutes, the exports and the candidates' import are made by
the task worker, followed on a progress page that never reloads itself, and handed to whoever asked only."""

import datetime
import logging
import subprocess
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import Candidate, Organisation
from candidates.roles import NATIONAL_JURY
from evaluations import services as evaluation_services
from outputs import services
from outputs.models import KEEP_FOR, Output, OutputStatus
from tests.candidates.test_admin import CSV_HEADER
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

DURAND = "Durand;Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n"


@pytest.fixture
def worker_elsewhere(settings):
    """Tasks queued and left there, as when a worker in another process takes them later."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def spring(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    return deliberation


def pdf_text(data, tmp_path):
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())


def test_the_minutes_are_made_by_the_worker_and_followed_on_a_page_that_never_reloads(
    client, spring, worker_elsewhere, tmp_path
):
    client.force_login(user("jpn"))
    minutes = reverse("evaluations:minutes_pdf", kwargs={"pk": spring.pk})
    response = client.get(minutes)
    output = Output.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("outputs:progress", args=[output.pk])
    assert client.get(minutes)["Location"] == response["Location"]  # asked twice, made once
    page = client.get(response["Location"]).content.decode()
    assert 'role="status" aria-live="polite"' in page and "/static/outputs/progress.js" in page
    assert f'<a href="{response["Location"]}">Actualiser</a>' in page and 'http-equiv="refresh"' not in page
    status = client.get(reverse("outputs:progress_json", args=[output.pk])).json()
    assert (status["status"], status["finished"], status["download_url"]) == ("waiting", False, "")

    services.run_output(output.pk)  # the worker's turn
    status = client.get(reverse("outputs:progress_json", args=[output.pk])).json()
    assert (status["status"], status["done"], status["total"], status["finished"]) == ("done", 1, 1, True)
    download = client.get(status["download_url"])
    assert download["Content-Disposition"] == f'attachment; filename="proces-verbal-{spring.held_on:%Y-%m-%d}.pdf"'
    text = pdf_text(download.getvalue(), tmp_path)
    assert "Procès-verbal de délibération du jury paritaire national" in text and "MARTIN Léa" in text
    assert "Projet : la délibération n'est pas signée." in text


def test_a_signed_deliberations_minutes_are_made_once_for_every_member(client, spring, worker_elsewhere):
    spring = evaluation_services.sign_deliberation(spring, user("jpn"), PASSWORD)
    client.force_login(user("jpn"))
    minutes = reverse("evaluations:minutes_pdf", kwargs={"pk": spring.pk})
    client.get(minutes)
    services.run_output(Output.objects.get().pk)
    other = get_user_model().objects.create_user("jpn.bis", first_name="Paule", last_name="Autre")
    other.groups.add(Group.objects.get(name=NATIONAL_JURY))
    spring.members.add(other)
    client.force_login(other)
    response = client.get(minutes)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    assert response["Content-Disposition"].startswith("inline;")
    assert Output.objects.count() == 1


@pytest.mark.parametrize("account", ["gestionnaire", "president", "jury.famille"])
def test_an_output_is_not_found_for_anyone_but_who_asked(client, spring, account):
    output = services.request_output(
        "minutes", user=user("jpn"), title="Procès-verbal", parameters={"deliberation": spring.pk}
    )
    assert output.status == OutputStatus.DONE
    client.force_login(user(account))
    for name in ("outputs:progress", "outputs:progress_json", "outputs:download"):
        assert client.get(reverse(name, args=[output.pk])).status_code == 404, name


def test_an_unexpected_failure_says_so_in_french_and_logs_no_data(client, spring, worker_elsewhere, caplog):
    client.force_login(user("jpn"))
    client.get(reverse("evaluations:minutes_pdf", kwargs={"pk": spring.pk}))
    output = Output.objects.get()
    with mock.patch("evaluations.exports.minutes_pdf", side_effect=RuntimeError("MARTIN Léa")):
        with caplog.at_level(logging.ERROR, logger="outputs.services"):
            services.run_output(output.pk)
    page = client.get(reverse("outputs:progress", args=[output.pk])).content.decode()
    assert "Erreur inattendue : rien n&#x27;est produit." in page and "Actualiser" not in page
    assert "MARTIN" not in caplog.text and "unexpected RuntimeError" in caplog.text
    assert client.get(reverse("outputs:download", args=[output.pk])).status_code == 404


def test_outputs_are_purged_with_their_files_after_keep_for(spring):
    output = services.request_output(
        "minutes", user=user("jpn"), title="Procès-verbal", parameters={"deliberation": spring.pk}
    )
    name = output.file.name
    assert default_storage.exists(name)
    assert services.purge_expired(now=timezone.now() + KEEP_FOR - datetime.timedelta(minutes=1)) == 0
    assert services.purge_expired(now=timezone.now() + KEEP_FOR + datetime.timedelta(minutes=1)) == 1
    assert not default_storage.exists(name) and not Output.objects.exists()


def admin_import(client, content):
    preview = client.post(
        reverse("admin:candidates_candidate_import"),
        {"import_file": SimpleUploadedFile("candidats.csv", content.encode()), "format": 0, "resource": 0},
    )
    return preview.context["confirm_form"].initial


def test_the_confirmed_import_runs_in_the_background_and_says_what_it_wrote(client, demo_exams, worker_elsewhere):
    client.force_login(user("gestionnaire"))
    confirm = admin_import(client, CSV_HEADER + DURAND)
    before = Candidate.objects.count()
    response = client.post(reverse("admin:candidates_candidate_process_import"), confirm)
    output = Output.objects.get(kind="candidate_import")
    assert response["Location"] == reverse("outputs:progress", args=[output.pk])
    assert Candidate.objects.count() == before  # not in the request
    services.run_output(output.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Import terminé : candidats ajoutés : 1, modifiés : 0, inchangés : 0." in page
    assert Candidate.objects.filter(last_name="Durand").count() == 1
    assert not default_storage.exists(f"django-import-export/{confirm['import_file_name']}")


def test_an_import_that_fails_when_confirmed_writes_nothing_and_names_the_line(client, demo_exams, worker_elsewhere):
    client.force_login(user("gestionnaire"))
    confirm = admin_import(client, CSV_HEADER + DURAND.replace("Durand", "Roux") + DURAND)
    before = Candidate.objects.count()
    client.post(reverse("admin:candidates_candidate_process_import"), confirm)
    Organisation.objects.filter(name="CPAM de Paris").update(name="CPAM de Paris (fermée)")  # meanwhile
    output = services.run_output(Output.objects.get(kind="candidate_import").pk)
    assert output.status == OutputStatus.FAILED
    assert output.error.splitlines() == [
        "Rien n'est importé.",
        "Ligne 2 — Organisme : Organisme « CPAM de Paris » inconnu : créez-le d'abord.",
        "Ligne 3 — Organisme : Organisme « CPAM de Paris » inconnu : créez-le d'abord.",
    ]
    assert Candidate.objects.count() == before


def test_the_candidate_export_is_made_in_the_background(client, demo_exams, worker_elsewhere):
    client.force_login(user("gestionnaire"))
    response = client.post(
        reverse("admin:candidates_candidate_export"),
        {"format": 0, "resource": 0, "candidateresource_last_name": True, "candidateresource_first_name": True},
    )
    output = Output.objects.get(kind="candidate_export")
    assert response["Location"] == reverse("outputs:progress", args=[output.pk])
    services.run_output(output.pk)
    output.refresh_from_db()
    assert (output.done, output.total) == (Candidate.objects.count(), Candidate.objects.count())
    text = client.get(reverse("outputs:download", args=[output.pk])).getvalue().decode("utf-8-sig")
    assert text.splitlines()[0] == "Nom;Prénom" and len(text.splitlines()) == Candidate.objects.count() + 1


def test_an_output_not_finished_has_no_file_to_download(client, spring):
    output = services.request_output(
        "minutes", user=user("jpn"), title="Procès-verbal", parameters={"deliberation": spring.pk}
    )
    Output.objects.filter(pk=output.pk).update(status=OutputStatus.RUNNING)
    client.force_login(user("jpn"))
    assert client.get(reverse("outputs:download", args=[output.pk])).status_code == 404
