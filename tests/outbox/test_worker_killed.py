"""Done when (issue 15): killing the worker in the middle of sending 500 results messages and restarting it
delivers 500, not more.

The production worker (`manage.py run_worker`) runs as its own process on the suite's database and sends to
a real SMTP server of the test (aiosmtpd on 127.0.0.1). It is killed (SIGKILL: no `finally`, no clean
shutdown) once half the messages arrived, then started again. Each message is sent in a transaction that
holds its row and commits its sent mark after the server's reply: the killed process's transaction is rolled
back by PostgreSQL when its connection drops, so the next worker sends every message not marked, and no
other. The one message in flight at the kill may arrive twice, under the same Message-ID: a client that
dies after DATA, before reading the server's reply, cannot tell whether the server kept it (SMTP has no
way to ask), and the receiving side recognises it by its Message-ID. Two kills: one at whatever point the
test notices half arrived (usually between two messages: nothing twice), and one at the worst moment, in
the server, after the 250th message's DATA and before its reply (that message arrives twice)."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from outbox.models import Message, MessageKind, MessageStatus
from outbox.services import Draft, queue_many
from tests.certificates.test_worker import DATABASE_TASKS, PROJECT, database_url
from tests.test_logs import Mailbox

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker killed mid-send: its row lock and transaction, dropped with its connection, are "
        "PostgreSQL's (set DATABASE_URL)",
    ),
]

MESSAGES = 500
HALF = MESSAGES // 2

TEXT = """Bonjour Candidat {n},

Le jury paritaire national s'est réuni le 01/02/2026 et a délibéré sur votre dossier de candidature au CQP \
Gestionnaire conseil de la Sécurité sociale. Voici ses décisions.

- Bloc GRU « Gestion de la relation usagers de la Sécurité sociale » : validé. Le certificat de compétences \
professionnelles (CCP) de ce bloc vous est délivré.

Le CQP Gestionnaire conseil de la Sécurité sociale ne vous est pas délivré à ce jour : 1 bloc acquis sur 3.

L'équipe Certification CQP — Ucanss
https://certification.example.fr
"""


def start_worker(log, smtp_port):
    """`manage.py run_worker` on the suite's database (tests/certificates/test_worker.py), sending its mail
    to the test's SMTP server."""
    environment = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "SITE_URL": settings.SITE_URL,
        "TASKS_BACKEND": "database",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_LOST_AFTER_SECONDS": "3",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "EMAIL_TIMEOUT": "10",
    }
    command = [
        sys.executable,
        "manage.py",
        "run_worker",
        "--queue-name",
        "*",
        "--no-startup-delay",
        "--interval",
        "0.2",
    ]
    return subprocess.Popen(command, cwd=PROJECT, env=environment, stdout=log, stderr=subprocess.STDOUT)


def wait_for(condition, seconds, what, every=0.01):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {seconds} s: {what}")
        time.sleep(every)


class KillingMailbox(Mailbox):
    """Keeps every message received; at the `kill_at`-th, kills the worker after DATA, before replying."""

    def __init__(self, kill_at=None):
        super().__init__()
        self.kill_at, self.worker = kill_at, None
        self.killed = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        if len(self.envelopes) == self.kill_at and self.worker is not None:
            self.worker.kill()
            self.worker.wait(timeout=10)  # dead before the reply is written: it never reads it
            self.killed.set()
        return "250 Message accepted for delivery"


@pytest.fixture
def five_hundred(settings):
    """500 results messages waiting in the database, and the sending task queued for a worker."""
    settings.TASKS = DATABASE_TASKS
    drafts = [
        Draft(
            to=f"candidat{n:03d}@example.fr",
            subject="Vos résultats — jury paritaire national du 01/02/2026",
            text=TEXT.format(n=n),
            kind=MessageKind.RESULTS,
            topic="deliberation:1",
            candidate_id=n + 1,
            deliberation_id=1,
        )
        for n in range(MESSAGES)
    ]
    queue_many(drafts)  # outside a transaction: the sending task is queued at once
    return dict(Message.objects.values_list("message_id", "to"))


@pytest.mark.parametrize("moment", ["when the test sees half arrived", "after DATA, before the reply"])
def test_a_worker_killed_mid_send_and_restarted_delivers_500_not_more(five_hundred, smtp, tmp_path, moment):
    in_flight = moment == "after DATA, before the reply"
    smtp.mailbox = KillingMailbox(kill_at=HALF if in_flight else None)
    smtp.start()
    with open(tmp_path / "worker.log", "w") as log:
        worker = smtp.mailbox.worker = start_worker(log, smtp.port)
        try:
            if in_flight:
                assert smtp.mailbox.killed.wait(timeout=120), "the worker never reached the 250th message"
            else:
                wait_for(lambda: len(smtp.mailbox.envelopes) >= HALF, 120, f"{HALF} messages to arrive")
                worker.kill()
                worker.wait(timeout=10)
            assert worker.returncode == -signal.SIGKILL
            arrived_at_kill = len(smtp.mailbox.envelopes)
            assert HALF <= arrived_at_kill < MESSAGES
            worker = smtp.mailbox.worker = start_worker(log, smtp.port)
            unsent = Message.objects.exclude(status=MessageStatus.SENT)
            wait_for(lambda: not unsent.exists(), 180, "every message to be marked sent", every=0.2)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)

    received = smtp.received()
    ids = [message["Message-ID"] for message in received]
    counts = Counter(ids)
    assert set(counts) == set(five_hundred)  # each of the 500, none other
    twice = [message_id for message_id, count in counts.items() if count > 1]
    assert len(twice) <= 1 and all(counts[message_id] == 2 for message_id in twice)
    assert len(received) == MESSAGES + len(twice)
    # Every message is marked sent once, at its first and only recorded attempt: the killed attempt left no trace.
    assert set(Message.objects.values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}
    if twice:
        # The message in flight: the same Message-ID, recipient, subject and text, once before the kill and
        # once from the next worker (only its Date header and MIME boundaries are new).
        (message_id,) = twice
        first, second = (n for n, received_id in enumerate(ids) if received_id == message_id)
        assert first < arrived_at_kill <= second
        envelopes, messages = smtp.mailbox.envelopes, smtp.received()
        assert envelopes[first].rcpt_tos == envelopes[second].rcpt_tos == [five_hundred[message_id]]
        assert [
            (message["Subject"], message.get_body(("plain",)).get_content())
            for message in (messages[first], messages[second])
        ] == [(messages[first]["Subject"], messages[first].get_body(("plain",)).get_content())] * 2
    if in_flight:
        assert twice == [ids[HALF - 1]]  # the one the server had when the worker died
    print(
        f"\n{moment}: tué après {arrived_at_kill} messages reçus ; {len(received)} reçus en tout, "
        f"{len(set(ids))} Message-ID distincts, {len(twice)} reçu deux fois (même Message-ID)"
    )
