"""/sante/ names the part that fails (503), and says nothing else about the system."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from certificates import signing
from certificates.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ALL_OK = {"database": "ok", "worker": "ok", "storage": "ok", "signing_certificate": "ok"}


@pytest.fixture
def running(settings, signing_certificate, tmp_path):
    """A worker beating, tasks in the database, a writable storage, a valid signing certificate."""
    settings.TASKS = DATABASE_TASKS
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", host="worker-1", pid=1, started_at=now, seen_at=now)
    signing._load_signer.cache_clear()
    return settings


def health(client):
    response = client.get(reverse("health"))
    return response.status_code, json.loads(response.content)


def test_all_is_well(client, running):
    assert health(client) == (200, {"status": "ok", "checks": ALL_OK})


def test_a_worker_silent_too_long_fails(client, running):
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - datetime.timedelta(seconds=61))
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "worker": "échec"}})


def test_no_worker_at_all_fails(client, running):
    WorkerHeartbeat.objects.all().delete()
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "worker": "échec"}})


def test_a_task_waiting_too_long_fails_even_with_a_worker_beating(client, running):
    from django_tasks_db.models import DBTaskResult

    from certificates.tasks import produce_batch

    produce_batch.using(backend="default").enqueue(0, [])
    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=5))
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "worker": "échec"}})


def test_an_unwritable_storage_fails(client, running, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage's folder should be")
    running.MEDIA_ROOT = blocker / "media"
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "storage": "échec"}})


def test_the_storage_check_leaves_nothing_behind(client, running):
    health(client)
    assert [path for path in running.MEDIA_ROOT.rglob("*") if path.is_file()] == []


def test_a_missing_signing_certificate_fails(client, running, tmp_path):
    running.CERTIFICATE_P12_PATH = tmp_path / "absent.p12"
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "signing_certificate": "échec"}})


def test_a_wrong_passphrase_fails(client, running):
    running.CERTIFICATE_P12_PASSPHRASE = "not-the-passphrase"
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "signing_certificate": "échec"}})


def test_a_certificate_expiring_within_30_days_is_a_warning(client, running, tmp_path):
    running.CERTIFICATE_P12_PATH = tmp_path / "short.p12"
    call_command("create_signing_certificate", days=10, stdout=open("/dev/null", "w"))
    expiry = (timezone.now() + datetime.timedelta(days=10)).astimezone(datetime.UTC)
    status, body = health(client)
    assert (status, body["status"], body["checks"]["signing_certificate"]) == (
        200,
        "ok",
        f"expire le {expiry:%Y-%m-%d}",
    )


def test_an_expired_certificate_fails(client, running, tmp_path):
    running.CERTIFICATE_P12_PATH = tmp_path / "expired.p12"
    call_command("create_signing_certificate", days=-1, stdout=open("/dev/null", "w"))
    assert health(client) == (503, {"status": "échec", "checks": {**ALL_OK, "signing_certificate": "échec"}})


@pytest.mark.parametrize("url, expected", [("redis://127.0.0.1:6379/15", "ok"), ("redis://127.0.0.1:1/0", "échec")])
def test_redis_is_checked_when_tasks_go_there(client, running, url, expected):
    """With no RQ worker registered in Redis, the worker fails in both cases."""
    running.RQ_QUEUES = {"default": {"URL": url}}
    running.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    status, body = health(client)
    assert (status, body["checks"]["redis"], body["checks"]["worker"]) == (503, expected, "échec")


def test_the_liveness_probe_checks_nothing(client, running):
    running.CERTIFICATE_P12_PATH = running.MEDIA_ROOT / "absent.p12"
    response = client.get(reverse("alive"))
    assert (response.status_code, response.content) == (200, b"ok")
