"""Asking for an output, making it (in the task worker) and forgetting it once expired."""

import logging
import traceback

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cqp_site import logs

from .models import KEEP_FOR, Output, OutputStatus
from .producers import PRODUCERS, OutputError

logger = logging.getLogger(__name__)

UNEXPECTED = _("Erreur inattendue : rien n'est produit. Réessayez, ou signalez-le à l'équipe technique.")


def request_output(kind, *, user, title, parameters, back_url=""):
    """The output asked for: a finished one that may be served again (a signed deliberation's minutes), or the
    one this person already waits for, or a new one queued for the task worker."""
    from .tasks import produce_output

    purge_expired()
    same = Output.objects.filter(kind=kind, parameters=parameters).order_by("-created_at")
    reuse = PRODUCERS[kind].reuse_finished
    if reuse and reuse(parameters):
        finished = same.filter(status=OutputStatus.DONE).first()
        if finished:
            return finished
    waiting = same.filter(requested_by=user, status__in=[OutputStatus.WAITING, OutputStatus.RUNNING]).first()
    if waiting:
        return waiting
    output = Output.objects.create(kind=kind, title=title, requested_by=user, parameters=parameters, back_url=back_url)
    # Queued at once: views ask outside any transaction (no ATOMIC_REQUESTS), so the row is already committed
    # when a worker takes the task; with the immediate backend (tests), the output is made here.
    produce_output.enqueue(output.pk, logs.current_request_id())
    output.refresh_from_db()
    return output


def run_output(output_id):
    """Makes the output; its producer's refusal is shown as it says it, anything else as a plain French message
    (the logs get the error's kind and place, never its text, which may quote personal data)."""
    output = Output.objects.get(pk=output_id)
    if output.is_finished:
        return output
    Output.objects.filter(pk=output.pk).update(status=OutputStatus.RUNNING)
    try:
        PRODUCERS[output.kind].function(output)
    except OutputError as refusal:
        output.status, output.error = OutputStatus.FAILED, str(refusal)
    except Exception as error:
        stack = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        logger.error(
            "output %s (%s): unexpected %s, raised at\n%s", output.pk, output.kind, type(error).__name__, stack
        )
        output.status, output.error = OutputStatus.FAILED, str(UNEXPECTED)
        if output.file:
            output.file.delete(save=False)
    else:
        output.status = OutputStatus.DONE
    output.finished_at = timezone.now()
    output.save()
    return output


def purge_expired(now=None):
    """Outputs asked for more than KEEP_FOR ago are deleted with their files."""
    expired = Output.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_FOR)
    for output in expired.exclude(file=""):
        output.file.delete(save=False)
    return expired.delete()[0]
