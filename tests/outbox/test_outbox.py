"""The outbox: messages written with the event that causes them, sent by the task worker through Django's SMTP
backend to a real SMTP server (aiosmtpd on 127.0.0.1), retried while it is away, never sent twice."""

import datetime
import email
import email.policy
import math
from email.header import decode_header, make_header

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from outbox import services
from outbox.models import Message, MessageStatus

pytestmark = pytest.mark.django_db

TEXT = "Madame Dumas,\n\nVous êtes convoquée à l’épreuve du bloc 2 le 12 juin à 9 h 30.\n\nL’équipe Ucanss"
SUBJECT = "Convocation à l’épreuve du bloc 2 — CQP Ucanss"


def raw_subject(smtp):
    """The Subject header as it travelled (RFC 2047 words), decoded by the test as a mail client would."""
    return email.message_from_bytes(smtp.mailbox.envelopes[0].content)["Subject"]


def make_all_due():
    """The time of every retry has come (instead of waiting for it)."""
    Message.objects.filter(status=MessageStatus.WAITING).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_queued_message_arrives_with_its_message_id_french_text_and_attachment(
    smtp, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_REPLY_TO = "certification@ucanss.fr"
    smtp.start()
    invitation = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = services.queue(
                "claire.dumas@example.fr",
                SUBJECT,
                TEXT,
                kind="convocation",
                html="<p>Madame Dumas, vous êtes convoquée.</p>",
                attachments=[("convocation.ics", invitation, "text/calendar")],
                topic="exam:12",
                exam_id=12,
            )
            assert smtp.mailbox.envelopes == []  # nothing leaves before the commit

    (received,) = smtp.received()
    assert smtp.mailbox.envelopes[0].rcpt_tos == ["claire.dumas@example.fr"]
    assert received["Message-ID"] == message.message_id
    assert message.message_id.endswith("@certification.example.fr>")
    assert str(make_header(decode_header(raw_subject(smtp)))) == SUBJECT
    assert received["To"] == "claire.dumas@example.fr"
    assert received["From"] == settings.DEFAULT_FROM_EMAIL
    assert received["Reply-To"] == "certification@ucanss.fr"
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == TEXT
    assert received.get_body(("html",)).get_content().strip() == "<p>Madame Dumas, vous êtes convoquée.</p>"
    (attachment,) = received.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == ("convocation.ics", "text/calendar")
    assert attachment.get_content().encode().replace(b"\r\n", b"\n") == invitation.replace(b"\r\n", b"\n")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 1, "")
    assert message.sent_at is not None


def test_with_the_server_down_twenty_messages_wait_then_each_arrives_exactly_once(
    smtp, django_capture_on_commit_callbacks
):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # convening 20 candidates: the exam's transaction is not blocked
            for number in range(20):
                services.queue(f"candidat{number}@example.fr", SUBJECT, TEXT, kind="convocation")

    assert smtp.mailbox.envelopes == []
    waiting = Message.objects.all()
    assert [(m.status, m.attempts) for m in waiting] == [(MessageStatus.WAITING, 1)] * 20
    assert all(m.next_attempt_at >= before + datetime.timedelta(minutes=1) for m in waiting)
    assert all(m.last_error.startswith("ConnectionRefusedError") for m in waiting)
    assert services.send_due() is False  # not due yet: nothing tried again

    smtp.start()
    make_all_due()
    assert services.send_due() is True
    assert services.send_due() is False

    received = smtp.received()
    assert len(received) == 20
    assert sorted(m["Message-ID"] for m in received) == sorted(Message.objects.values_list("message_id", flat=True))
    assert sorted(e.rcpt_tos[0] for e in smtp.mailbox.envelopes) == sorted(f"candidat{n}@example.fr" for n in range(20))
    assert set(Message.objects.values_list("status", "attempts")) == {(MessageStatus.SENT, 2)}


def test_the_sent_mark_is_set_once_and_a_second_run_sends_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.queue("claire.dumas@example.fr", SUBJECT, TEXT, kind="results")
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    sent_at = message.sent_at
    assert services.send_due() is False
    assert services.send_due_now() == 0
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert (message.status, message.sent_at, message.attempts) == (MessageStatus.SENT, sent_at, 1)


