from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


def lockout(request, credentials, *args, **kwargs):
    """A locked-out account sees the login page with the usual message: an attacker learns nothing."""
    form = AuthenticationForm(request, data=request.POST or None)
    form.is_valid()
    return render(request, "registration/login.html", {"form": form}, status=200)
