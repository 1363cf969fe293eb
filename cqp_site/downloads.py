"""Files handed to a browser, and who gets them."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.http import content_disposition_header


def attachment(response, filename):
    """The response, downloaded as `filename` (quotes and non-ASCII names encoded as RFC 6266 asks)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def file_download(view):
    """A file goes to its rightful user only; to anyone else signed in, whatever their role, it does
    not exist (404), so that a file's address tells nothing."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise Http404 from None

    return wrapper
