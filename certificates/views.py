"""The public verification of certificates: by the code of the QR code, or by number and holder.

Only what an employer needs is shown (name, certification or bloc, dates, validity, and for a replaced
certificate the number of the one that replaces it, with its link); anything
unknown or malformed gets the same plain « introuvable ». Numbers follow each other, so a lookup
needs the holder's whole name or birth date, and each client address has a limited number of
lookups (and of unknown codes) per window of time, counted in the cache every process shares
(`throttle`: django-ratelimit). A PDF someone was shown is checked on the lookup page (`check_pdf`)."""

import re
import unicodedata

from django.shortcuts import redirect, render

from . import throttle
from .authenticity import check_pdf as pdf_verdict
from .forms import LookupForm, PdfCheckForm
from .models import Certificate
from .selectors import certificate_contents

CODE = re.compile(r"^[A-Za-z0-9_-]{22}$")
# Letters NFKD does not take apart, written as a French keyboard writes them (« Lætitia », « Cœur »).
LIGATURES = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})


def name_words(text):
    """The words of a name, case, accents and punctuation ignored, sorted: « Léa MARTIN », « MARTIN, Léa » and
    « martin lea » give the same words; « Jean-Pierre » is « jean pierre »."""
    plain = unicodedata.normalize("NFKD", text.casefold().translate(LIGATURES)).encode("ascii", "ignore").decode()
    return sorted(re.findall(r"[a-z0-9]+", plain))


def is_same_name(given, printed):
    """Whether a name typed is the holder's name as printed on the certificate: every word of it and no other,
    first name and surname in any order, case and accents ignored (« MARTIN Léa » is « Léa MARTIN »)."""
    return bool(name_words(given)) and name_words(given) == name_words(printed)


def _not_found(request, form):
    return render(request, "certificates/verify.html", {"certificate": None, "form": form}, status=404)


@throttle.public_rate_limit
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
        return throttle.refused(request, throttle.GUESSES) or _not_found(request, LookupForm())
    context = {"certificate": certificate, "form": LookupForm(), **certificate_contents(certificate)}
    return render(request, "certificates/verify.html", context)


def holder_matches(certificate, holder, birth_date):
    """Every fact given must be the holder's: their whole name (any order), their birth date, or both."""
    if holder.strip() and not is_same_name(holder, certificate.holder_name):
        return False
    if birth_date and birth_date != certificate.candidate.birth_date:
        return False
    return bool(holder.strip() or birth_date)


@throttle.public_rate_limit
def lookup(request):
    if request.method == "POST":
        return check_pdf(request)
    if not request.GET:
        return _lookup_page(request, LookupForm())
    too_many = throttle.refused(request, throttle.GUESSES)
    if too_many:
        return too_many
    form = LookupForm(request.GET)
    if not form.is_valid():
        return _lookup_page(request, form, status=400)
    certificate = (
        Certificate.objects.select_related("candidate")
        .filter(number=form.cleaned_data["number"].strip().upper())
        .first()
    )
    if certificate and holder_matches(certificate, form.cleaned_data["holder"], form.cleaned_data["birth_date"]):
        return redirect("certificates:verify", code=certificate.code)
    return _not_found(request, form)


def _lookup_page(request, form, check_form=None, verdict=None, status=200):
    context = {"form": form, "check_form": check_form or PdfCheckForm(), "verdict": verdict}
    return render(request, "certificates/lookup.html", context, status=status)


def check_pdf(request):
    """A PDF someone was shown, uploaded on the lookup page: « authentique », « modifié » or « inconnu », with
    what was checked (`authenticity.check_pdf`). Each check counts against the address's PDF checks."""
    too_many = throttle.refused(request, throttle.PDF_CHECKS)
    if too_many:
        return too_many
    form = PdfCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return _lookup_page(request, LookupForm(), check_form=form, status=400)
    upload = form.cleaned_data["pdf"]
    upload.seek(0)
    verdict = pdf_verdict(upload.read())
    return _lookup_page(request, LookupForm(), verdict=verdict)
