"""What the candidates produce in the background (outputs app): their export, and the import's confirmed step."""

import contextlib

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult
from import_export.tmp_storages import MediaStorage

from outputs.producers import OutputError, producer

from .formats import FileRefused
from .models import Candidate
from .resources import export_candidates, import_candidates, read_candidates


@producer("candidate_export")
def produce_candidate_export(output):
    parameters = output.parameters
    queryset = Candidate.objects.filter(pk__in=parameters["pks"]).order_by("last_name", "first_name", "pk")
    output.advance(0, len(parameters["pks"]))
    data = export_candidates(queryset, parameters["format"], parameters.get("fields") or None)
    if isinstance(data, str):
        data = data.encode("utf-8")
    output.store(f"candidats-{timezone.localdate():%Y-%m-%d}.{parameters['format']}", ContentFile(data))
    output.advance(len(parameters["pks"]))


def _audit_context(output):
    """The audit trail's who and where (django-pghistory, PostgreSQL), as the request would have given them."""
    if connection.vendor != "postgresql":
        return contextlib.nullcontext()
    import pghistory

    return pghistory.context(user=output.requested_by_id, url=reverse("outputs:progress", args=[output.pk]))


def _errors(result):
    """Every error of the file, by line and column, as the preview names them."""
    lines = [str(error.error) for error in result.base_errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            lines.extend(f"{_('Ligne')} {row.number} — {column} : {message}" for message in messages)
    for number, errors in result.row_errors():
        lines.extend(f"{_('Ligne')} {number} : {error.error}" for error in errors)
    return "\n".join(lines)


@producer("candidate_import")
def produce_candidate_import(output):
    """The confirmed import of the file the preview read: all its rows in one transaction, or none."""
    stored = MediaStorage(name=output.parameters["file"], read_mode="rb")
    try:
        dataset = read_candidates(stored.read(), output.parameters["format"])
        output.advance(0, len(dataset))
        with _audit_context(output):
            result = import_candidates(
                dataset,
                dry_run=False,
                file_name=output.parameters.get("original_name", ""),
                retain_instance_in_row_result=True,
            )
    except FileRefused as refusal:
        raise OutputError(str(refusal)) from None
    finally:
        stored.remove()
    if result.has_errors() or result.has_validation_errors():
        raise OutputError(_("Rien n'est importé.") + "\n" + _errors(result))
    for import_type, flag in ((RowResult.IMPORT_TYPE_NEW, ADDITION), (RowResult.IMPORT_TYPE_UPDATE, CHANGE)):
        instances = [row.instance for row in result if row.import_type == import_type]
        if instances:
            LogEntry.objects.log_actions(
                output.requested_by_id,
                instances,
                flag,
                change_message=f"{import_type} through import_export",
                single_object=len(instances) == 1,
            )
    totals = result.totals
    output.summary = _("Import terminé : candidats ajoutés : %(new)s, modifiés : %(update)s, inchangés : %(skip)s.") % {
        key: totals[getattr(RowResult, f"IMPORT_TYPE_{key.upper()}")] for key in ("new", "update", "skip")
    }
    output.advance(len(dataset))
