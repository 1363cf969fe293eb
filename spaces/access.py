"""Who reaches the spaces: a candidate their own page only; a tutor or manager the candidates they follow only.
Anything else is « not found » (404): an address tells nothing of what is behind it."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _

from candidates import roles


def candidate_required(view):
    """The view receives the account's candidate; an account that is no candidate gets 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        candidate = roles.candidate_of(request.user)
        if candidate is None:
            raise Http404(_("Aucun espace candidat n'est ouvert à ce compte."))
        return view(request, candidate, *args, **kwargs)

    return wrapper


def companion_required(view):
    """The view receives the account's person and the candidates they follow (a queryset); named in the URL
    (`candidate_pk`), the candidate is loaded among those only, else 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, candidate_pk=None, **kwargs):
        person = roles.person_of(request.user)
        followed = roles.followed_candidates(person)
        if person is None or not followed.exists():
            raise Http404(_("Aucun candidat n'est suivi depuis ce compte."))
        if candidate_pk is None:
            return view(request, person, followed, *args, **kwargs)
        candidate = followed.filter(pk=candidate_pk).select_related("organisation", "certification__version").first()
        if candidate is None:
            raise Http404(_("Aucun candidat suivi ne porte ce numéro."))
        return view(request, person, candidate, *args, **kwargs)

    return wrapper
