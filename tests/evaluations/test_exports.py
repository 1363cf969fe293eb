"""A deliberation's results exported as CSV and Excel, read back into the same data, formula-safe."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import Candidate, CertificationSession
from evaluations import services
from evaluations.exports import HEADERS, SESSION_HEADERS

from .conftest import exam_of
from .test_deliberations import SPRING, WINTER, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

COS_WINTER = "CQP COS — session d'hiver"

EXPECTED = [
    ["=cmd", "Chloé", "30/09/1994", "CPAM de Paris", "GC", "Formation", "GRU", "Bloc non validé",
     "Avis défavorable à la validation du bloc", "Bloc non validé", "", "", "Aucun bloc validé"],
    ["Martin", "Léa", "17/04/1992", "CPAM de Paris", "GC", "Formation", "GRU", "Bloc validé",
     "Avis favorable à la validation du bloc", "Bloc validé", "", "", "CCP seulement"],
    ["Martin", "Léa", "17/04/1992", "CPAM de Paris", "GC", "Formation", "MDR", "Bloc validé",
     "Avis favorable à la validation du bloc", "Bloc validé", "", "", "CCP seulement"],
]  # fmt: skip


@pytest.fixture
def deliberation(demo_exams):
    Candidate.objects.filter(last_name="Fontaine").update(last_name="=cmd")  # a hostile name
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("=cmd", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    return deliberation


def export(client, deliberation, action):
    client.login(username="gestionnaire", password=PASSWORD)
    return client.post(
        reverse("admin:evaluations_deliberation_changelist"), {"action": action, "_selected_action": [deliberation.pk]}
    )


def unescaped(rows):
    return [[cell[1:] if cell.startswith("'=") else cell for cell in row] for row in rows]


def test_csv_export_reads_back_and_neutralises_formulas(client, deliberation):
    response = export(client, deliberation, "export_results_csv")
    text = response.getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == HEADERS
    assert rows[1][0] == "'=cmd"
    assert unescaped(rows[1:]) == EXPECTED


def test_excel_export_reads_back(client, deliberation):
    response = export(client, deliberation, "export_results_xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert unescaped(rows[1:]) == EXPECTED


def test_session_results_show_each_exam_where_it_stands_and_read_back(client, deliberation, django_assert_num_queries):
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    client.login(username="gestionnaire", password=PASSWORD)
    sessions = list(CertificationSession.objects.values_list("pk", flat=True))
    with django_assert_num_queries(24):  # the same for one session as for three; asked, made and served at once
        response = client.post(
            reverse("admin:candidates_certificationsession_changelist"),
            {"action": "export_results_xlsx", "_selected_action": sessions},
        )
    sheet = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == SESSION_HEADERS

    def on(last_name, bloc=None):
        return timezone.localtime(exam_of(last_name, bloc).scheduled_at).strftime("%d/%m/%Y")

    lea = ["Martin", "Léa", "17/04/1992", "CPAM de Paris", "GC", "Formation"]
    chloe = ["'=cmd", "Chloé", "30/09/1994", "CPAM de Paris", "GC", "Formation"]
    yanis = ["Robert", "Yanis", "23/01/1996", "CAF de la Gironde", "COS", "Formation"]
    signed = f"Délibération du jury paritaire national ({deliberation.held_on:%d/%m/%Y})"
    favourable, unfavourable = "Avis favorable à la validation du bloc", "Avis défavorable à la validation du bloc"
    not_open = ["Pas encore ouverte", "", "", "", ""]
    assert rows[1:] == [
        [SPRING, *chloe, on("=cmd", "GRU"), "GRU", "Signée par le jury", "Bloc non validé", unfavourable,
         "Bloc non validé", signed],
        [SPRING, *lea, on("Martin", "GRU"), "GRU", "Signée par le jury", "Bloc validé", favourable,
         "Bloc validé", signed],
        [SPRING, *lea, on("Martin", "MDR"), "MDR", "Signée par le jury", "Bloc validé", favourable,
         "Bloc validé", signed],
        [WINTER, *chloe, on("=cmd", "MDR"), "MDR", *not_open],
        [WINTER, "Lambert", "Hugo", "02/11/1985", "CAF de la Gironde", "GC", "VAE", on("Lambert"),
         "Tous les blocs non détenus", *not_open],
        [WINTER, *lea, on("Martin", "GDU"), "GDU", *not_open],
        [COS_WINTER, *yanis, on("Robert", "GRU"), "GRU", *not_open],
        [COS_WINTER, *yanis, on("Robert", "MDR"), "MDR", *not_open],
    ]  # fmt: skip


def test_the_results_exports_read_in_the_same_queries_for_3_or_33_files(deliberation, django_assert_num_queries):
    """A deliberation of 3,900 files is exported in the queries of three (issue 14)."""
    from candidates.models import Organisation
    from evaluations.benchmark import add_signed_files
    from evaluations.exports import deliberation_results, session_results

    session = deliberation.sessions.get()
    jury = (exam_of("Martin", "GRU").president, exam_of("Martin", "GRU").representative)
    sizes = []
    for count in (0, 30):
        add_signed_files(deliberation, session, Organisation.objects.get(name="CPAM du Rhône"), *jury, count)
        with django_assert_num_queries(3):  # files, their decisions, the blocs
            sizes.append(len(deliberation_results([deliberation.pk])))
        with django_assert_num_queries(6):  # exams, the graded blocs and layouts, the national decisions
            session_results([session.pk])
    assert sizes == [3, 33]
