"""Tables sent out as files: CSV that French Excel opens as it is, Excel, and no cell read as a formula."""

import datetime
from decimal import Decimal

import tablib
from django.http import HttpResponse

from .downloads import attachment

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def safe(value):
    """A text cell never starts a formula when a spreadsheet opens it (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values):
    return [safe(value) for value in values]


class SafeExportMixin:
    """For django-import-export resources: every exported cell goes through `safe`, whatever the format. The
    library's own escaping (IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT) only strips one leading "=", so that
    "@", "+", "-", "==", a tab or a carriage return still started formulas (penetration test)."""

    NATIVE = (bool, int, float, Decimal, datetime.date, datetime.time)  # never read as a formula

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return value if value is None or isinstance(value, self.NATIVE) else safe(value)


def dataset_bytes(dataset: tablib.Dataset, file_format: str) -> bytes:
    """CSV separated by semicolons with a UTF-8 BOM (French Excel), or xlsx."""
    if file_format == "csv":
        return ("\ufeff" + dataset.export("csv", delimiter=";")).encode("utf-8")
    return dataset.export("xlsx")


def dataset_response(dataset: tablib.Dataset, file_format: str, name: str) -> HttpResponse:
    """The dataset as a download."""
    data = dataset_bytes(dataset, file_format)
    return attachment(HttpResponse(data, content_type=CONTENT_TYPES[file_format]), f"{name}.{file_format}")
