from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from cqp_site.health import report


@never_cache
def health(request):
    """For monitoring: every part the service needs (database, task worker, storage, signing
    certificate, Redis when used); 503 naming the failing parts, and nothing else."""
    results, healthy = report()
    return JsonResponse(
        {"status": "ok" if healthy else "échec", "checks": results},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
def alive(request):
    """For load balancers: the process answers (what /sante/ checks is shared by every process)."""
    return HttpResponse("ok", content_type="text/plain")


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code à 6 chiffres de votre application d'authentification"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Le code compte 6 chiffres.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@login_required
def login_code(request):
    """The second step of the login for accounts with a TOTP device: a code used once, in its time window."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    if not user_has_device(request.user) or request.user.is_verified():
        return redirect(next_url or "home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url or "home")
        form.add_error("code", _("Code incorrect ou déjà utilisé."))
    return render(request, "registration/login_code.html", {"form": form, "next": next_url})
