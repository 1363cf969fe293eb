"""The admin as an Ucanss administrator uses it: lists, rules on entry, import and export."""

import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.models import Candidate, Exam
from candidates.roles import NATIONAL_JURY, PROFESSIONAL_JURY, UCANSS_ADMINISTRATORS
from referentials.models import Competence

from .factories import CandidateFactory, ExamFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ucanss_admin(client):
    user = User.objects.create_user("gestion", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=UCANSS_ADMINISTRATORS))
    client.force_login(user)
    return client


@pytest.mark.parametrize("group", [PROFESSIONAL_JURY, NATIONAL_JURY])
def test_a_jury_member_never_reaches_the_admin_even_if_made_staff(client, group):
    user = User.objects.create_user("jury", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_ucanss_administrators_manage_candidates_sessions_and_exams(ucanss_admin, world):
    for name in ("candidate", "certificationsession", "exam", "jurymember", "organisation", "person"):
        assert ucanss_admin.get(reverse(f"admin:candidates_{name}_changelist")).status_code == 200
        assert ucanss_admin.get(reverse(f"admin:candidates_{name}_add")).status_code == 200


def test_adding_an_exam_with_a_bad_jury_says_why_and_saves_nothing(ucanss_admin, world):
    colleague = PersonFactory(
        organisation=world.paris, jury_role="representative", first_name="Luc", last_name="Collègue"
    )
    colleague.jury_trained_on = world.president.jury_trained_on
    colleague.save()
    response = ucanss_admin.post(
        reverse("admin:candidates_exam_add"),
        {
            "session": world.session.pk,
            "candidate": world.candidate.pk,
            "bloc": world.blocs["GDU"].pk,
            "scheduled_at_0": "10/06/2025",
            "scheduled_at_1": "09:00",
            "place": "Paris",
            "video_link": "",
            "president": world.president.pk,
            "representative": colleague.pk,
        },
    )
    assert response.status_code == 200
    assert "Le représentant métier Luc Collègue ne peut pas être du même organisme que le candidat." in (
        response.content.decode()
    )
    assert Exam.objects.count() == 0


def test_adding_a_valid_exam_in_the_admin(ucanss_admin, world):
    response = ucanss_admin.post(
        reverse("admin:candidates_exam_add"),
        {
            "session": world.session.pk,
            "candidate": world.candidate.pk,
            "bloc": world.blocs["GDU"].pk,
            "scheduled_at_0": "10/06/2025",
            "scheduled_at_1": "09:00",
            "place": "Paris",
            "video_link": "",
            "president": world.president.pk,
            "representative": world.representative.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Exam.objects.get().kind == "observation"


def _make_exams(world, count):
    for _ in range(count):
        candidate = CandidateFactory(organisation=world.paris, certification=world.gc)
        ExamFactory(
            session=world.session,
            candidate=candidate,
            bloc=world.blocs["GRU"],
            president=world.president,
            representative=world.representative,
        )


@pytest.mark.parametrize(
    ("name", "queries"),
    [("candidate", 12), ("exam", 14), ("certificationsession", 12), ("jurymember", 9)],
)
def test_list_pages_make_the_same_queries_for_2_or_22_rows(
    ucanss_admin, world, django_assert_num_queries, name, queries
):
    url = reverse(f"admin:candidates_{name}_changelist")
    _make_exams(world, 2)
    with django_assert_num_queries(queries):
        assert ucanss_admin.get(url).status_code == 200
    _make_exams(world, 20)
    SessionFactory.create_batch(5, certification=world.gc)
    with django_assert_num_queries(queries):
        assert ucanss_admin.get(url).status_code == 200


def test_a_candidates_page_makes_the_same_queries_for_1_or_12_attestations(
    ucanss_admin, world, django_assert_num_queries
):
    competences = list(Competence.objects.filter(bloc__version=world.version).order_by("pk")[:12])
    url = reverse("admin:candidates_candidate_change", args=[world.candidate.pk])
    world.candidate.attestations.create(competence=competences[0], tutor_attested_on="2025-03-01")
    ucanss_admin.get(url)  # the process's caches (content types) warm, as in service
    with django_assert_num_queries(15):
        assert ucanss_admin.get(url).status_code == 200
    for competence in competences[1:]:
        world.candidate.attestations.create(competence=competence, manager_attested_on="2025-03-02")
    with django_assert_num_queries(15):
        content = ucanss_admin.get(url).content.decode()
    assert content.count('name="attestations-') >= 12 * 3


def test_candidate_list_shows_progress_counted_across_both_cqps(ucanss_admin, world):
    world.candidate.acquired_blocs.create(bloc=world.blocs["GRU"], acquired_on="2024-12-01", origin="COS")
    world.candidate.acquired_blocs.create(bloc=world.blocs["MDR"], acquired_on="2024-12-01", origin="COS")
    response = ucanss_admin.get(reverse("admin:candidates_candidate_changelist"), {"avancement": "partiel"})
    content = response.content.decode()
    assert re.search(r"Martin</a></th>.*?Léa.*?2 / 3", content, flags=re.S)


CSV_HEADER = (
    "Nom;Prénom;Date de naissance;Courriel;Organisme;Emploi;CQP;Voie;Pass validée le;"
    "Prem'ss validée le;Livret 2 reçu le;Manager (courriel);Tuteur (courriel)\n"
)


def _import(client, content, name="candidats.csv", file_format=0):
    upload = SimpleUploadedFile(name, content if isinstance(content, bytes) else content.encode("utf-8"))
    return client.post(
        reverse("admin:candidates_candidate_import"),
        {"import_file": upload, "format": file_format, "resource": 0},
    )


def test_import_shows_a_preview_then_writes_on_confirmation(ucanss_admin, world):
    content = CSV_HEADER + (
        "Durand;Chloé;12/05/1990;chloe.durand@exemple.fr;CPAM de Paris;Gestionnaire;GC;Formation;01/03/2024;;;;\n"
        "Petit;Omar;1988-02-03;;CPAM de Lyon;Conseiller;COS;VAE;;;15/01/2025;;\n"
    )
    preview = _import(ucanss_admin, content)
    assert preview.status_code == 200
    assert Candidate.objects.count() == 1  # only the world's candidate: a preview writes nothing
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    response = ucanss_admin.post(reverse("admin:candidates_candidate_process_import"), confirm.initial, follow=True)
    assert response.status_code == 200
    durand = Candidate.objects.get(last_name="Durand")
    assert (durand.certification, durand.route, str(durand.birth_date)) == (world.gc, "training", "1990-05-12")
    petit = Candidate.objects.get(last_name="Petit")
    assert (petit.certification, petit.route, str(petit.livret2_received_on)) == (world.cos, "vae", "2025-01-15")


def test_import_names_every_error_by_line_and_column_and_writes_nothing(ucanss_admin, world):
    content = CSV_HEADER + (
        "Durand;Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n"
        "Petit;Omar;31/02/1988;;CPAM inconnue;;XX;Bus;;;;;\n"
        "Roux;Ana;01/01/1985;;CPAM de Paris;;GC;Formation;;;10/01/2025;;\n"
    )
    response = _import(ucanss_admin, content)
    assert response.context.get("confirm_form") is None
    result = response.context["result"]
    errors = {
        row.number: {field: [str(e) for e in errs] for field, errs in row.error_dict.items()}
        for row in result.invalid_rows
    }
    assert errors == {  # numbered as in the spreadsheet, whose line 1 holds the column names
        3: {
            "Date de naissance": ["Date « 31/02/1988 » illisible (attendu : JJ/MM/AAAA)."],
            "Organisme": ["Organisme « CPAM inconnue » inconnu : créez-le d'abord."],
            "CQP": ["CQP « XX » inconnu (GC ou COS)."],
            "Voie": ["Voie d'accès « Bus » inconnue (Formation ou VAE)."],
        },
        4: {"Livret 2 reçu le": ["Le livret 2 ne concerne que la voie de la VAE."]},
    }
    assert Candidate.objects.count() == 1


def test_import_refuses_a_file_with_missing_columns(ucanss_admin, world):
    response = _import(ucanss_admin, "Nom;Prénom\nDurand;Chloé\n")
    assert response.context.get("confirm_form") is None
    assert "Date de naissance" in response.content.decode()
    assert Candidate.objects.count() == 1


def test_import_reads_an_excel_file(ucanss_admin, world):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(CSV_HEADER.strip().split(";"))
    import datetime

    sheet.append(["Durand", "Chloé", datetime.date(1990, 5, 12), None, "CPAM de Paris", None, "GC", "Formation"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = _import(ucanss_admin, buffer.getvalue(), name="candidats.xlsx", file_format=1)
    assert preview.context["confirm_form"] is not None
    ucanss_admin.post(reverse("admin:candidates_candidate_process_import"), preview.context["confirm_form"].initial)
    assert Candidate.objects.filter(last_name="Durand", birth_date="1990-05-12").exists()


def test_export_neutralises_formulas_and_reads_back(ucanss_admin, world):
    world.candidate.job_title = '=HYPERLINK("http://exemple.invalid")'
    world.candidate.save()
    response = ucanss_admin.post(
        reverse("admin:candidates_candidate_export"),
        {"format": 0, "resource": 0, "candidateresource_last_name": True, "candidateresource_job_title": True},
    )
    text = response.getvalue().decode("utf-8-sig")
    assert response.status_code == 200
    assert "Nom;Emploi" in text.splitlines()[0] or text.splitlines()[0].startswith("Nom")
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")


def _errors(response):
    result = response.context["result"]
    return {
        row.number: {field: [str(e) for e in errs] for field, errs in row.error_dict.items()}
        for row in result.invalid_rows
    }


def test_import_reads_a_windows_1252_csv_as_excel_saves_it(ucanss_admin, world):
    content = (CSV_HEADER + "Durand;Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n").encode("cp1252")
    response = _import(ucanss_admin, content)
    assert response.context["confirm_form"] is not None
    assert "Chloé" in response.content.decode()


def test_import_refuses_the_same_candidate_twice_in_a_file(ucanss_admin, world):
    row = "Durand;Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n"
    response = _import(ucanss_admin, CSV_HEADER + row + row.replace("Durand", "DURAND"))
    assert response.context.get("confirm_form") is None
    assert _errors(response) == {3: {"Nom": ["Même candidat (nom, prénom, date de naissance) qu'à la ligne 2."]}}
    assert Candidate.objects.count() == 1


def test_import_refuses_a_file_too_long_whole(ucanss_admin, world):
    rows = "".join(f"Nom{n};Prénom;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;\n" for n in range(5001))
    response = _import(ucanss_admin, CSV_HEADER + rows)
    assert response.context.get("confirm_form") is None
    assert "Le fichier compte 5001 lignes : 5000 au plus par import ; découpez-le." in response.content.decode()
    assert Candidate.objects.count() == 1


def test_import_of_a_binary_file_says_what_is_wrong_and_writes_nothing(ucanss_admin, world):
    response = _import(ucanss_admin, bytes(range(256)) * 4)
    assert response.status_code == 200 and response.context.get("confirm_form") is None
    assert "pendant la lecture du fichier. Assurez-vous d’avoir choisi le bon format" in response.content.decode()
    assert Candidate.objects.count() == 1


def test_import_refuses_an_xml_bomb_spreadsheet(ucanss_admin, world):
    import io
    import zipfile

    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
        + ']><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&lol9;</Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", bomb)
        archive.writestr("xl/workbook.xml", bomb)
    response = _import(ucanss_admin, buffer.getvalue(), name="candidats.xlsx", file_format=1)
    assert response.status_code == 200 and response.context.get("confirm_form") is None
    assert "pendant la lecture du fichier" in response.content.decode()
    assert Candidate.objects.count() == 1


def test_import_reads_the_civil_identity_columns_and_names_their_errors(ucanss_admin, world):
    header = CSV_HEADER.strip() + ";Nom de naissance;Sexe;Code INSEE du lieu de naissance;Commune de naissance\n"
    good = "Durand;Chloé;12/05/1990;;CPAM de Paris;;GC;Formation;;;;;;Roux;Femme;2A004;Ajaccio\n"
    bad = "Petit;Omar;03/02/1988;;CPAM de Paris;;GC;Formation;;;;;;;X;7511;Paris\n"
    response = _import(ucanss_admin, header + good + bad)
    errors = {
        row.number: {field: [str(e) for e in errs] for field, errs in row.error_dict.items()}
        for row in response.context["result"].invalid_rows
    }
    assert errors == {
        3: {
            "Sexe": ["Sexe « X » inconnu (F ou M)."],
            "Code INSEE du lieu de naissance": [
                "Le code INSEE du lieu de naissance a 5 caractères : 75115, 2A004, ou 99xxx pour l'étranger."
            ],
        }
    }
    response = _import(ucanss_admin, header + good)
    ucanss_admin.post(reverse("admin:candidates_candidate_process_import"), response.context["confirm_form"].initial)
    durand = Candidate.objects.get(last_name="Durand")
    identity = (durand.birth_name, durand.sex, durand.birth_place_code, durand.birth_city)
    assert identity == ("Roux", "F", "2A004", "Ajaccio")
