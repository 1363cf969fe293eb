"""File formats for imports and exports in the admin."""

import tablib
from import_export.formats import base_formats


class SpreadsheetCSV(base_formats.CSV):
    """CSV as French spreadsheets write it: separated by ';' (or ','), UTF-8 with or without BOM, or
    Windows-1252 (what Excel in French saves as « CSV (séparateur : point-virgule) »)."""

    def is_binary(self):
        # The file reaches create_dataset as bytes: it finds the encoding itself.
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("cp1252", errors="replace")
        in_stream = in_stream.removeprefix("\ufeff")
        first_line = in_stream.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        return tablib.import_set(in_stream, format="csv", delimiter=delimiter)

    def export_data(self, dataset, **kwargs):
        # Excel in French opens ';' files directly, and needs the BOM to read UTF-8.
        return "\ufeff" + super().export_data(dataset, delimiter=";", **kwargs)


IMPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
EXPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
