"""A real SMTP server for the tests of the messages: aiosmtpd on 127.0.0.1, which a test may stop and start
again on the same port (the mail server away for a night). The `smtp` fixture (tests/conftest.py) points
Django's SMTP backend at it."""

import email
import email.policy
import socket

from .test_logs import LocalSmtpServer, Mailbox


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that a test stops and starts again on the same port."""

    def __init__(self):
        self.mailbox = Mailbox()
        self.controller = None
        with socket.socket() as probe:  # a free port, closed: nothing listens there until start()
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def start(self):
        self.controller = LocalSmtpServer(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    def received(self):
        return [
            email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in self.mailbox.envelopes
        ]