def test_a_message_failing_beyond_the_limit_is_failed_and_renvoyer_requeues_it(
    smtp, settings, admin_client_fr, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        message = services.queue("claire.dumas@example.fr", SUBJECT, TEXT, kind="convocation")
    for _attempt in range(2):
        make_all_due()
        assert services.send_due() is True
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert message.last_error.startswith("ConnectionRefusedError")
    make_all_due()
    assert services.send_due() is False  # failed: no longer tried

    smtp.start()
    url = reverse("admin:outbox_message_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_fr.post(url, {"action": "resend", "_selected_action": [message.pk]}, follow=True)
    assert "1 message remis en attente d’envoi." in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 1)
    assert len(smtp.mailbox.envelopes) == 1


@pytest.mark.parametrize(
    "address, error",
    [
        ("", "Aucune adresse électronique."),
        ("   ", "Aucune adresse électronique."),
        (None, "Aucune adresse électronique."),
        ("claire.dumas", "Adresse électronique invalide."),
        ("claire@example.fr\nBcc: tous@example.fr", "Adresse électronique invalide."),
    ],
)
def test_a_missing_or_invalid_address_is_not_sendable_and_never_raises(
    address, error, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message = services.queue(address, SUBJECT, TEXT, kind="results", candidate_id=7)
    assert callbacks == []  # nothing to send: no task
    message.refresh_from_db()
    assert (message.status, message.last_error, message.attempts) == (MessageStatus.NOT_SENDABLE, error, 0)
    assert services.send_due_now() == 0
    assert mailoutbox == []


def inserts_for(count):
    """The INSERTs of `count` messages: one, or one per batch where the database limits the values of a query
    (SQLite: 999, which Django's bulk_create splits into batches)."""
    limit = connection.features.max_query_params
    if limit is None:
        return 1
    inserted_fields = [f for f in Message._meta.concrete_fields if not f.primary_key]
    return math.ceil(count / (limit // len(inserted_fields)))


def drafts(count):
    return [
        services.Draft(
            to=f"candidat{number}@example.fr",
            subject="Vos résultats — CQP Ucanss",
            text="Le jury national a délibéré.",
            kind="results",
            topic="deliberation:3",
            candidate_id=number,
            deliberation_id=3,
        )
        for number in range(count)
    ]


def test_queue_many_makes_the_same_number_of_queries_for_10_and_100_messages(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with django_assert_num_queries(inserts_for(10)):
            services.queue_many(drafts(10))
        with django_assert_num_queries(inserts_for(100)):
            services.queue_many(drafts(100))
    assert len(callbacks) == 2  # one sending for each call, whatever its messages
    if connection.features.max_query_params is None:
        assert inserts_for(100) == inserts_for(10) == 1
    assert Message.objects.filter(deliberation_id=3, status=MessageStatus.WAITING).count() == 110
    assert Message.objects.values("message_id").distinct().count() == 110


def test_the_admin_shows_the_rendered_text_and_finds_an_exams_messages(admin_client_fr):
    message = services.queue("claire.dumas@example.fr", SUBJECT, TEXT, kind="convocation", topic="exam:12", exam_id=12)
    services.queue("autre@example.fr", "Autre", "Autre texte", kind="convocation", topic="exam:13", exam_id=13)
    page = admin_client_fr.get(reverse("admin:outbox_message_change", args=[message.pk])).content.decode()
    assert "Vous êtes convoquée à l’épreuve du bloc 2 le 12 juin à 9 h 30." in page
    listing = admin_client_fr.get(reverse("admin:outbox_message_changelist"), {"q": "exam:12"}).content.decode()
    assert "claire.dumas@example.fr" in listing and "autre@example.fr" not in listing
    by_id = admin_client_fr.get(reverse("admin:outbox_message_changelist"), {"exam_id": 13}).content.decode()
    assert "autre@example.fr" in by_id and "claire.dumas@example.fr" not in by_id
