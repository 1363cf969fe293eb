"""Size is irrelevant (issue 14): the main pages make exactly as many queries on a generated medium data set
(`evaluations.scale`, ten years of sessions, signed grids, deliberations and certificates) as on the demo.

PostgreSQL only: the data set is built with its triggers (audit trail, frozen rows) on, as `setup_scale` does.
The demo is built first, measured, and rolled back to a savepoint; then the medium set is built and measured.
The pages, and the objects each one shows, are those of the benchmark (`manage.py bench_pages`)."""

import pytest
from django.db import connection, transaction

from candidates import demo as candidates_demo
from evaluations import demo as evaluations_demo
from evaluations import scale, services
from evaluations.management.commands import bench_pages

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the scale data set needs PostgreSQL (its audit and frozen-row triggers): set DATABASE_URL",
    ),
]

MEDIUM = 0.006  # of the decade: 120 candidates, ~550 exams, deliberations of 12 to 30 files

MAIN_PAGES = [
    "Mes épreuves (président de jury)",
    "Grille signée",
    "Délibération ouverte, dossiers ajoutés",
    "Délibération signée",
    "Dossier d'un candidat (signée)",
    "Statistiques",
    "Admin : candidats",
    "Admin : épreuves",
    "Admin : sessions",
    "Admin : la plus grande session",
    "Admin : certificats",
    "Admin : historique des modifications",
    "Admin : historique des notes",
    "Vérifier un certificat",
]


def main_page_queries():
    """Status and queries of each main page, the open deliberation's ready files added first."""
    objects = bench_pages.find_objects()
    services.add_ready_files(objects.open, objects.national)
    pages = {page.label: page for page in bench_pages.PAGES}
    return {label: bench_pages.query_count(pages[label], objects) for label in MAIN_PAGES}


@pytest.fixture
def demo_queries(shipped_referential):
    """The demo as `setup_demo` makes it, measured, then rolled back."""
    savepoint = transaction.savepoint()
    candidates_demo.load_demo()
    evaluations_demo.load_demo()
    queries = main_page_queries()
    transaction.savepoint_rollback(savepoint)
    return queries


def test_the_main_pages_make_as_many_queries_at_scale_as_on_the_demo(demo_queries):
    counts = scale.build(seed=1, factor=MEDIUM, log=lambda message: None)
    assert counts["candidats"] == 120
    assert counts["délibérations signées"] == scale.YEARS
    assert counts["certificats"] > 0

    assert main_page_queries() == demo_queries
