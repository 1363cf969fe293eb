"""The pages each role may use, in the header of every page (issue 19: find your way).

An account's roles are read once, when it signs in, and kept in its session: the header then costs no query on
any page (the pages' query counts are asserted). A role granted or withdrawn meanwhile shows at the next sign-in;
the pages themselves check access on every request, so a stale link can only be refused, never open a page.
"""

from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib import admin
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from candidates.roles import candidate_of, is_companion, is_national_jury_member, is_professional_jury_member

SESSION_KEY = "navigation_roles"

JURY, NATIONAL, ADMINISTRATOR, CANDIDATE, COMPANION = "jury", "national", "administrator", "candidate", "companion"

# Each role's pages, in the order of the header: (label, URL name); the first is where the home page sends it,
# and the roles are in the order the home page tries them.
ROLE_LINKS = {
    JURY: ((_("Mes épreuves"), "evaluations:jury_home"),),
    NATIONAL: ((_("Délibérations"), "evaluations:deliberation_list"), (_("Statistiques"), "evaluations:statistics")),
    ADMINISTRATOR: ((_("Administration"), "admin:index"), (_("Statistiques"), "evaluations:statistics")),
    CANDIDATE: ((_("Mon espace"), "spaces:candidate_home"),),
    COMPANION: ((_("Candidats accompagnés"), "spaces:companion_home"),),
}
PUBLIC_LINKS = ((_("Vérifier un certificat"), "certificates:lookup"), (_("Aide"), "help"))


def roles_of(user):
    """The roles of an account, as the home page tells them apart (an account may hold several)."""
    return list(_roles(user))


def _roles(user):
    """The account's roles, one at a time, in the home page's order: read only as far as they are asked for."""
    if not user.is_authenticated:
        return
    if is_professional_jury_member(user):
        yield JURY
    if is_national_jury_member(user):
        yield NATIONAL
    if admin.site.has_permission(SimpleNamespace(user=user)):  # the admin's own rule, which reads the user only
        yield ADMINISTRATOR
    if candidate_of(user) is not None:
        yield CANDIDATE
    if is_companion(user):
        yield COMPANION


def landing_page(user):
    """Where the home page sends an account: its first role's first page (read now, not from the session: a role
    just granted opens at once; the roles after the first are not read); None without any role."""
    role = next(_roles(user), None)
    return ROLE_LINKS[role][0][1] if role else None


def remember_roles(sender, request, user, **kwargs):
    """On sign-in (connected in cqp_site/apps.py): the account's roles kept in its new session."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = roles_of(user)


def session_roles(request):
    """The roles kept in the session; read (and kept) now for a session opened before they were kept; none for
    a request that went through no authentication (a page rendered outside the middleware)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    roles = request.session.get(SESSION_KEY)
    if roles is None:
        roles = request.session[SESSION_KEY] = roles_of(request.user)
    return roles


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: str  # "page" for the page itself, "true" for a page under it, "" elsewhere


def links_for(request):
    """The header's links for this request: the roles' pages, then those open to everyone."""
    names = []
    for role in session_roles(request):
        names += [link for link in ROLE_LINKS[role] if link not in names]
    links = []
    for label, name in [*names, *PUBLIC_LINKS]:
        url = reverse(name)
        if request.path == url:
            current = "page"
        elif request.path.startswith(url):
            current = "true"
        else:
            current = ""
        links.append(Link(str(label), url, current))
    return links


def navigation(request):
    """Context processor: `navigation`, the header's links, read only by the pages that show the header."""
    return {"navigation": SimpleLazyObject(lambda: links_for(request))}
