"""What the evaluations produce in the background (outputs app): the minutes, and the results exports."""

from django.core.files.base import ContentFile
from django.utils import timezone

from candidates.models import CertificationSession
from cqp_site.spreadsheets import dataset_bytes
from outputs.producers import producer

from . import exports
from .models import Deliberation, DeliberationStatus


def is_signed(parameters):
    """A signed deliberation's minutes never change: once made, they are served to every member."""
    return Deliberation.objects.filter(pk=parameters["deliberation"], status=DeliberationStatus.SIGNED).exists()


@producer("minutes", reuse_finished=is_signed)
def produce_minutes(output):
    deliberation = Deliberation.objects.select_related("president").get(pk=output.parameters["deliberation"])
    output.advance(0, 1)
    output.store(exports.minutes_filename(deliberation), ContentFile(exports.minutes_pdf(deliberation)))
    output.advance(1, 1)


def _results(output, build, model, name):
    selected = model.objects.filter(pk__in=output.parameters["pks"]).values_list("pk", flat=True)
    dataset = build(list(selected))
    file_format = output.parameters["format"]
    output.advance(len(dataset), len(dataset))
    output.store(
        f"{name}-{timezone.localdate():%Y-%m-%d}.{file_format}", ContentFile(dataset_bytes(dataset, file_format))
    )


@producer("session_results")
def produce_session_results(output):
    _results(output, exports.session_results, CertificationSession, "resultats-sessions")


@producer("deliberation_results")
def produce_deliberation_results(output):
    _results(output, exports.deliberation_results, Deliberation, "resultats-deliberations")
