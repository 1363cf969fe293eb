"""A night without mail server: exams are convened and a deliberation signed all the same; once the server is
back, every message written meanwhile arrives, each exactly once."""

import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from candidates.models import Exam
from candidates.roles import UCANSS_ADMINISTRATORS
from outbox import services as outbox
from outbox.models import Message, MessageKind, MessageStatus

from ..candidates.factories import CandidateFactory
from .conftest import exam_of
from .test_results_mail import sign, spring  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def convene_twenty(client, capture):
    """Twenty new candidates of Léa Martin's organisation, each convened in the admin to a GDU exam of the
    spring session before Léa Martin's jury."""
    model = exam_of("Martin", "GRU")
    day = timezone.localtime(model.scheduled_at).date()
    for number in range(20):
        candidate = CandidateFactory(
            organisation=model.candidate.organisation,
            certification=model.candidate.certification,
            email=f"candidat{number}@example.fr",
        )
        with capture(execute=True):
            response = client.post(
                reverse("admin:candidates_exam_add"),
                {
                    "session": model.session_id,
                    "candidate": candidate.pk,
                    "bloc": model.session.certification.blocs.get(code="GDU").pk,
                    "scheduled_at_0": f"{day:%d/%m/%Y}",
                    "scheduled_at_1": "09:00",
                    "place": "CPAM, salle 2",
                    "video_link": "",
                    "president": model.president_id,
                    "representative": model.representative_id,
                },
            )
        assert response.status_code == 302, response.context["adminform"].form.errors


def test_convening_twenty_and_signing_with_the_server_down_then_every_message_arrives_once(
    spring,  # noqa: F811
    client,
    smtp,
    django_capture_on_commit_callbacks,
):
    administrator = User.objects.create_user("gestion", password="x", is_staff=True)
    administrator.groups.add(Group.objects.get(name=UCANSS_ADMINISTRATORS))
    client.force_login(administrator)

    convene_twenty(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        sign(spring)

    spring.refresh_from_db()
    assert spring.status == "signed"
    new_exams = list(Exam.objects.filter(candidate__email__startswith="candidat").values_list("pk", flat=True))
    assert len(new_exams) == 20
    written = Message.objects.exclude(status=MessageStatus.NOT_SENDABLE)
    assert written.filter(kind=MessageKind.CONVOCATION, to__startswith="candidat").count() == 20
    assert written.filter(kind=MessageKind.JURY_CONVOCATION, exam_id__in=new_exams).count() == 40
    assert written.filter(kind=MessageKind.RESULTS, deliberation_id=spring.pk).count() == 2
    assert smtp.received() == []
    assert not written.filter(status=MessageStatus.SENT).exists()

    smtp.start()  # the morning after: every retry is due
    written.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    while outbox.send_due_now():
        pass
    received = smtp.received()
    assert len(received) == written.count()
    assert sorted(mail["Message-ID"] for mail in received) == sorted(written.values_list("message_id", flat=True))
    assert set(written.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert outbox.send_due_now() == 0
    assert len(smtp.received()) == written.count()
