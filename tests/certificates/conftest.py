"""Signed deliberations whose certificates the tests issue."""

import time
from types import SimpleNamespace

import django_ratelimit.core
import pytest
from django.conf import settings
from django.core.cache import caches

from candidates.demo import PASSWORD
from candidates.models import Organisation
from certificates import services
from evaluations import services as evaluation_services
from evaluations.benchmark import add_signed_files
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, WINTER, deliberation_for, run_exam, user


def signed_deliberation(session, *exams):
    for exam in exams:
        run_exam(exam)
    deliberation = deliberation_for(session)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    return evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD)


@pytest.fixture
def spring(demo_exams, signing_certificate):
    """Léa Martin validated on GRU and MDR: two CCP."""
    return signed_deliberation(SPRING, exam_of("Martin", "GRU"), exam_of("Martin", "MDR"))


@pytest.fixture
def winter(spring):
    """Then on GDU: a third CCP, and the CQP GC."""
    return signed_deliberation(WINTER, exam_of("Martin", "GDU"))


@pytest.fixture(autouse=True)
def no_retry_delays(monkeypatch):
    """A database fault is retried at once in tests (in production after 1, 4, then 15 s)."""
    monkeypatch.setattr(services, "RETRY_DELAYS", (0, 0, 0))


def deliberation_validating(count):
    """A signed deliberation validating GRU for `count` more candidates of the spring session."""
    deliberation = deliberation_for(SPRING)
    gru = exam_of("Martin", "GRU")
    organisation = Organisation.objects.get(name="CPAM du Rhône")
    files = count * 3 // 2  # one file in three is not validated
    add_signed_files(deliberation, deliberation.sessions.get(), organisation, gru.president, gru.representative, files)
    return evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD)


def stored_pdfs():
    """Every file under the certificates' folder of the storage."""
    root = settings.MEDIA_ROOT / "certificates"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def fresh_rate_limits(db, monkeypatch):
    """No request counted yet from any address, and django-ratelimit's clock stopped: its windows are fixed
    (each counter's ends at a second of its own), so requests counted across a window's end would start
    the count again and a test expecting the 21st to be refused would, now and then, see it pass."""
    caches["default"].clear()
    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))
