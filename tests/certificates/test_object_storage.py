"""Several machines: stored files go to an S3-compatible object store (django-storages) when
S3_BUCKET is set. Here against moto's S3 server on 127.0.0.1, started by the test."""

import io
import socket
import zipfile

import boto3
import pytest
from django.urls import reverse
from moto.server import ThreadedMotoServer

from certificates import services
from certificates.models import Certificate, IssuingRun
from tests.evaluations.test_deliberations import user

pytestmark = pytest.mark.django_db

BUCKET = "cqp-certificats"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    credentials = {"aws_access_key_id": "cqp-test", "aws_secret_access_key": "cqp-test-secret"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-3", **credentials)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-3",
                "access_key": credentials["aws_access_key_id"],
                "secret_key": credentials["aws_secret_access_key"],
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def stored(client):
    return {item["Key"]: item["Size"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_certificates_are_stored_in_the_bucket_and_downloaded_through_the_application(
    bucket, spring, client, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "unused"
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_issuing(spring)
    certificates = list(Certificate.objects.order_by("number"))
    year = spring.held_on.year
    assert sorted(stored(bucket)) == [f"certificates/{year}/{c.number}.pdf" for c in certificates]
    assert not settings.MEDIA_ROOT.exists()  # nothing on the local disk

    body = bucket.get_object(Bucket=BUCKET, Key=certificates[0].pdf.name)["Body"].read()
    acl = bucket.get_object_acl(Bucket=BUCKET, Key=certificates[0].pdf.name)
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # the owner's, nobody else's

    client.force_login(user("gestionnaire"))
    response = client.get(reverse("admin:certificates_certificate_pdf", args=[certificates[0].pk]))
    assert (response.status_code, b"".join(response.streaming_content)) == (200, body)
    response = client.get(reverse("admin:certificates_issuingrun_archive", args=[IssuingRun.objects.get().pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == [f"{c.number}.pdf" for c in certificates]
    assert len(stored(bucket)) == len(certificates)  # the ZIP is not stored
    assert run.pk


def test_a_retried_certificate_replaces_the_file_a_rolled_back_attempt_left(
    bucket, spring, django_capture_on_commit_callbacks
):
    services.number_certificates(spring)
    certificate = Certificate.objects.order_by("number").first()
    name = certificate.pdf.field.generate_filename(certificate, f"{certificate.number}.pdf")
    bucket.put_object(Bucket=BUCKET, Key=name, Body=b"left by a rolled-back attempt")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(spring)
    certificate.refresh_from_db()
    assert certificate.pdf.name == name and len(stored(bucket)) == 2
    assert bucket.get_object(Bucket=BUCKET, Key=name)["Body"].read()[:5] == b"%PDF-"


def test_the_health_check_writes_reads_and_deletes_in_the_bucket(bucket, client, signing_certificate):
    response = client.get(reverse("health"))
    assert response.json()["checks"]["storage"] == "ok"
    assert stored(bucket) == {}
