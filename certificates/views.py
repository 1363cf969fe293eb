"""The public verification of certificates: by the code of the QR code, or by number and holder's name.

Only what an employer needs is shown (name, certification or bloc, dates, validity); anything
unknown or malformed gets the same plain « introuvable »."""

import re
import unicodedata

from django.shortcuts import redirect, render

from .forms import LookupForm
from .models import Certificate

CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _plain(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold().strip()


def verify(request, code):
    certificate = None
    if CODE.match(code):
        certificate = (
            Certificate.objects.select_related("certification", "bloc", "deliberation").filter(code=code).first()
        )
    status = 200 if certificate else 404
    return render(
        request, "certificates/verify.html", {"certificate": certificate, "form": LookupForm()}, status=status
    )


def lookup(request):
    form = LookupForm(request.GET or None)
    if form.is_valid():
        certificate = Certificate.objects.filter(number=form.cleaned_data["number"].strip().upper()).first()
        if certificate and _plain(form.cleaned_data["holder"]) in _plain(certificate.holder_name).split():
            return redirect("certificates:verify", code=certificate.code)
        return render(request, "certificates/verify.html", {"certificate": None, "form": form}, status=404)
    return render(request, "certificates/lookup.html", {"form": form})
