"""The candidates' import and export read and write by batch, not by row: the same queries for a few rows
or twice as many (issue 14: 17 queries a row made a file of 5,000 rows take 42 s to preview)."""

from unittest import mock

import pytest

from candidates.models import Candidate, Person
from candidates.resources import CandidateResource, export_candidates, import_candidates, read_candidates

from .factories import CandidateFactory, PersonFactory
from .test_admin import CSV_HEADER

pytestmark = pytest.mark.django_db


def csv_file(rows, start=0):
    """Rows naming organisations, both CQP, a manager and a tutor by email, and an existing candidate."""
    lines = [
        f"Nom{n};Prénom;12/05/1990;;{('CPAM de Paris', 'CPAM de Lyon')[n % 2]};Conseiller;{('GC', 'COS')[n % 2]};"
        f"Formation;01/03/2024;;;manager{n % 2}@exemple.fr;tuteur{n % 2}@exemple.fr\n"
        for n in range(start, start + rows)
    ]
    lines.append(f"Martin;Léa;12/05/1990;;CPAM de Paris;Gestionnaire {start};GC;Formation;;;;;\n")  # an update
    return read_candidates((CSV_HEADER + "".join(lines)).encode(), "csv")


@pytest.fixture
def people(world):
    for n, organisation in enumerate([world.paris, world.lyon]):
        PersonFactory(organisation=organisation, email=f"manager{n}@exemple.fr")
        PersonFactory(organisation=organisation, email=f"tuteur{n}@exemple.fr")
    world.candidate.birth_date = "1990-05-12"
    world.candidate.save()


def test_preview_and_import_make_the_same_queries_for_4_or_8_rows(people, django_assert_num_queries):
    for rows, start in [(4, 0), (8, 100)]:
        dataset = csv_file(rows, start)
        with django_assert_num_queries(14):  # organisations, CQP, managers, tutors, candidates; nothing written
            preview = import_candidates(dataset, dry_run=True)
        assert not preview.has_errors() and not preview.has_validation_errors()
        with django_assert_num_queries(15):
            result = import_candidates(dataset, dry_run=False)
        assert [row.import_type for row in result.rows] == ["new"] * rows + ["update"]
    assert Candidate.objects.filter(manager__email="manager1@exemple.fr", certification__code="COS").count() == 6


def test_the_queries_grow_by_batch_not_by_row(people, django_assert_num_queries):
    with django_assert_num_queries(15):  # 9 new rows in one batch
        import_candidates(csv_file(9), dry_run=False)
    with mock.patch.object(CandidateResource._meta, "batch_size", 3):
        with django_assert_num_queries(23):  # in three batches: a few queries more for each (its insert,
            import_candidates(csv_file(9, start=100), dry_run=False)  # its savepoint)
    assert Candidate.objects.count() == 19


def test_a_row_naming_what_does_not_exist_is_reported_by_column(people):
    lines = "Petit;Omar;03/02/1988;;CPAM inconnue;;XX;Formation;;;;inconnu@exemple.fr;\n"
    lines += "Roux;Ana;03/02/1850;;CPAM de Paris;;GC;Formation;;;;;\n"
    result = import_candidates(read_candidates((CSV_HEADER + lines).encode(), "csv"), dry_run=True)
    errors = {
        row.number: {column: [str(error) for error in errors] for column, errors in row.error_dict.items()}
        for row in result.invalid_rows
    }
    assert errors == {
        2: {
            "Organisme": ["Organisme « CPAM inconnue » inconnu : créez-le d'abord."],
            "CQP": ["CQP « XX » inconnu (GC ou COS)."],
            "Manager (courriel)": ["Aucune personne n'a le courriel « inconnu@exemple.fr » : créez-la d'abord."],
        },
        3: {"Date de naissance": ["La date de naissance n'est pas plausible."]},
    }


def test_the_export_makes_one_query_for_3_or_30_candidates(world, django_assert_num_queries):
    manager = PersonFactory(organisation=world.paris, email="manager@exemple.fr")
    for size in (3, 30):
        CandidateFactory.create_batch(
            size - Candidate.objects.count(), organisation=world.paris, certification=world.gc, manager=manager
        )
        with django_assert_num_queries(1):
            data = export_candidates(Candidate.objects.all(), "csv")
        assert data.count("manager@exemple.fr") == size - 1
    assert Person.objects.count() >= 1
