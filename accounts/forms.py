import datetime

from django.contrib.auth.forms import PasswordResetForm
from django.utils import timezone

from outbox import services as outbox
from outbox.models import Message, MessageKind

from . import services


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, its mail queued in the outbox (sent by the task worker, retried while the mail
    server is away). Like Django's, it answers the same whether the address is known or not, and skips
    inactive accounts and accounts without a usable password (those get an invitation from an
    administrator instead). One reset mail per address every RESEND_AFTER: asking again and again fills
    nobody's mailbox (the page still answers the same)."""

    RESEND_AFTER = datetime.timedelta(minutes=5)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject, text = services.render_mail(
            "password_reset", services.mail_context(context["user"], context["uid"], context["token"])
        )
        recent = Message.objects.filter(
            kind=MessageKind.PASSWORD_RESET, to=to_email, created_at__gte=timezone.now() - self.RESEND_AFTER
        )
        if not recent.exists():
            outbox.queue(to_email, subject, text, kind=MessageKind.PASSWORD_RESET)
