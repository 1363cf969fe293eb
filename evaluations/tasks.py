from django_tasks import task

from . import reminders


@task()
def queue_reminders_task() -> dict:
    """Writes the reminders now due to the outbox (queued by the worker's heartbeat every
    REMINDERS_EVERY_SECONDS); the outbox's own task sends them."""
    counts = reminders.queue_reminders()
    return {"exam_reminders": counts.exam_reminders, "grid_reminders": counts.grid_reminders}
