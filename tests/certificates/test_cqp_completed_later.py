"""A CQP completed later: a candidate who holds every bloc and validates Prem'ss afterwards comes before the
next deliberation with no new exam; the national jury awards the CQP, and its certificate is issued like any
other (booklet 003: the CQP is awarded once every bloc is validated and both trainings are)."""

import datetime

import pytest

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc, CqpAward
from certificates import services as certificates
from certificates.models import Certificate, CertificateKind
from evaluations import selectors
from evaluations import services as evaluation_services
from evaluations.models import CandidateFile, FileOutcome
from referentials.models import Bloc
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, WINTER, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chloe_without_premss(demo_exams, signing_certificate, django_capture_on_commit_callbacks):
    """Chloé Fontaine: GDU taken over from her history, GRU and MDR validated by a signed deliberation, her CCPs
    issued; no CQP, Prem'ss not validated yet."""
    chloe = exam_of("Fontaine", "GRU").candidate
    AcquiredBloc.objects.create(
        candidate=chloe,
        bloc=Bloc.objects.get(version=chloe.certification.version, code="GDU"),
        acquired_on=datetime.date(2024, 5, 2),
        origin="Reprise de l'historique papier",
    )
    run_exam(exam_of("Fontaine", "GRU"))
    run_exam(exam_of("Fontaine", "MDR"))
    first = deliberation_for(SPRING, WINTER)
    evaluation_services.add_ready_files(first, user("jpn"))
    assert CandidateFile.objects.get(deliberation=first, candidate=chloe).outcome == FileOutcome.CCP
    with django_capture_on_commit_callbacks(execute=True):
        certificates.start_issuing(evaluation_services.sign_deliberation(first, user("jpn"), PASSWORD))
    assert not CqpAward.objects.filter(candidate=chloe).exists()
    return chloe


def test_a_cqp_only_awaiting_prem_ss_is_not_ready_before_the_training(chloe_without_premss):
    assert selectors.cqp_completions() == []
    later = deliberation_for()
    assert evaluation_services.add_ready_files(later, user("jpn")) == 0


def test_once_prem_ss_is_validated_the_next_deliberation_awards_the_cqp_and_its_certificate_is_issued(
    chloe_without_premss, django_capture_on_commit_callbacks
):
    chloe = chloe_without_premss
    chloe.premss_validated_on = datetime.date.today() - datetime.timedelta(days=3)
    chloe.save()
    assert selectors.cqp_completions() == [chloe]

    later = deliberation_for()  # no session: the file comes with no exam
    assert selectors.readiness_summary(later).ready == 1
    assert evaluation_services.add_ready_files(later, user("jpn")) == 1
    file = CandidateFile.objects.get(deliberation=later)
    assert (file.candidate, file.outcome, file.blocs.count()) == (chloe, FileOutcome.CQP, 0)
    assert selectors.cqp_completions() == []  # in an open deliberation now: not offered to another

    with django_capture_on_commit_callbacks(execute=True):
        certificates.start_issuing(evaluation_services.sign_deliberation(later, user("jpn"), PASSWORD))
    award = CqpAward.objects.get(candidate=chloe)
    assert (award.deliberation, award.awarded_on, award.certification) == (later, later.held_on, chloe.certification)
    certificate = Certificate.objects.get(deliberation=later)
    assert (certificate.kind, certificate.candidate, certificate.cqp_award) == (CertificateKind.CQP, chloe, award)
    assert certificate.pdf
    assert selectors.cqp_completions() == []


def test_blocs_acquired_through_the_other_cqp_complete_this_one(
    chloe_without_premss, django_capture_on_commit_callbacks
):
    """Blocs are shared and acquired for good: Chloé, who took GRU and MDR for the GC, now aims at the COS; once
    its own blocs are held (POS and TD, taken over from a paper history) and both trainings validated, the COS
    is awarded with no new exam, counting GRU and MDR acquired through the GC."""
    chloe = chloe_without_premss
    cos = chloe.certification.version.certifications.get(code="COS")
    chloe.certification = cos
    chloe.premss_validated_on = datetime.date.today() - datetime.timedelta(days=3)
    chloe.save()
    for code in ("POS", "TD"):
        AcquiredBloc.objects.create(
            candidate=chloe,
            bloc=Bloc.objects.get(version=cos.version, code=code),
            acquired_on=datetime.date(2023, 6, 1),
            origin="Reprise de l'historique papier",
        )
    through_gc = AcquiredBloc.objects.filter(candidate=chloe, bloc__code__in=["GRU", "MDR"], deliberation__isnull=False)
    assert through_gc.count() == 2
    assert selectors.cqp_completions() == [chloe]

    later = deliberation_for()
    assert evaluation_services.add_ready_files(later, user("jpn")) == 1
    assert CandidateFile.objects.get(deliberation=later).outcome == FileOutcome.CQP
    with django_capture_on_commit_callbacks(execute=True):
        certificates.start_issuing(evaluation_services.sign_deliberation(later, user("jpn"), PASSWORD))
    award = CqpAward.objects.get(candidate=chloe)
    assert (award.certification, award.deliberation) == (cos, later)
    certificate = Certificate.objects.get(deliberation=later)
    assert (certificate.kind, certificate.number[:7], bool(certificate.pdf)) == (CertificateKind.CQP, "CQP-COS", True)
