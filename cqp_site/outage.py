"""The page a database outage gets, wherever in the request it strikes.

The grid screen answers a failed save itself (evaluations.views.grid). A connection lost anywhere
else (the session, the account, any other page) reaches Django's handler of server errors: this one
tells a database outage (503, « rien n'est enregistré ») from any other error (the usual 500 page).
Set in the root URLconf: `handler500 = "cqp_site.outage.server_error"`.

The page is plain HTML, rendered without a template context: the session and the account, which a
context would read, are what the database cannot give."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 30
OUTAGE_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Service indisponible — Certification CQP</title></head>
<body><h1>Service momentanément indisponible</h1>
<p>La base de données ne répond pas : rien n'est enregistré. Réessayez dans un instant ; sur une grille
d'évaluation, votre saisie est conservée par le navigateur.</p>
<p>Si le problème dure, prévenez l'Ucanss.</p></body></html>
"""


def is_outage(error):
    """A lost or refused connection to the database (Django's wrappers of the driver's errors)."""
    return isinstance(error, (OperationalError, InterfaceError))


def outage_response():
    response = HttpResponse(OUTAGE_PAGE, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request, *args, **kwargs):
    """Django calls its 500 handler while handling the exception: the exception is the current one."""
    if is_outage(sys.exception()):
        return outage_response()
    return defaults.server_error(request, *args, **kwargs)
