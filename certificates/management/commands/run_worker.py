import logging

from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from certificates import worker

logger = logging.getLogger("certificates.worker")


class Command(DatabaseWorkerCommand):
    help = (
        "Lance le processus de tâches (délivrance des certificats) du backend configuré (TASKS_BACKEND : base de "
        "données ou Redis), avec son battement de cœur (lu par /sante/) et la reprise de ce qu'un processus arrêté "
        "a laissé. Arrêté par SIGTERM, il termine la tâche en cours puis s'arrête ; les autres attendent."
    )

    def handle(self, *args, worker_id, **options):
        worker_id = worker_id or get_random_string(32)
        heartbeat = worker.Heartbeat(worker_id)
        heartbeat.beat()
        heartbeat.start()
        logger.info("worker %s started", worker_id)
        try:
            if worker.uses_redis():
                self.run_rq(worker_id, burst=options["batch"])
            else:
                options["reload"] = False  # a reload would stop a task half way
                super().handle(*args, worker_id=worker_id, **options)
        finally:
            heartbeat.stop()
            logger.info("worker %s stopped", worker_id)

    def run_rq(self, worker_id, *, burst):
        import django_rq

        rq_worker = django_rq.get_worker("default", job_class="django_tasks_rq.backend.Job", name=worker_id)
        rq_worker.work(burst=burst, with_scheduler=False)
