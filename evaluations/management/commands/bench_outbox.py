"""The cost of the messages (issue 15): what the results add to a deliberation's signature, and how fast the
outbox sends them to a mail server.

(a) Signs a deliberation of N files (ready exams put before it by `add_ready_files`, as `bench_deliberation`
does), with its results and notices written to the outbox, and without them (`results_drafts` and
`signed_drafts` return nothing): each signature in a transaction rolled back, the two alternated, the median
kept.
(b) The messages of (a) are written to the outbox for good, under a topic of their own, and sent by
`outbox.services.send_due_now`, batch after batch as the worker runs it, to an SMTP server the command
starts (aiosmtpd's Sink on 127.0.0.1, which keeps nothing, in a process of its own as a real mail server is);
against the same mails sent by Django's SMTP backend without the outbox (no database). Only the benchmark's
messages are sent (the other waiting messages of the database are left alone) and they are deleted at the
end; no task is queued."""

import importlib.util
import socket
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import replace
from unittest import mock

from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils.crypto import get_random_string

from candidates.models import Candidate
from cqp_site.database import check_constraints_at_once
from evaluations import services
from evaluations.benchmark import add_ready_exams, bench_world
from outbox import services as outbox
from outbox.models import Message, MessageKind, MessageQuerySet, MessageStatus
from referentials.models import Certification

