"""The candidate's own certificates as machine-readable credentials (issue 18): the Open Badges 3.0 credential
embedded in each signed PDF, for a wallet or an employer's system."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from certificates.credential_views import credential_response
from certificates.models import Certificate

from .access import candidate_required


@never_cache
@candidate_required
def candidate_credential(request, candidate, pk):
    """The credential of one of the candidate's certificates in force, as for its PDF: a revoked or replaced one
    is not handed out again, one still being produced has none yet; anyone else's is not found."""
    certificate = (
        Certificate.objects.current()
        .filter(candidate=candidate, pk=pk, revoked_at__isnull=True)
        .exclude(pdf="")
        .select_related("certification__version", "bloc")
        .first()
    )
    if certificate is None:
        raise Http404(_("Aucun certificat de votre dossier ne porte ce numéro."))
    return credential_response(certificate)
