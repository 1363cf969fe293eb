from django_tasks import task

from cqp_site import logs

from . import services


@task()
def produce_output(output_id: int, request_id: str = "") -> str:
    """Its log lines carry the id of the request that asked for it."""
    with logs.request_id(request_id):
        return services.run_output(output_id).status
