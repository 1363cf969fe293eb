import datetime

import pytest
from django.utils import timezone

from candidates import demo
from candidates.models import Exam


@pytest.fixture
def demo_exams(shipped_referential):
    """The demo world, placed a month back so that every one of its exams has taken place.

    Accounts (password `candidates.demo.PASSWORD`): `president` (Claire Dumas) presides every exam;
    `jury.maladie` (Sophie Bernard) sits on the GC exams of Léa Martin and Chloé Fontaine,
    `jury.famille` (Karim Haddad) on Hugo Lambert's VAE interview and Yanis Robert's COS exams.
    """
    demo.load_demo(today=timezone.localdate() - datetime.timedelta(days=30))


def exam_of(last_name, bloc_code=None):
    """The exam of a demo candidate on a bloc; without a bloc, their VAE interview."""
    exams = Exam.objects.filter(candidate__last_name=last_name)
    exams = exams.filter(bloc__code=bloc_code) if bloc_code else exams.filter(bloc__isnull=True)
    return exams.get()
