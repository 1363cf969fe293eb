"""The public verification of certificates: by the code of the QR code, or by number and holder.

Only what an employer needs is shown (name, certification or bloc, dates, validity, and for a replaced
certificate the number of the one that replaces it, with its link); anything
unknown or malformed gets the same plain « introuvable ». Numbers follow each other, so a lookup
needs the holder's whole name or birth date, and each client address has a limited number of
lookups (and of unknown codes) per window of time, counted in the cache every process shares."""

import hashlib
import math
import re
import time
import unicodedata

from django.core.cache import caches
from django.shortcuts import redirect, render

from cqp_site.security import client_ip_address

from .forms import LookupForm
from .models import Certificate

CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")
ATTEMPT_LIMIT = 20  # lookups, and unknown codes, per client address and window
ATTEMPT_WINDOW = 10 * 60  # seconds; a fixed window


def name_words(text):
    """The words of a name, case and accents ignored, in order: « Léa MARTIN » and « martin lea » agree."""
    plain = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return sorted(re.findall(r"[a-z0-9]+", plain))


def _window(request):
    """The cache key counting this address's attempts in the current window, and the seconds it has left.

    The address is kept hashed: the cache holds no one's address."""
    now = time.time()
    window = int(now // ATTEMPT_WINDOW)
    address = hashlib.sha256((client_ip_address(request) or "").encode()).hexdigest()[:32]
    return f"certificates:verification:{address}:{window}", math.ceil((window + 1) * ATTEMPT_WINDOW - now)


def _count_attempt(request):
    """Counts an attempt of this address; the seconds to wait if it goes over the limit, else None."""
    key, remaining = _window(request)
    cache = caches["default"]
    cache.add(key, 0, ATTEMPT_WINDOW)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the key expired in between
        cache.set(key, 1, ATTEMPT_WINDOW)
        attempts = 1
    return remaining if attempts > ATTEMPT_LIMIT else None


def _too_many(request, wait):
    response = render(
        request,
        "429.html",
        {"minutes": max(1, math.ceil(wait / 60)), "limit": ATTEMPT_LIMIT, "window": ATTEMPT_WINDOW // 60},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def _not_found(request, form):
    return render(request, "certificates/verify.html", {"certificate": None, "form": form}, status=404)


def verify(request, code):
    """A code of the QR code (128 random bits) is never guessed: a known one is always shown, an unknown
    one counts as an attempt of the address."""
    certificate = None
    if CODE.match(code):
        certificate = (
            Certificate.objects.select_related("certification", "bloc", "deliberation", "replaces", "replaced_by")
            .filter(code=code)
            .first()
        )
    if certificate is None:
        wait = _count_attempt(request)
        return _too_many(request, wait) if wait else _not_found(request, LookupForm())
    return render(request, "certificates/verify.html", {"certificate": certificate, "form": LookupForm()})


def holder_matches(certificate, holder, birth_date):
    """Every fact given must be the holder's: their whole name (any order), their birth date, or both."""
    if holder.strip() and name_words(holder) != name_words(certificate.holder_name):
        return False
    if birth_date and birth_date != certificate.candidate.birth_date:
        return False
    return bool(holder.strip() or birth_date)


def lookup(request):
    if not request.GET:
        return render(request, "certificates/lookup.html", {"form": LookupForm()})
    wait = _count_attempt(request)
    if wait:
        return _too_many(request, wait)
    form = LookupForm(request.GET)
    if not form.is_valid():
        return render(request, "certificates/lookup.html", {"form": form}, status=400)
    certificate = (
        Certificate.objects.select_related("candidate")
        .filter(number=form.cleaned_data["number"].strip().upper())
        .first()
    )
    if certificate and holder_matches(certificate, form.cleaned_data["holder"], form.cleaned_data["birth_date"]):
        return redirect("certificates:verify", code=certificate.code)
    return _not_found(request, form)
