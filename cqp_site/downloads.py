"""Responses the browser saves as a file."""

from django.utils.http import content_disposition_header


def attachment(response, filename):
    """The response, downloaded as `filename` (quotes and non-ASCII names encoded as RFC 6266 asks)."""
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
