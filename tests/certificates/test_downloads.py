"""Stored files have no public address: each goes through a view that checks who asks, 404 to
anyone else (a staff account without the permission too), streamed from storage."""

import io
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from certificates import services
from certificates.models import Certificate, IssuingRun
from tests.evaluations.test_deliberations import user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "jury member", "national jury", "staff without permission", "administrator")


@pytest.fixture
def issued(spring, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(spring)
    return IssuingRun.objects.get(deliberation=spring)


def as_role(client, role):
    if role == "staff without permission":
        account = user("jury.famille").__class__.objects.create_user("staff.sans.droit", is_staff=True)
        account.user_permissions.add(Permission.objects.get(codename="view_organisation"))
        client.force_login(account)
    elif role != "anonymous":
        client.force_login(
            user({"jury member": "president", "national jury": "jpn", "administrator": "gestionnaire"}[role])
        )
    return client


def stored_files(storage_root):
    return sorted(path.name for path in storage_root.rglob("*") if path.is_file())


@pytest.mark.parametrize("role", ROLES)
def test_a_certificate_pdf_goes_to_administrators_only(client, issued, role):
    certificate = Certificate.objects.order_by("number").first()
    response = as_role(client, role).get(reverse("admin:certificates_certificate_pdf", args=[certificate.pk]))
    if role == "administrator":
        body = b"".join(response.streaming_content)
        with certificate.pdf.open("rb") as stored:
            assert (response.status_code, response["Content-Disposition"], body) == (
                200,
                f'attachment; filename="{certificate.number}.pdf"',
                stored.read(),
            )
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_the_zip_of_a_run_goes_to_administrators_only_and_is_stored_nowhere(client, issued, role, settings):
    files_before = stored_files(settings.MEDIA_ROOT)
    response = as_role(client, role).get(reverse("admin:certificates_issuingrun_archive", args=[issued.pk]))
    if role == "administrator":
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        certificates = Certificate.objects.order_by("number")
        expected = {}
        for certificate in certificates:
            with certificate.pdf.open("rb") as stored:
                expected[f"{certificate.number}.pdf"] = stored.read()
        assert response.status_code == 200
        assert {name: archive.read(name) for name in archive.namelist()} == expected
        assert len(expected) == 2
    else:
        assert response.status_code == 404
    assert stored_files(settings.MEDIA_ROOT) == files_before


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", "admin login"),
        ("jury member", "admin login"),
        ("national jury", "admin login"),
        ("staff without permission", 404),
        ("administrator", 200),
    ],
)
def test_the_progress_of_a_run_needs_the_view_permission(client, issued, role, expected):
    url = reverse("admin:certificates_issuingrun_progress", args=[issued.pk])
    response = as_role(client, role).get(url)
    if expected == "admin login":
        assert (response.status_code, response["Location"]) == (302, f"{reverse('admin:login')}?next={url}")
    else:
        assert response.status_code == expected


def test_every_file_link_of_the_admin_leads_to_its_file(client, issued):
    client = as_role(client, "administrator")
    certificate = Certificate.objects.order_by("number").first()
    page = client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk])).content.decode()
    pdf_url = reverse("admin:certificates_certificate_pdf", args=[certificate.pk])
    assert f'<a href="{pdf_url}">Télécharger {certificate.number}.pdf</a>' in page
    run_page = client.get(reverse("admin:certificates_issuingrun_change", args=[issued.pk])).content.decode()
    archive_url = reverse("admin:certificates_issuingrun_archive", args=[issued.pk])
    assert f'<a href="{archive_url}">certificats-{issued.deliberation.held_on:%Y-%m-%d}-' in run_page
    for url in (pdf_url, archive_url):
        response = client.get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content)[:2] in (b"%P", b"PK")


def test_an_unfinished_run_has_no_archive_yet(client, spring, django_capture_on_commit_callbacks):
    services.number_certificates(spring)
    run = IssuingRun.objects.create(deliberation=spring, total=2)
    client = as_role(client, "administrator")
    assert client.get(reverse("admin:certificates_issuingrun_archive", args=[run.pk])).status_code == 404
    page = client.get(reverse("admin:certificates_issuingrun_change", args=[run.pk])).content.decode()
    assert "quand tous les certificats seront produits" in page
