"""File formats for imports and exports in the admin.

A file is measured before it is read: its size first, then its rows (with the csv module alone; for an Excel
file, its columns and XML elements too, streamed and stopped at the first limit passed), so that a file too
long is refused in a fraction of a second, before any row is processed (penetration test: a file of 40,000
rows kept a web worker busy past the server's timeout).
"""

import csv
import io
import re
import zipfile
from xml.parsers import expat

import tablib
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.formats import base_formats

MAX_ROWS = 5000
MAX_COLUMNS = 50  # the import reads 18
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An Excel file is a zip archive of XML parts: what it may hold once unpacked, and how many XML elements in all
# (5000 rows of 18 cells need about 300,000).
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_XML_ELEMENTS = 600_000
CELL_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")


class FileRefused(ValueError):
    """A file refused whole, with a message for the administrator (French, never a traceback)."""


def check_upload_size(size):
    if size > MAX_UPLOAD_BYTES:
        raise FileRefused(
            _("Le fichier dépasse %(max)s, la taille maximale d'un import ; découpez-le.")
            % {"max": filesizeformat(MAX_UPLOAD_BYTES)}
        )


def check_row_count(rows, *, more=False):
    """`rows` lines below the column names; `more` when counting stopped there and the file holds more."""
    if more:
        raise FileRefused(
            _("Le fichier compte plus de %(max)s lignes : %(max)s au plus par import ; découpez-le.")
            % {"max": MAX_ROWS}
        )
    if rows > MAX_ROWS:
        raise FileRefused(
            _("Le fichier compte %(rows)s lignes : %(max)s au plus par import ; découpez-le.")
            % {"rows": rows, "max": MAX_ROWS}
        )


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
            check_upload_size(len(in_stream))
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("cp1252", errors="replace")
        else:
            check_upload_size(len(in_stream.encode("utf-8")))
        in_stream = in_stream.removeprefix("\ufeff")
        first_line = in_stream.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        # Counted as tablib reads them (blank lines left out), with the csv module alone: a few milliseconds
        # for the largest file allowed.
        rows = sum(1 for row in csv.reader(io.StringIO(in_stream), delimiter=delimiter) if row)
        check_row_count(rows - 1)
        return tablib.import_set(in_stream, format="csv", delimiter=delimiter)

    def export_data(self, dataset, **kwargs):
        # Excel in French opens ';' files directly, and needs the BOM to read UTF-8.
        return "\ufeff" + super().export_data(dataset, delimiter=";", **kwargs)


def column_number(letters):
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class WorkbookMeasure:
    """An Excel file measured before openpyxl opens it, which reads every sheet whole to find its size, pads
    every row to the widest column and fills the gaps between numbered rows: each XML part is streamed
    through expat (no DTD, hence no entity bomb), counting its elements, and each sheet's rows and columns
    are checked as they come, the measure stopping at the first limit passed."""

    def __init__(self, archive):
        self.archive = archive
        self.elements = 0

    def check(self):
        # The sizes declared by the archive bound what unpacking it yields (zipfile stops there).
        if sum(member.file_size for member in self.archive.infolist()) > MAX_UNPACKED_BYTES:
            raise FileRefused(
                _("Le fichier décompressé dépasse %(max)s ; découpez-le.") % {"max": filesizeformat(MAX_UNPACKED_BYTES)}
            )
        for member in self.archive.infolist():
            if member.filename.endswith((".xml", ".rels")):
                self.measure(member)

    def measure(self, member):
        sheet = {"root": None, "row": 0, "column": 0}

        def refuse_dtd(*args):
            raise ValueError("DTD in an Excel file")

        def start(name, attributes):
            self.elements += 1
            if self.elements > MAX_XML_ELEMENTS:
                raise FileRefused(_("Le fichier contient trop de données pour un seul import ; découpez-le."))
            tag = name.rpartition(" ")[2]
            if sheet["root"] is None:
                sheet["root"] = tag
            if sheet["root"] != "worksheet":
                return
            if tag == "row":
                sheet["row"] = int(attributes["r"]) if attributes.get("r", "").isdigit() else sheet["row"] + 1
                sheet["column"] = 0
                self.check_cell(sheet["row"], 1)
            elif tag == "c":
                reference = CELL_REFERENCE.match(attributes.get("r", ""))
                sheet["column"] = column_number(reference[1]) if reference else sheet["column"] + 1
                self.check_cell(sheet["row"], sheet["column"])
            elif tag == "dimension":
                reference = CELL_REFERENCE.match(attributes.get("ref", "").rpartition(":")[2])
                if reference:
                    self.check_cell(int(reference[2]), column_number(reference[1]))

        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = refuse_dtd
        parser.EntityDeclHandler = refuse_dtd
        parser.StartElementHandler = start
        with self.archive.open(member) as stream:
            while chunk := stream.read(64 * 1024):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)

    @staticmethod
    def check_cell(row, column):
        if row > MAX_ROWS + 1:  # the first row holds the column names
            check_row_count(MAX_ROWS, more=True)
        if column > MAX_COLUMNS:
            raise FileRefused(
                _("Le fichier compte plus de %(max)s colonnes : %(max)s au plus par import.") % {"max": MAX_COLUMNS}
            )


class SpreadsheetXLSX(base_formats.XLSX):
    """The active sheet of an Excel file, once measured, read no further than MAX_ROWS rows below the column
    names."""

    def create_dataset(self, in_stream):
        import openpyxl

        check_upload_size(len(in_stream))
        with zipfile.ZipFile(io.BytesIO(in_stream)) as archive:
            WorkbookMeasure(archive).check()
        workbook = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            rows = workbook.active.iter_rows(values_only=True)
            dataset = tablib.Dataset()
            dataset.headers = headers = list(next(rows, ()))
            for row in rows:
                if len(dataset) == MAX_ROWS:
                    check_row_count(MAX_ROWS, more=True)
                # A row as wide as the column names: missing cells empty (as tablib does), empty ones dropped.
                values = list(row) + [None] * (len(headers) - len(row))
                while len(values) > len(headers) and values[-1] in (None, ""):
                    values.pop()
                dataset.append(values)
        finally:
            workbook.close()
        return dataset


IMPORT_FORMATS = [SpreadsheetCSV, SpreadsheetXLSX]
EXPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
