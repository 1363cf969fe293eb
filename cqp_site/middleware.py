from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.cache import add_never_cache_headers
from django_otp import user_has_device

from .security import end_sessions

SECOND_FACTOR_KEY = "second_factor_required"


def note_second_factor(sender, request, user, **kwargs):
    """At login, once: whether this account has a second factor (no query on later requests)."""
    if request is not None and hasattr(request, "session"):
        request.session[SECOND_FACTOR_KEY] = user_has_device(user)


@receiver(pre_save, sender="otp_totp.TOTPDevice", dispatch_uid="end_sessions_on_second_factor")
def end_sessions_on_second_factor(sender, instance, raw=False, **kwargs):
    """A TOTP device created confirmed, or confirmed later, ends its account's open sessions: they were
    opened without the code (the flag above is read at login only), so each must log in again with it.
    The device's routine saves (its last code, its throttling) change nothing."""
    if raw or not instance.confirmed:
        return
    if instance.pk is not None and sender.objects.filter(pk=instance.pk, confirmed=True).exists():
        return
    end_sessions(instance.user)


class NoStoreMiddleware:
    """Pages of signed-in users (candidates, grids, deliberations) are never kept by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, " + response["Cache-Control"]
        return response


class SecondFactorMiddleware:
    """Accounts with a confirmed TOTP device (the optional second factor of administrators and presidents)
    reach nothing but the code page and logout until the code of the session is given."""

    allowed = ("login_code", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and request.session.get(SECOND_FACTOR_KEY) and not user.is_verified():
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.allowed:
                return redirect(f"{reverse('login_code')}?next={request.get_full_path()}")
        return self.get_response(request)
