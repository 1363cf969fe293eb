"""The statistics page: figures recomputed by hand on a small world, charts and tables, fixed queries."""

import pytest
from django.urls import reverse

from candidates.demo import PASSWORD
from evaluations import services, statistics

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(demo_exams):
    """Léa Martin validated on GRU and MDR, Chloé Fontaine's GRU with half the criteria of its last
    three competences; the spring deliberation signed as computed."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)


def test_outcomes_per_cqp_match_the_records(graded):
    rows = {row["label"]: row for row in statistics.outcomes_by("cqp", {})}
    # GC: Léa, Chloé, Hugo; COS: Amina, Yanis, Manon. Léa's GRU and MDR acquired by the deliberation.
    assert {label: (row["candidates"], row["blocs"], row["cqp"].successes) for label, row in rows.items()} == {
        "COS": (3, 0, 0),
        "GC": (3, 2, 0),
    }


def test_outcomes_per_branch_and_route_with_filters(graded):
    by_route = {row["label"]: row["candidates"] for row in statistics.outcomes_by("voie", {"cqp": "GC"})}
    assert by_route == {"Formation": 2, "VAE": 1}
    by_branch = {row["label"]: row["blocs"] for row in statistics.outcomes_by("branche", {})}
    assert by_branch == {"Famille": 0, "Maladie": 2, "Recouvrement": 0, "Retraite": 0}


def test_bloc_and_criterion_rates_match_the_marks(graded):
    assert [(r.label, r.successes, r.total) for r in statistics.bloc_rates({})] == [("GRU", 1, 2), ("MDR", 1, 1)]
    criteria = statistics.criterion_rates({})
    # Chloé's GRU: every criterion "non validé"; Léa's: all validated. GRU criteria are seen twice, MDR once.
    gru = [rate for rate in criteria if rate.label.startswith("GRU")]
    assert len(gru) == 30 and {(rate.successes, rate.total) for rate in gru} == {(1, 2)}
    assert criteria[0].label.startswith("GRU ")  # the least validated come first
    competences = {rate.label: (rate.successes, rate.total) for rate in statistics.competence_rates({})}
    assert competences["GRU C1"] == (1, 2) and competences["MDR C7"] == (1, 1)


def test_the_page_shows_charts_and_tables_with_fixed_queries(client, graded, django_assert_num_queries):
    client.login(username="gestionnaire", password=PASSWORD)
    with django_assert_num_queries(8):  # session, user, then one query per table
        response = client.get(reverse("evaluations:statistics"), {"par": "session"})
    for exam in (exam_of("Robert", "GRU"), exam_of("Robert", "MDR"), exam_of("Lambert")):
        run_exam(exam)  # more grids, more blocs, more criteria: the same queries
    with django_assert_num_queries(8):
        client.get(reverse("evaluations:statistics"), {"par": "session"})
    content = response.content.decode()
    assert content.count("<svg") == 4
    assert "CQP GC — session de printemps" in content
    assert "<td>GRU</td><td>1</td><td>2</td><td>50 %</td>" in content
