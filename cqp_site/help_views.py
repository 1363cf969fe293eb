"""The help pages (issue 19): the users' guides of docs/guides/, open to everyone (they show demo data only)."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control

from . import guides
from .navigation import session_roles


def help_index(request):
    """Every guide, the signed-in user's role's first."""
    listed = guides.guides_for(session_roles(request))
    return render(request, "help/index.html", {"guides": listed})


def help_guide(request, slug):
    guide = guides.guide(slug)
    if guide is None:
        raise Http404("Aucun guide ne porte ce nom.")
    # The guides are the repository's own files, never a user's text: their HTML is shown as written.
    return render(request, "help/guide.html", {"guide": guide, "body": mark_safe(guides.to_html(guide))})  # noqa: S308


@cache_control(max_age=3600, public=True)
def help_image(request, name):
    path = guides.image_path(name)
    if path is None:
        raise Http404("Aucune image de guide ne porte ce nom.")
    return FileResponse(path.open("rb"), content_type="image/png")