PASSWORD = "bench-outbox-password"


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Mesure ce que coûtent les messages : la signature d'une délibération de N dossiers avec l'écriture des "
        "résultats dans la boîte d'envoi et sans (dans une transaction annulée, rien n'est gardé), par dossier "
        "et en rapport ; puis le débit d'envoi de ces résultats par la boîte d'envoi vers un serveur SMTP local "
        "(aiosmtpd sur 127.0.0.1, lancé par la commande dans un processus à part), en messages par seconde, "
        "comparé à un envoi direct sans la base. Seuls les messages du banc sont envoyés, puis supprimés."
    )

    def add_arguments(self, parser):
        parser.add_argument("--files", type=int, default=500, help="dossiers de la délibération (500)")
        parser.add_argument("--repeat", type=int, default=3, help="signatures mesurées par variante (médiane)")

    def handle(self, *args, files, repeat, **options):
        if files < 1 or repeat < 1:
            raise CommandError("--files et --repeat doivent être positifs.")
        certification = Certification.objects.filter(code="GC").order_by("-version__date").first()
        if certification is None:
            raise CommandError("Chargez d'abord le référentiel : python manage.py load_referentials")
        # The benchmark queues no task: (b) sends by calling the worker's function itself.
        with mock.patch.object(outbox, "_enqueue_sending", lambda: None):
            drafts = self._signing(certification, files, repeat)
            self._sending(drafts)

    # (a) -------------------------------------------------------------------------------------------------

    def _signing(self, certification, files, repeat):
        timings = {"sans": [], "avec": []}
        queries, drafts = {}, []
        for _ in range(repeat):
            for variant in ("sans", "avec"):
                seconds, queries[variant], written = self._sign(certification, files, with_messages=variant == "avec")
                timings[variant].append(seconds)
                drafts = written or drafts
        without, with_messages = (statistics.median(timings[variant]) for variant in ("sans", "avec"))
        results = sum(draft.kind == MessageKind.RESULTS for draft in drafts)
        self.stdout.write(
            f"signature d'une délibération de {files} dossiers (médiane de {repeat}) : {results} résultats et "
            f"{len(drafts) - results} avis aux membres écrits dans la boîte d'envoi"
        )
        self.stdout.write(f"{'':>22} {'signature (s)':>14} {'par dossier (ms)':>17} {'requêtes':>9} {'rapport':>8}")
        for label, seconds, variant in (
            ("sans les messages", without, "sans"),
            ("avec les messages", with_messages, "avec"),
        ):
            self.stdout.write(
                f"{label:>22} {seconds:>14.3f} {seconds * 1000 / files:>17.3f} {queries[variant]:>9} "
                f"{seconds / without:>7.2f}x"
            )
        self.stdout.write(
            f"(les messages coûtent {(with_messages - without) * 1000 / files:.3f} ms par dossier et "
            f"{queries['avec'] - queries['sans']} requêtes de plus)"
        )
        return drafts

    def _sign(self, certification, files, *, with_messages):
        """One signature of `files` files, rolled back: its time, its queries, and the messages it wrote."""
        nothing = mock.patch("evaluations.messages.results_drafts", return_value=[])
        no_notice = mock.patch("evaluations.notices.signed_drafts", return_value=[])
        try:
            with transaction.atomic():
                check_constraints_at_once()
                world = bench_world(certification, "bench-outbox", PASSWORD)
                add_ready_exams(*world.jury, files)
                # The bench's candidates have no address: give them one, so that their results can be sent.
                Candidate.objects.filter(organisation=world.organisation).update(
                    email=Concat(Value("candidat"), Cast("pk", CharField()), Value("@bench.invalid"))
                )
                services.add_ready_files(world.deliberation, world.user)  # as bench_deliberation: outcomes computed
                with (
                    nullcontext() if with_messages else nothing,
                    nullcontext() if with_messages else no_notice,
                    CaptureQueriesContext(connection) as captured,
                ):
                    start = time.perf_counter()
                    services.sign_deliberation(world.deliberation, world.user, PASSWORD)
                    seconds = time.perf_counter() - start
                written = [
                    outbox.Draft(to=to, subject=subject, text=text, kind=kind, html=html)
                    for to, subject, text, kind, html in Message.objects.filter(deliberation_id=world.deliberation.pk)
                    .exclude(kind=MessageKind.DELIBERATION_READY)
                    .values_list("to", "subject", "text", "kind", "html")
                ]
                raise Rollback
        except Rollback:
            pass
        return seconds, len(captured), written

    # (b) -------------------------------------------------------------------------------------------------

    def _sending(self, drafts):
        if not drafts:
            return
        topic = f"bench-outbox:{get_random_string(12)}"
        drafts = [replace(draft, to=f"bench{n}@bench.invalid", topic=topic) for n, draft in enumerate(drafts)]
        port, server = self._start_sink()
        try:
            with self._smtp(port), self._only(topic):
                outbox.queue_many(drafts)
                sent, seconds, batches = self._send_all()
                marked = Message.objects.filter(topic=topic, status=MessageStatus.SENT).count()
                direct = self._send_directly(topic)
        finally:
            Message.objects.filter(topic=topic).delete()
            server.terminate()
            server.wait(timeout=10)
        if sent != len(drafts) or marked != len(drafts):
            raise CommandError(f"{len(drafts)} messages à envoyer : {sent} envoyés, {marked} marqués envoyés.")
        rate, direct_rate = sent / seconds, len(drafts) / direct
        self.stdout.write("")
        self.stdout.write(
            f"envoi de {sent} messages à un serveur SMTP local (aiosmtpd, processus à part) : {seconds:.2f} s en "
            f"{batches} lots de {outbox.BATCH_SIZE} au plus, {rate:.0f} messages/s "
            f"({seconds * 1000 / sent:.2f} ms par message)"
        )
        self.stdout.write(
            f"envoi direct des mêmes messages, sans la base : {direct:.2f} s, {direct_rate:.0f} messages/s "
            f"(la boîte d'envoi : {rate / direct_rate:.2f}x ; {(seconds - direct) * 1000 / sent:.2f} ms par message "
            "pour la ligne prise, verrouillée et marquée envoyée dans sa transaction)"
        )

    @staticmethod
    def _start_sink():
        """aiosmtpd's Sink (accepts and forgets) on 127.0.0.1, in a process of its own like a real mail server:
        in this process it would take turns with the sender for Python's interpreter lock."""
        if importlib.util.find_spec("aiosmtpd") is None:
            raise CommandError("Le débit d'envoi demande aiosmtpd (pip install -e '.[test]').")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return port, server
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    raise CommandError("Le serveur SMTP local (aiosmtpd) n'a pas démarré.") from None
                time.sleep(0.05)

    def _send_all(self):
        """`send_due_now` batch after batch, as the task worker runs it, until nothing is due."""
        sent, batches = 0, 0
        start = time.perf_counter()
        while True:
            count = outbox.send_due_now(outbox.BATCH_SIZE)
            if not count:
                break
            sent, batches = sent + count, batches + 1
        return sent, time.perf_counter() - start, batches

    @staticmethod
    def _send_directly(topic):
        """The same e-mails through one SMTP connection, read from the database beforehand."""
        emails = [outbox.email_of(message) for message in Message.objects.filter(topic=topic).order_by("pk")]
        smtp = get_connection()
        start = time.perf_counter()
        smtp.send_messages(emails)
        return time.perf_counter() - start

    @staticmethod
    def _smtp(port):
        return override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=10,
        )

    @staticmethod
    def _only(topic):
        """The outbox sees, as due, only the benchmark's messages."""
        due = MessageQuerySet.due

        def bench_due(self, now=None):
            return due(self, now).filter(topic=topic)

        return mock.patch.object(MessageQuerySet, "due", bench_due)
