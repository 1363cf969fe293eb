"""The same issuing, queued in Redis and run by an RQ worker: the backend chosen by TASKS_BACKEND=rq.

Needs the Redis of 127.0.0.1:6379 (CI has it): skipped on a machine without it, failed in CI."""

import os

import pytest
import redis

from certificates import services
from certificates.models import Certificate, IssuingRun

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def rq_backend(settings):
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379: CI tests the RQ backend against it.")
        pytest.skip("no Redis on 127.0.0.1:6379")
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield connection
    connection.flushdb()


@pytest.mark.django_db(transaction=True)
def test_certificates_are_issued_through_redis_by_an_rq_worker(role_groups, rq_backend, spring):
    import django_rq
    from rq import SimpleWorker

    run = services.start_issuing(spring)
    # Three jobs: the sending of the jury's notice of the files added (queued by adding them), that of the results
    # and the signature's notice (queued by the signature), and the issuing.
    assert (Certificate.objects.exclude(pdf="").count(), rq_backend.llen("rq:queue:default")) == (0, 3)
    worker = django_rq.get_worker("default", job_class="django_tasks_rq.backend.Job", worker_class=SimpleWorker)
    worker.work(burst=True)
    run = IssuingRun.objects.get(pk=run.pk)
    assert (run.done, run.total, run.finished_at is not None) == (2, 2, True)
