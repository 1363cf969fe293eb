"""File formats for imports and exports in the admin."""

import tablib
from import_export.formats import base_formats


class SpreadsheetCSV(base_formats.CSV):
    """CSV as French spreadsheets write it: separated by ';' (or ','), UTF-8 with or without BOM."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        in_stream = in_stream.removeprefix("\ufeff")
        first_line = in_stream.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return tablib.import_set(in_stream, format="csv", delimiter=delimiter)

    def export_data(self, dataset, **kwargs):
        # Excel in French opens ';' files directly, and needs the BOM to read UTF-8.
        return "\ufeff" + super().export_data(dataset, delimiter=";", **kwargs)


IMPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
EXPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
