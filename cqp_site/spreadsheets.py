"""Tables sent out as files: CSV that French Excel opens as it is, Excel, and no cell read as a formula."""

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


def dataset_response(dataset: tablib.Dataset, file_format: str, name: str) -> HttpResponse:
    """The dataset as a download: CSV separated by semicolons with a UTF-8 BOM (French Excel), or xlsx."""
    if file_format == "csv":
        data = "\ufeff" + dataset.export("csv", delimiter=";")
    else:
        data = dataset.export("xlsx")
    return attachment(HttpResponse(data, content_type=CONTENT_TYPES[file_format]), f"{name}.{file_format}")
