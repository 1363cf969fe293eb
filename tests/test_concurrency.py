"""Two jury members saving the same grid at the same moment, for real, on PostgreSQL (select_for_update
does nothing on SQLite): no update is lost, and the one whose edit collides is told."""

import threading

import pytest
from django.db import connection, connections

from evaluations import selectors, services
from evaluations.models import Grid, GridEvent
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def save_together(exam, edits):
    """Each (username, state) saved from revision 0 in its own thread, released at the same instant."""
    barrier, results, errors = threading.Barrier(len(edits)), {}, []

    def save(username, state):
        try:
            member = user(username)
            barrier.wait()
            results[username] = services.save_grid(exam, member, state, 0)
        except Exception as error:  # reported below, with the thread's name
            errors.append((username, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=edit) for edit in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_simultaneous_saves_of_different_fields_are_both_kept(role_groups, demo_exams):
    exam = exam_of("Martin", "GRU")
    empty = selectors.grid_layout(exam).empty_state()
    first, second = [key for key in empty if key.startswith("criterion-")][:2]
    results = save_together(exam, [("president", {first: True}), ("jury.maladie", {second: False})])
    state = selectors.grid_state(Grid.objects.get(exam=exam), selectors.grid_layout(exam))
    assert (state[first], state[second]) == (True, False)
    assert sorted(result.revision for result in results.values()) == [1, 2]
    assert sum(1 for result in results.values() if result.merged_from) == 1  # the second one is told
    assert GridEvent.objects.filter(grid__exam=exam).count() == 2


def test_simultaneous_saves_of_the_same_field_write_one_and_tell_the_other(role_groups, demo_exams):
    exam = exam_of("Martin", "GRU")
    first = next(key for key in selectors.grid_layout(exam).empty_state() if key.startswith("criterion-"))
    results = save_together(exam, [("president", {first: True}), ("jury.maladie", {first: False})])
    saved = [name for name, result in results.items() if result.saved]
    refused = [name for name, result in results.items() if result.conflicts]
    assert len(saved) == 1 and len(refused) == 1
    stored = selectors.grid_state(Grid.objects.get(exam=exam), selectors.grid_layout(exam))[first]
    assert stored is (saved == ["president"])
