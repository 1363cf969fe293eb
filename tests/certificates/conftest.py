"""Signed deliberations whose certificates the tests issue."""

import pytest

from candidates.demo import PASSWORD
from evaluations import services as evaluation_services
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
