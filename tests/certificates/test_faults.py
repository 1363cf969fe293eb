"""Certificate batches after a fault: a lost connection is retried, a failed batch is taken up
again, and in the end there is exactly one stored file per certificate, the one its row names."""

import datetime
import hashlib
import threading
from unittest import mock

import pytest
from django.db import OperationalError, connection

from certificates import services
from certificates.models import Certificate, IssuingRun

from .conftest import deliberation_validating, stored_pdfs


def files_match_rows():
    """Each stored file is named by exactly one certificate, with the bytes its digest says."""
    certificates = {certificate.pdf.name: certificate.sha256 for certificate in Certificate.objects.exclude(pdf="")}
    files = {
        str(path.relative_to(path.parents[2])): hashlib.sha256(path.read_bytes()).hexdigest() for path in stored_pdfs()
    }
    return files == certificates, len(files), len(certificates)


def failing_write(faults):
    """services.record_pdfs raising, once per certificate number in `faults`, for the group holding it,
    after its PDFs were stored (the connection lost at the moment the rows are written)."""
    real = services.record_pdfs

    def record_pdfs(certificates):
        for certificate in certificates:
            error = faults.pop(certificate.number, None)
            if error is not None:
                raise error
        return real(certificates)

    return record_pdfs


@pytest.mark.django_db
def test_a_lost_connection_is_retried_and_the_batch_completes(spring, django_capture_on_commit_callbacks, caplog):
    services.number_certificates(spring)
    second = Certificate.objects.order_by("number")[1].number
    with mock.patch.object(services, "record_pdfs", failing_write({second: OperationalError("connexion perdue")})):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.start_issuing(spring)
    run.refresh_from_db()
    assert (run.done, run.total, run.finished_at is not None) == (2, 2, True)
    assert files_match_rows() == (True, 2, 2)
    assert "database fault (connexion perdue), retried in 0 s" in caplog.text


@pytest.mark.django_db
def test_faults_in_a_batch_of_200_leave_one_file_per_certificate(
    demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    deliberation = deliberation_validating(200)
    services.number_certificates(deliberation)
    numbers = list(Certificate.objects.order_by("number").values_list("number", flat=True))
    faults = {
        numbers[3]: OperationalError("connexion perdue"),  # retried at once
        numbers[30]: OperationalError("connexion perdue"),
        numbers[60]: RuntimeError("panne du rendu"),  # the batch fails: its group of 25 is left
        numbers[199]: RuntimeError("panne du rendu"),  # the last one: the last group is left
    }
    with mock.patch.object(services, "record_pdfs", failing_write(faults)):
        with django_capture_on_commit_callbacks(execute=True):
            run = services.start_issuing(deliberation)
    run.refresh_from_db()
    assert (run.done, run.finished_at, faults) == (200 - 25 - 25, None, {})
    assert files_match_rows() == (True, 150, 150)  # the PDFs stored before their rows failed are gone
    with django_capture_on_commit_callbacks(execute=True):
        services.resume_stalled_runs(stalled_after=datetime.timedelta(seconds=-1), queue_is_idle=lambda: True)
    run.refresh_from_db()
    assert (run.done, run.total, run.finished_at is not None) == (200, 200, True)
    assert files_match_rows() == (True, 200, 200)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_two_administrators_issuing_at_once_one_is_told_it_is_under_way(
    role_groups, spring, django_capture_on_commit_callbacks
):
    inside, release = threading.Event(), threading.Event()
    real = services.number_certificates
    outcomes = {}

    def slow_numbering(deliberation):
        inside.set()
        release.wait(10)
        return real(deliberation)

    def first():
        try:
            outcomes["first"] = services.start_issuing(spring).total
        finally:
            connection.close()

    with mock.patch.object(services, "number_certificates", slow_numbering):
        thread = threading.Thread(target=first)
        thread.start()
        assert inside.wait(10)
        with pytest.raises(services.IssuingUnderWay, match="déjà en cours"):
            services.start_issuing(spring)
        release.set()
        thread.join(30)
    assert outcomes == {"first": 2}
    assert Certificate.objects.count() == 2 and IssuingRun.objects.count() == 1
