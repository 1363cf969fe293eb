from django_tasks import task

from . import services


@task()
def send_due_messages() -> int:
    """Sends a batch of due messages; queues the next batch itself."""
    return services.send_due_now()
