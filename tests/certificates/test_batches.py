"""Batches in constant memory: one font configuration for every render of a process, and the rows of a
batch written per group, in a number of queries that does not grow with the batch."""

import io
from unittest import mock

import pytest
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from certificates import services
from certificates.models import Certificate, IssuingRun
from cqp_site import pdf

from .conftest import deliberation_validating, stored_pdfs


def test_every_render_shares_one_font_configuration():
    real = HTML.render
    used = []

    def render(self, font_config=None, *args, **kwargs):
        used.append(font_config)
        return real(self, font_config, *args, **kwargs)

    written = io.BytesIO()
    with mock.patch.object(HTML, "render", render):
        first = pdf.html_to_pdf("<p>Premier</p>")
        pdf.write_pdf("<p>Second</p>", written)
    assert first[:5] == written.getvalue()[:5] == b"%PDF-"
    assert len(used) == 2 and used[0] is used[1] is pdf.font_config()
    assert isinstance(used[0], FontConfiguration)


@pytest.fixture
def thirty(demo_exams, signing_certificate):
    """A signed deliberation giving 30 CCP, numbered, its run started but no batch produced."""
    run = services.start_issuing(deliberation_validating(30))
    ids = list(Certificate.objects.order_by("number").values_list("pk", flat=True))
    assert (run.total, len(ids)) == (30, 30)
    return run, ids


# A group, in its transaction (2, the savepoints here): lock its rows, read what a CCP lists (once per
# bloc), the signatory in office, the referential's registration date and the bloc's RNCP code in the CQP
# (issue 18: once per group), write the rows at once, queue the holders' messages (one INSERT), write the
# run's progress. Then the batch counts what is done (3). The credential embedded in each PDF reads nothing more.
QUERIES_PER_GROUP = 10
QUERIES_PER_BATCH = 3
QUERIES_TO_FINISH_THE_RUN = 4  # the last batch: lock the run, write it, savepoints


@pytest.mark.django_db
def test_a_batch_writes_its_rows_in_one_transaction_and_the_same_queries_for_5_or_25(thirty, django_assert_num_queries):
    run, ids = thirty
    with django_assert_num_queries(QUERIES_PER_GROUP + QUERIES_PER_BATCH):
        services.produce_batch_now(run.pk, ids[:5])
    with django_assert_num_queries(QUERIES_PER_GROUP + QUERIES_PER_BATCH + QUERIES_TO_FINISH_THE_RUN):
        services.produce_batch_now(run.pk, ids[5:])
    assert (IssuingRun.objects.get().done, len(stored_pdfs())) == (30, 30)


@pytest.mark.django_db
def test_a_batch_of_several_groups_costs_the_same_queries_per_group(thirty, django_assert_num_queries, monkeypatch):
    run, ids = thirty
    monkeypatch.setattr(services, "GROUP_SIZE", 10)
    with django_assert_num_queries(3 * QUERIES_PER_GROUP + QUERIES_PER_BATCH + QUERIES_TO_FINISH_THE_RUN):
        services.produce_batch_now(run.pk, ids)
    assert list(Certificate.objects.filter(pdf="")) == []
    run.refresh_from_db()
    assert (run.done, run.finished_at is not None, len(stored_pdfs())) == (30, True, 30)
