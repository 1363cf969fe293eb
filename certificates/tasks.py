"""Background work, through Django's tasks API (the django-tasks backport): one task per batch of
certificates, so that several workers share a deliberation's certificates."""

from django_tasks import task

from cqp_site import logs

from . import services


@task()
def produce_batch(run_id: int, certificate_ids: list[int], request_id: str = "") -> int:
    """Its log lines carry the id of the request that queued it."""
    with logs.request_id(request_id):
        services.produce_batch_now(run_id, certificate_ids)
    return len(certificate_ids)
