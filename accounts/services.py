"""Mails about passwords: the reset link an account asks for, the invitation an administrator sends.

Both carry a link to Django's password reset confirmation (`password_reset_confirm`) with a token of
`default_token_generator`: it is bound to the account's password hash and last login, so it works once
(setting a password changes the hash), and for PASSWORD_RESET_TIMEOUT. No mail ever carries a password."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import ngettext

from outbox import services as outbox
from outbox.models import MessageKind


def set_password_link(uid, token) -> str:
    """The link to choose a password, on SITE_URL (the address certificates' QR codes lead to), never
    on the Host header of whoever asked."""
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def link_validity() -> str:
    """How long a link works, in words: « 3 jours », « 12 heures »."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds % 86400 == 0:
        days = seconds // 86400
        return ngettext("%(count)d jour", "%(count)d jours", days) % {"count": days}
    hours = max(1, seconds // 3600)
    return ngettext("%(count)d heure", "%(count)d heures", hours) % {"count": hours}


def mail_context(user, uid, token) -> dict:
    return {
        "user": user,
        "name": user.get_full_name() or user.get_username(),
        "username": user.get_username(),
        "link": set_password_link(uid, token),
        "validity": link_validity(),
        "site_url": settings.SITE_URL,
    }


def render_mail(name, context) -> tuple[str, str]:
    """Subject and plain text of accounts/mail/<name>_subject.txt and <name>.txt."""
    subject = render_to_string(f"accounts/mail/{name}_subject.txt", context)
    text = render_to_string(f"accounts/mail/{name}.txt", context)
    return "".join(subject.splitlines()), text


def mail_draft(kind, user, address, uid, token) -> outbox.Draft:
    """The invitation or the reset mail of an account (`kind` names its templates too): what `invite` queues,
    and what the admin's preview shows (accounts/previews.py)."""
    subject, text = render_mail(kind, mail_context(user, uid, token))
    return outbox.Draft(to=address, subject=subject, text=text, kind=kind)


def invite(users):
    """Queues an invitation to choose a password for each active account with an address, in the caller's
    transaction. Returns (invited, without_address, inactive): accounts without an address or inactive
    get nothing, and the administrator is told their names."""
    invited, without_address, inactive, drafts = [], [], [], []
    for user in users:
        if not user.is_active:
            inactive.append(user)
            continue
        address = (getattr(user, user.get_email_field_name()) or "").strip()
        if not address:
            without_address.append(user)
            continue
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        drafts.append(mail_draft(MessageKind.INVITATION, user, address, uid, token))
        invited.append(user)
    outbox.queue_many(drafts)
    return invited, without_address, inactive
