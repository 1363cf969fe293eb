"""The machine-readable side of the public verification (issue 18): a certificate's signed credential, the status
list of revocations, and the public key that verifies both. For everyone, signed in or not.

A credential is handed out for a certificate in force whose signed PDF exists, as the holder's own download is:
a revoked or replaced certificate keeps its verification page, which says so, but not its credential."""

import json

from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cqp_site.downloads import attachment

from . import credentials, status_list
from .models import Certificate
from .throttle import public_rate_limit
from .views import CODE


def credential_response(certificate):
    """The certificate's credential, as embedded in its PDF, downloaded as `credential-<number>.jwt`."""
    response = HttpResponse(credentials.issued_credential(certificate), content_type=credentials.MEDIA_TYPE)
    return attachment(response, credentials.jwt_name(certificate))


@public_rate_limit
@never_cache
def credential(request, code):
    certificate = None
    if CODE.match(code):
        certificate = (
            Certificate.objects.current()
            .filter(code=code, revoked_at__isnull=True)
            .exclude(pdf="")
            .select_related("certification__version", "bloc")
            .first()
        )
    if certificate is None:
        raise Http404(_("Aucune attestation numérique ne correspond à ce code."))
    return credential_response(certificate)


@public_rate_limit
def status_revocation(request):
    """The revocation status list; the same for everyone, kept `TTL_SECONDS` by caches, and answered 304 to a
    client that holds the current one."""
    token, digest = status_list.current()
    response = HttpResponse(token, content_type=credentials.MEDIA_TYPE)
    response["ETag"] = f'"{digest}"'
    patch_cache_control(response, public=True, max_age=status_list.TTL_SECONDS)
    return get_conditional_response(request, etag=response["ETag"], response=response)


@public_rate_limit
def signing_keys(request):
    """The organisation's key that signs credentials now, as a JWK set (RFC 7517 §5): what their `kid` names, with
    its certificate chain. A key no longer in use is not listed: its credentials carry its certificate (`x5c`)."""
    response = HttpResponse(
        json.dumps({"keys": [credentials.public_jwk()]}, indent=2), content_type="application/jwk-set+json"
    )
    patch_cache_control(response, public=True, max_age=status_list.TTL_SECONDS)
    return response
