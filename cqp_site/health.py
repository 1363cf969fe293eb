"""What /sante/ checks: each part answers "ok", a warning, or raises. Nothing else about the system
is said: a failing part is named, never why (that goes to the logs)."""

import datetime
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from certificates import signing, worker

logger = logging.getLogger(__name__)


class Unhealthy(Exception):
    pass


def database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def task_worker():
    """At least one worker alive, and no task waiting for longer than a worker would let it."""
    if settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
        return
    if not worker.live_workers():
        raise Unhealthy("no live worker")
    waited = worker.oldest_waiting_task_age()
    if waited is not None and waited > datetime.timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS):
        raise Unhealthy(f"oldest waiting task waited {waited}")


def storage():
    """Write, read back and delete a small file where certificates are stored."""
    content = uuid.uuid4().bytes
    name = default_storage.save(f"sante/{uuid.uuid4().hex}", ContentFile(content))
    try:
        with default_storage.open(name, "rb") as stored:
            if stored.read() != content:
                raise Unhealthy("storage read back other bytes")
    finally:
        default_storage.delete(name)


def signing_certificate():
    valid_until = signing.certificate_valid_until()
    left = valid_until - timezone.now()
    if left <= datetime.timedelta(0):
        raise Unhealthy(f"signing certificate expired on {valid_until:%Y-%m-%d}")
    if left <= datetime.timedelta(days=settings.CERTIFICATE_EXPIRY_WARNING_DAYS):
        return f"expire le {valid_until:%Y-%m-%d}"


def redis():
    worker.rq_queue().connection.ping()


def checks():
    parts = {
        "database": database,
        "worker": task_worker,
        "storage": storage,
        "signing_certificate": signing_certificate,
    }
    if worker.uses_redis():
        parts["redis"] = redis
    return parts


def report():
    """{part: "ok" | a warning | "échec"}, and whether every part works."""
    results, healthy = {}, True
    for name, check in checks().items():
        try:
            results[name] = check() or "ok"
        except Exception as error:
            logger.error("health check %s failed: %s", name, error)
            results[name], healthy = "échec", False
    return results, healthy
