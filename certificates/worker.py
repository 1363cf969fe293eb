"""The background worker's life: a heartbeat that /sante/ reads, and the recovery of what a lost
worker left behind. Both run in a thread beside the worker of the configured tasks backend
(`manage.py run_worker`)."""

import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from cqp_site.security import purge_login_records
from evaluations.tasks import queue_reminders_task
from outbox import services as outbox_services
from outputs.services import purge_expired

from . import services
from .models import WorkerHeartbeat

PURGE_EVERY_SECONDS = 24 * 3600

logger = logging.getLogger(__name__)


def uses_redis():
    return settings.TASKS["default"]["BACKEND"].startswith("django_tasks_rq")


def rq_queue():
    import django_rq

    return django_rq.get_queue("default")


def queue_is_idle():
    """No task is waiting to be taken (tasks being run may be)."""
    if uses_redis():
        return rq_queue().count == 0
    from django_tasks_db.models import DBTaskResult

    return not DBTaskResult.objects.ready().exists()


def live_workers(now=None):
    """Workers whose heartbeat is recent (database backend), or RQ's own registry of workers."""
    if uses_redis():
        from rq import Worker

        return Worker.count(connection=rq_queue().connection)
    now = now or timezone.now()
    lost_after = datetime.timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=now - lost_after).count()


def oldest_waiting_task_age(now=None):
    """How long the oldest task ready to run has waited (None when none waits): database backend only."""
    if uses_redis():
        return None
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    oldest = DBTaskResult.objects.ready().order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return None if oldest is None else now - oldest


def fail_abandoned_tasks(now=None):
    """Tasks left RUNNING by a worker whose heartbeat stopped are marked failed (database backend):
    their certificates are queued again by `services.resume_stalled_runs`."""
    if uses_redis():
        return 0  # RQ moves the jobs of a dead worker to its failed registry itself
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lost_after = datetime.timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS)
    alive = set(WorkerHeartbeat.objects.filter(seen_at__gte=now - lost_after).values_list("worker_id", flat=True))
    abandoned = [
        task.pk
        for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=now - lost_after)
        if not task.worker_ids or task.worker_ids[-1] not in alive
    ]
    if abandoned:
        DBTaskResult.objects.filter(pk__in=abandoned).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="certificates.worker.WorkerLost",
            traceback="Le processus de tâches qui exécutait cette tâche s'est arrêté sans la terminer.",
        )
        logger.warning("%s abandoned task(s) marked failed", len(abandoned))
    return len(abandoned)


def recover():
    fail_abandoned_tasks()
    return services.resume_stalled_runs(
        stalled_after=datetime.timedelta(seconds=settings.WORKER_LOST_AFTER_SECONDS), queue_is_idle=queue_is_idle
    )


class Heartbeat(threading.Thread):
    """Beats every WORKER_HEARTBEAT_SECONDS, recovering what lost workers left at each beat; its row
    is removed when the worker stops cleanly."""

    def __init__(self, worker_id):
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.started_at = timezone.now()

    def beat(self):
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": timezone.now(),
            },
        )

    def run(self):
        purged_at = reminded_at = None
        while not self.stopping.is_set():
            try:
                close_old_connections()
                self.beat()
                recover()
                outbox_services.send_due()  # queues the sending of the messages now due; a task sends them
                if purged_at is None or time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                    # What django-axes keeps of failed logins, and the background outputs (exports of
                    # personal data among them), go after their retention (daily, by any worker).
                    purged = purge_login_records()
                    logger.info("login records past their retention purged: %s", purged)
                    logger.info("background outputs past their retention purged: %s", purge_expired())
                    purged_at = time.monotonic()
                every = settings.REMINDERS_EVERY_SECONDS
                if every > 0 and (reminded_at is None or time.monotonic() - reminded_at > every):
                    # Reminders before exams and of grids to sign: a task writes them, this beat stays quick.
                    queue_reminders_task.enqueue()
                    reminded_at = time.monotonic()
            except Exception:  # a broken database for a while must not end the heartbeat for good
                logger.exception("worker heartbeat failed")
            self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS)
        connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=settings.WORKER_HEARTBEAT_SECONDS + 5)
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
