"""Writing messages to the outbox and sending them. `queue` and `queue_many` are what the other apps call, in
the transaction of the event that causes the message; `send_due_now` is what the task worker runs."""

import base64
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import Message, MessageStatus, retry_delay

logger = logging.getLogger(__name__)

# How many messages one run of the task sends before queuing the next run (other tasks get their turn).
BATCH_SIZE = 50


@dataclass(frozen=True)
class Draft:
    """A message to queue. `attachments` holds (filename, content bytes, mimetype) triples, as Django's
    EmailMessage.attach takes them."""

    to: str
    subject: str
    text: str
    kind: str
    html: str = ""
    attachments: Sequence[tuple[str, bytes, str]] = field(default=())
    # Files already in the default storage (a certificate's PDF): (filename, storage name, mimetype), read
    # when the message is sent rather than copied into the outbox.
    stored_attachments: Sequence[tuple[str, str, str]] = field(default=())
    topic: str = ""
    candidate_id: int | None = None
    exam_id: int | None = None
    deliberation_id: int | None = None


def queue(
    to,
    subject,
    text,
    *,
    kind,
    html="",
    attachments=(),
    topic="",
    candidate_id=None,
    exam_id=None,
    deliberation_id=None,
) -> Message:
    """Writes one message in the caller's transaction; it is sent once that transaction commits. Never
    raises for a missing or invalid address: the message is kept as not sendable, and the event goes on."""
    draft = Draft(
        to=to,
        subject=subject,
        text=text,
        kind=kind,
        html=html,
        attachments=attachments,
        topic=topic,
        candidate_id=candidate_id,
        exam_id=exam_id,
        deliberation_id=deliberation_id,
    )
    return queue_many([draft])[0]


def queue_many(drafts: Iterable[Draft]) -> list[Message]:
    """Writes many messages with one INSERT (a deliberation's results: one per file) and schedules one
    sending: the queries do not grow with the messages (on SQLite, one INSERT per 58 messages, its limit of
    999 values per query)."""
    messages = [_message_of(draft) for draft in drafts]
    if not messages:
        return []
    created = Message.objects.bulk_create(messages)
    if any(message.status == MessageStatus.WAITING for message in created):
        schedule_sending()
    return created


def _message_of(draft):
    to = (draft.to or "").strip()
    status, error = MessageStatus.WAITING, ""
    if not to:
        status, error = MessageStatus.NOT_SENDABLE, _("Aucune adresse électronique.")
    else:
        try:
            validate_email(to)
        except ValidationError:
            status, error = MessageStatus.NOT_SENDABLE, _("Adresse électronique invalide.")
    subject = " ".join(draft.subject.split())[:300]  # a line break in a header is refused by Django
    return Message(
        kind=draft.kind,
        to=to[:254],
        subject=subject,
        text=draft.text,
        html=draft.html or html_version(subject, draft.text),
        attachments=[
            {"filename": filename, "mimetype": mimetype, "content": base64.b64encode(content).decode("ascii")}
            for filename, content, mimetype in draft.attachments
        ]
        + [
            {"filename": filename, "mimetype": mimetype, "stored": name}
            for filename, name, mimetype in draft.stored_attachments
        ],
        message_id=new_message_id(),
        status=status,
        last_error=error,
        topic=draft.topic,
        candidate_id=draft.candidate_id,
        exam_id=draft.exam_id,
        deliberation_id=draft.deliberation_id,
    )


def html_version(subject, text):
    """The HTML part of a message, from its text: the same words, paragraphs and lines kept, the links to the
    site clickable. Nothing is fetched from elsewhere (no image, no stylesheet, no link out of the site: a
    video-conference address stays text), so the mail reads the same in every client and tracks no one."""
    site = re.compile(re.escape(settings.SITE_URL) + r"(?:/[^\s<>\"]*)?")
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in paragraph.splitlines():
            html, position = [], 0
            for link in site.finditer(line):
                url = link.group().rstrip(".,;)")
                html += [escape(line[position : link.start()]), f'<a href="{escape(url)}">{escape(url)}</a>']
                position = link.start() + len(url)
            lines.append("".join(html) + escape(line[position:]))
        paragraphs.append(mark_safe("<br>\n".join(lines)))
    return render_to_string("outbox/mail.html", {"subject": subject, "paragraphs": paragraphs})


def new_message_id():
    return make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "localhost")


def schedule_sending():
    """Queues the sending task once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(_enqueue_sending)


def _enqueue_sending():
    from .tasks import send_due_messages

    send_due_messages.enqueue()


def send_due():
    """For the worker's heartbeat: queues the sending task when messages are due (retries whose time has
    come, messages left by a stopped worker). One query when none is."""
    if Message.objects.due().exists():
        _enqueue_sending()
        return True
    return False


def send_due_now(limit=BATCH_SIZE):
    """Sends up to `limit` due messages, each in its own transaction that holds its row while it is sent
    (another worker skips it) and commits its sent mark: a worker stopped mid-send sends again at most the
    message it was sending, under the same Message-ID. Queues the next run when due messages remain.
    Returns the number sent."""
    sent = 0
    smtp = get_connection()
    try:
        smtp.open()  # one connection for the batch; if the server is away, each message tries on its own
    except Exception:
        _close_quietly(smtp)
    try:
        for _count in range(limit):
            outcome = _send_next(smtp)
            if outcome is None:
                break
            sent += outcome
        else:
            if Message.objects.due().exists():
                _enqueue_sending()
    finally:
        _close_quietly(smtp)
    return sent


def _send_next(smtp):
    """Sends the next due message: True if sent, False if failed, None if none was due."""
    with transaction.atomic(durable=True):
        message = Message.objects.due().select_for_update(skip_locked=True).first()
        if message is None:
            return None
        now = timezone.now()
        try:
            email_of(message, smtp).send()
        except Exception as error:  # whatever happened to this one, the others are still sent
            _close_quietly(smtp)  # a broken connection is opened again for the next message
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("message %s not sent (attempt %s): %s", message.pk, message.attempts, type(error).__name__)
            return False
        message.attempts += 1
        message.status = MessageStatus.SENT
        message.sent_at = now
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def email_of(message, smtp=None):
    """The e-mail of a stored message, as Django's mail API sends it."""
    headers = {"Message-ID": message.message_id}
    reply_to = [settings.OUTBOX_REPLY_TO] if settings.OUTBOX_REPLY_TO else None
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=reply_to,
        headers=headers,
        connection=smtp,
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    for attachment in message.attachments:
        if "stored" in attachment:
            with default_storage.open(attachment["stored"], "rb") as stored:
                content = stored.read()
        else:
            content = base64.b64decode(attachment["content"])
        email.attach(attachment["filename"], content, attachment["mimetype"])
    return email


def _close_quietly(smtp):
    try:
        smtp.close()
    except Exception:
        pass
    # The SMTP backend keeps a broken connection object when close() fails: forget it.
    if hasattr(smtp, "connection"):
        smtp.connection = None


def resend(messages) -> int:
    """Puts failed messages back in the queue, attempts counted from zero (« Renvoyer » in the admin)."""
    count = messages.filter(status=MessageStatus.FAILED).update(
        status=MessageStatus.WAITING, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    if count:
        schedule_sending()
    return count
