"""The statistics page: figures recomputed by hand on a small world, charts and tables, fixed queries."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import CertificationSession
from evaluations import selectors, services, statistics
from evaluations.models import BlocTally, CompetenceTally, CriterionMark, CriterionTally

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
    # session, user, then one query per table (the exams' outcomes, issue 16, among them)
    with django_assert_num_queries(9):
        response = client.get(reverse("evaluations:statistics"), {"par": "session"})
    for exam in (exam_of("Robert", "GRU"), exam_of("Robert", "MDR"), exam_of("Lambert")):
        run_exam(exam)  # more grids, more blocs, more criteria: the same queries
    with django_assert_num_queries(9):
        client.get(reverse("evaluations:statistics"), {"par": "session"})
    content = response.content.decode()
    assert content.count("<svg") == 4
    assert "CQP GC — session de printemps" in content
    assert "<td>GRU</td><td>1</td><td>2</td><td>50 %</td>" in content


def run_mixed(exam, pattern=3):
    """Grade and sign an exam with one criterion in `pattern` « non validé »: some competences acquired,
    some not, by the rule."""
    layout = selectors.grid_layout(exam)
    state = layout.empty_state()
    for bloc in layout.blocs:
        for position, competence in enumerate(bloc.competences):
            state.update({c.key: index % pattern != 0 for index, c in enumerate(competence.criteria, start=position)})
            if bloc.oral_presentation:
                state[competence.presented_key if position < 2 else competence.discussed_key] = True
        state[bloc.verdict_key] = "favourable"
    services.save_grid(exam, user("president"), state, 0)
    services.submit_grid(exam, user("president"))
    for member in (exam.president, exam.representative):
        services.sign_grid(exam, member.user, PASSWORD)


FILTERS = [
    {},
    {"cqp": "GC"},
    {"cqp": "COS"},
    {"branche": "maladie"},
    {"branche": "famille"},
    {"voie": "training"},
    {"voie": "vae"},
    {"cqp": "GC", "branche": "maladie", "voie": "training"},
    {"cqp": "COS", "voie": "vae"},
]


def figures(filters, tallied):
    return [
        rows(filters, tallied=tallied)
        for rows in (statistics.month_rows, statistics.bloc_rows, statistics.criterion_rows, statistics.competence_rows)
    ]


@pytest.fixture
def more_graded(graded):
    """Beyond the spring deliberation: Yanis Robert's COS exams and Hugo Lambert's VAE interview, graded
    with criteria missed here and there, and a second deliberation on the winter sessions, signed."""
    run_mixed(exam_of("Robert", "GRU"))
    run_mixed(exam_of("Robert", "MDR"), pattern=2)
    run_mixed(exam_of("Lambert"), pattern=4)
    deliberation = deliberation_for(WINTER_GC, WINTER_COS)
    services.add_ready_files(deliberation, user("jpn"))
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)


WINTER_GC, WINTER_COS = "CQP GC — session d'hiver", "CQP COS — session d'hiver"


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_the_tallies_give_the_figures_counted_from_every_mark_and_decision(more_graded, filters):
    assert figures(filters, tallied=True) == figures(filters, tallied=False)


def test_the_tallies_are_not_empty_and_hold_every_signed_mark(more_graded):
    assert CriterionTally.objects.aggregate(total=Sum("marks"))["total"] == (
        CriterionMark.objects.filter(grid__status="signed").count()
    )
    assert {row["bloc__code"] for row in statistics.bloc_rows({})} == {"GRU", "MDR", "GDU"}
    assert any(acquired < assessed for _bloc, _code, assessed, acquired in statistics.competence_rows({}))


def test_counting_again_from_nothing_gives_the_same_tallies(more_graded):
    """What the data migration does over the signed rows it finds gives what signing wrote."""

    def tallies():
        fields = ["certification_id", "branch", "route"]
        return (
            sorted(CriterionTally.objects.values_list("criterion_id", *fields, "marks", "validated")),
            sorted(CompetenceTally.objects.values_list("competence_id", *fields, "grids", "acquired")),
            sorted(BlocTally.objects.values_list("deliberation_id", "bloc_id", *fields, "decisions", "validated")),
        )

    written = tallies()
    statistics.recount()
    assert tallies() == written


def test_a_session_counts_the_marks_of_its_candidates(more_graded, client, django_assert_num_queries):
    spring = CertificationSession.objects.get(name=SPRING)
    filters = {"session": str(spring.pk)}
    assert not statistics.is_tallied(filters)
    assert [(r.label, r.successes, r.total) for r in statistics.bloc_rates(filters)] == [("GRU", 1, 2), ("MDR", 1, 1)]
    client.login(username="gestionnaire", password=PASSWORD)
    with django_assert_num_queries(9):  # as unfiltered: the exams' outcomes are counted live either way
        client.get(reverse("evaluations:statistics"), {"session": spring.pk})
