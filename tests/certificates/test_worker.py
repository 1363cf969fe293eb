"""The task worker of production (`manage.py run_worker`), run as its own process on the suite's
database: stopped in the middle of a batch of 200 certificates, gracefully or killed, and started
again, it leaves 200 certificates numbered without gaps, one file each, none twice."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from certificates import services
from certificates.models import Certificate, IssuingRun, WorkerHeartbeat

from .conftest import deliberation_validating, stored_pdfs

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def database_url():
    database = connection.settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{user}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


def start_worker(log):
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CERTIFICATE_P12_PATH": str(settings.CERTIFICATE_P12_PATH),
        "CERTIFICATE_P12_PASSPHRASE": settings.CERTIFICATE_P12_PASSPHRASE,
        "SITE_URL": settings.SITE_URL,
        "TASKS_BACKEND": "database",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_LOST_AFTER_SECONDS": "3",
    }
    command = [
        sys.executable,
        "manage.py",
        "run_worker",
        "--queue-name",
        "*",
        "--no-startup-delay",
        "--interval",
        "0.2",
    ]
    return subprocess.Popen(command, cwd=PROJECT, env=environment, stdout=log, stderr=subprocess.STDOUT)


def produced():
    return Certificate.objects.exclude(pdf="").count()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {seconds} s: {what}")
        time.sleep(0.2)


def freeze_while(worker, condition, what, seconds=120):
    """Stops the worker (SIGSTOP) at a moment the condition holds while it is stopped: seen from
    outside, a running task may end between the look and the kill; a stopped worker's cannot."""
    deadline = time.monotonic() + seconds
    while True:
        wait_for(condition, max(deadline - time.monotonic(), 0), what)
        worker.send_signal(signal.SIGSTOP)
        time.sleep(0.5)  # a commit the worker had already sent lands before the second look
        if condition():
            return
        worker.send_signal(signal.SIGCONT)


@pytest.fixture
def two_hundred(role_groups, demo_exams, signing_certificate, settings):
    """A signed deliberation validating GRU for 200 candidates, queued in the database."""
    settings.TASKS = DATABASE_TASKS
    run = services.start_issuing(deliberation_validating(200))
    assert (run.total, run.done) == (200, 0)
    return run


def assert_all_issued_once(run):
    run.refresh_from_db()
    year = run.deliberation.held_on.year
    certificates = list(Certificate.objects.filter(deliberation=run.deliberation).order_by("number"))
    assert [certificate.number for certificate in certificates] == [
        f"CCP-GC-{year}-{number:06d}" for number in range(1, 201)
    ]
    assert [path.name for path in stored_pdfs()] == [f"{certificate.number}.pdf" for certificate in certificates]
    assert all(Path(settings.MEDIA_ROOT, certificate.pdf.name).is_file() for certificate in certificates)
    assert (run.done, run.total, run.finished_at is not None) == (200, 200, True)


def test_a_worker_stopped_mid_batch_finishes_its_task_and_the_next_one_completes_the_run(two_hundred, tmp_path):
    with open(tmp_path / "worker.log", "w") as log:
        worker = start_worker(log)
        wait_for(lambda: produced() >= 30, 120, "30 certificates")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
        stopped_at = produced()
        assert 0 < stopped_at < 200 and stopped_at % services.BATCH_SIZE == 0  # the task under way was finished
        assert not WorkerHeartbeat.objects.exists()  # /sante/ now says the worker fails
        worker = start_worker(log)
        wait_for(lambda: IssuingRun.objects.get(pk=two_hundred.pk).finished_at, 180, "the run to finish")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    assert_all_issued_once(two_hundred)


def test_a_killed_worker_s_task_is_taken_up_again_by_the_next_worker(two_hundred, tmp_path):
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    with open(tmp_path / "worker.log", "w") as log:
        worker = start_worker(log)
        # A batch's certificates are written together at its end: kill once a batch is done and the
        # next one is under way (its task running), so that one is left behind.
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        freeze_while(worker, lambda: produced() >= 30 and running.exists(), "30 certificates and a batch under way")
        worker.kill()
        worker.wait(timeout=10)
        assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 1  # left behind
        assert produced() < 200
        worker = start_worker(log)
        wait_for(lambda: IssuingRun.objects.get(pk=two_hundred.pk).finished_at, 180, "the run to finish")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    assert_all_issued_once(two_hundred)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 0
    assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 1  # the killed worker's
