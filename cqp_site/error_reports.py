"""What ADMINS receive by mail about a server error (settings.LOGGING, handler mail_admins)."""

from django.views.debug import ExceptionReporter


class ReportWithoutRequest(ExceptionReporter):
    """The report mailed to ADMINS: the traceback and the (cleansed) settings, not the request's user, data,
    cookies or headers, which hold names and addresses. Its first line gives the request id, which leads to
    the request's log lines; the subject gives the path."""

    def __init__(self, request, exc_type, exc_value, tb, is_email=False):
        super().__init__(None, exc_type, exc_value, tb, is_email)
