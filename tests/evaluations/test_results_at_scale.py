"""Done when (issue 15): signing a deliberation of 2,000 files queues 2,000 results messages, with a number of
queries that does not grow with the files.

The messages' queries are those a signature makes with them less those it makes without them
(`results_drafts` and `signed_drafts` returning nothing, the same signature rolled back): the files, their
decisions and blocs, the professional jury's recommendations, the blocs held before, the members told, and
one INSERT of every message. The signature's own writes go by batches of 500 rows (evaluations/services.py,
BATCH_SIZE), as `bench_deliberation` shows; the messages add the same 6 queries to 3 files and to 2,000."""

from contextlib import ExitStack
from unittest import mock

import pytest
from django.db import connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import CaptureQueriesContext

from candidates.models import Candidate
from evaluations import services
from evaluations.benchmark import add_signed_files, bench_world
from outbox.models import Message, MessageKind, MessageStatus
from referentials.models import Certification

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="one INSERT for 2,000 messages is PostgreSQL's: SQLite takes 999 values a query, 58 messages an "
        "INSERT (set DATABASE_URL)",
    ),
]

PASSWORD = "bench-results-password"
MESSAGE_QUERIES = 6


@pytest.fixture
def world(shipped_referential):
    """An open deliberation of its own, presided by its one member (evaluations/benchmark.py)."""
    return bench_world(Certification.objects.get(code="GC"), "jpn-scale", PASSWORD)


def add_files(world, count, start):
    """`count` signed files, their candidates given an address so that their results are sendable."""
    add_signed_files(world.deliberation, *world.jury, count, start=start)
    Candidate.objects.filter(organisation=world.organisation).update(
        email=Concat(Value("candidat"), Cast("pk", CharField()), Value("@example.fr"))
    )


def signature_queries(world, *, messages):
    """The queries of the signature, with or without its messages, rolled back."""
    savepoint = transaction.savepoint()
    with ExitStack() as patches:
        if not messages:
            patches.enter_context(mock.patch("evaluations.messages.results_drafts", return_value=[]))
            patches.enter_context(mock.patch("evaluations.notices.signed_drafts", return_value=[]))
        with CaptureQueriesContext(connection) as captured:
            services.sign_deliberation(world.deliberation, world.user, PASSWORD)
    transaction.savepoint_rollback(savepoint)
    return len(captured)


def test_signing_2000_files_queues_2000_results_in_the_same_queries_as_3(world):
    add_files(world, 3, start=0)
    small = signature_queries(world, messages=True) - signature_queries(world, messages=False)
    add_files(world, 1997, start=3)
    without = signature_queries(world, messages=False)
    with CaptureQueriesContext(connection) as captured:
        services.sign_deliberation(world.deliberation, world.user, PASSWORD)
    assert small == len(captured) - without == MESSAGE_QUERIES

    # One INSERT writes the 2,001 messages.
    assert [query["sql"].startswith('INSERT INTO "outbox_message"') for query in captured].count(True) == 1
    results = Message.objects.filter(kind=MessageKind.RESULTS, deliberation_id=world.deliberation.pk)
    assert results.count() == 2000
    assert results.filter(status=MessageStatus.WAITING).count() == 2000  # each to its candidate's address
    assert results.values("candidate_id").distinct().count() == 2000
    assert Message.objects.filter(kind=MessageKind.DELIBERATION_SIGNED).count() == 1  # its one member
