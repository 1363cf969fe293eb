"""Accounts under attack: login throttling (django-axes) shared with the password re-entered to sign,
the address it counts against, and what is kept of failed logins.

One counter for every password typed (login, grid signature, deliberation signature): 5 failures from
one address lock that account from that address for an hour; failures from every address add up to a
much higher ceiling that locks it everywhere. An administrator lifts a lock at once: « Tentatives
d'accès » in the admin, or `manage.py unlock_account <username>`.
"""

import ipaddress
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.sessions.models import Session
from django.db.models import Sum
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LOCKED_OUT_MESSAGE = _(
    "Trop de mots de passe erronés : votre compte est bloqué pendant une heure. Un administrateur peut le débloquer."
)


def lockout(request, original_response=None, credentials=None):
    """A locked-out account sees the login page with the usual message: an attacker learns nothing."""
    form = AuthenticationForm(request, data=request.POST or None)
    form.is_valid()
    return render(request, "registration/login.html", {"form": form}, status=200)


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, plus a ceiling per account whatever the addresses.

    Axes locks an account from one address (AXES_LOCKOUT_PARAMETERS: username and address), so that
    nobody can shut a president out from everywhere with five wrong passwords; an attacker rotating
    addresses still meets AXES_FAILURE_LIMIT_PER_ACCOUNT failures within the cool-off."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        return self.account_failures(request, credentials) >= settings.AXES_FAILURE_LIMIT_PER_ACCOUNT

    def account_failures(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        recent = AccessAttempt.objects.filter(username=username, attempt_time__gte=get_cool_off_threshold(request))
        return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def client_ip_address(request) -> str | None:
    """The address failures count against (AXES_CLIENT_IP_CALLABLE).

    The connection's own, unless AXES_IPWARE_PROXY_COUNT reverse proxies of ours stand in front, each
    appending the address it was reached from to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for):
    then the one the outermost of them saw. What a client writes into X-Forwarded-For itself stays to
    the left of it and is never read, so rotating it gives no fresh address."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                return remote
    return remote


# --- The password re-entered to sign ----------------------------------------------------------------


@dataclass
class _Reentry:
    request: HttpRequest
    failed: bool = False


_reentry: ContextVar[_Reentry | None] = ContextVar("password_reentry", default=None)


@contextmanager
def password_reentry(request):
    """Around a service that asks for the password again (a signature): the password typed counts as a
    login attempt from this request's address.

    The service refuses a wrong password by raising, which rolls its transaction back: the failure is
    recorded here, once the service is over, so that it stays."""
    reentry = _Reentry(request)
    token = _reentry.set(reentry)
    try:
        yield
    finally:
        _reentry.reset(token)
        if reentry.failed:
            AxesProxyHandler.user_login_failed(
                sender=__name__, credentials={"username": request.user.get_username()}, request=request
            )
            request.axes_locked_out = False  # the signature's page tells the member, not axes' login page


def is_locked_out(user) -> bool:
    """Whether a password re-entered by this account, from this request, is refused unread (the lockout of
    its login). Outside `password_reentry` (commands, the shell) nobody is remote: nothing to refuse."""
    reentry = _reentry.get()
    if reentry is None or not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(reentry.request, {"username": user.get_username()})


def check_reentered_password(user, password) -> bool:
    """The account's password, a wrong one counted with the login's failures (see `password_reentry`)."""
    if user.check_password(password):
        return True
    reentry = _reentry.get()
    if reentry is not None:
        reentry.failed = True
    return False


# --- Sessions -----------------------------------------------------------------------------------------


def end_sessions(user) -> int:
    """Delete every open session of this account (database sessions, Django's default engine): its
    next request, from any browser, goes to the login page. Returns how many there were."""
    user_id = str(user.pk)
    open_sessions = Session.objects.filter(expire_date__gt=timezone.now())
    keys = [session.pk for session in open_sessions.iterator() if session.get_decoded().get(SESSION_KEY) == user_id]
    return Session.objects.filter(pk__in=keys).delete()[0]


# --- What is kept -------------------------------------------------------------------------------------


def purge_login_records(now=None) -> dict[str, int]:
    """Delete django-axes' records older than AXES_RETENTION_DAYS: failed attempts (with the usernames
    typed, mistyped ones too), logins and failure logs, each with an address and a browser.
    Returns how many of each went."""
    limit = (now or timezone.now()) - timezone.timedelta(days=settings.AXES_RETENTION_DAYS)
    purged = {}
    for name, model in (("attempts", AccessAttempt), ("logins", AccessLog), ("failures", AccessFailureLog)):
        _total, per_model = model.objects.filter(attempt_time__lt=limit).delete()
        purged[name] = per_model.get(model._meta.label, 0)
    return purged


def attempted_username(request, credentials) -> str:
    """The username django-axes records (AXES_USERNAME_CALLABLE), cut to the length of a username: a
    typed one of 300 characters would not fit its column."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(username)[:150]
