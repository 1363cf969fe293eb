"""Logs: one line per event on standard output, as text or JSON, carrying the id of the request (or
background task) that caused it. Lines hold no personal data beyond database ids: no names, usernames,
e-mail or IP addresses, browsers."""

import contextlib
import contextvars
import functools
import logging
import re
import uuid

from django.db import transaction
from pythonjsonlogger.core import RESERVED_ATTRS

request_id_var = contextvars.ContextVar("request_id", default="-")

REQUEST_ID_HEADER = "X-Request-ID"
# An id set by the proxy in front is kept only if it cannot forge a log line or a header.
INCOMING_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

security_logger = logging.getLogger("cqp_site.security")


def current_request_id():
    return request_id_var.get()


@contextlib.contextmanager
def request_id(value):
    """Within the block, log lines carry `value` (a background task takes the id of the request that queued it)."""
    token = request_id_var.set(value or uuid.uuid4().hex)
    try:
        yield
    finally:
        request_id_var.reset(token)


def incoming_request_id(request):
    """The proxy's X-Request-ID when it is a plain id, else None (a new one is made)."""
    value = request.headers.get(REQUEST_ID_HEADER, "")
    return value if INCOMING_REQUEST_ID.fullmatch(value) else None


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RequestIdMiddleware:
    """Gives each request an id, kept for its log lines and echoed in the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_id(incoming_request_id(request) or uuid.uuid4().hex):
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = current_request_id()
            return response


def log_event(logger, level, event, **ids):
    """One line: the event and its ids (database ids only, never personal data), in the message for text logs
    and as fields for JSON ones."""
    fields = " ".join(f"{name}={value}" for name, value in ids.items())
    logger.log(level, "%s %s", event, fields, extra={"event": event, **ids})


def log_once_committed(logger, event, **ids):
    """A change is logged, at INFO, when its transaction commits: one rolled back leaves no line."""
    transaction.on_commit(functools.partial(log_event, logger, logging.INFO, event, **ids))


class OneLineFormatter(logging.Formatter):
    """Text lines: a message or traceback spanning lines is kept on one, its line breaks escaped, so that
    each event is one line and no request can forge another line."""

    def format(self, record):
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")


def log_refused_login(sender, credentials, request=None, **kwargs):
    """Refused logins (wrong password, unknown or locked account) are logged without the username, address
    or browser: the request id links the line to the proxy's own logs if an attack must be traced."""
    security_logger.warning("login refused", extra={"event": "login_refused"})


def logging_config(log_format, level):
    """settings.LOGGING: JSON lines (timestamp, level, logger, request_id, message and the event's own
    fields) when `log_format` is "json", text otherwise; server errors also mailed to ADMINS."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "cqp_site.logs.RequestIdFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "text": {
                "()": "cqp_site.logs.OneLineFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": ["levelname", "name", "request_id", "message"],
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": True,
                # Django's loggers pass the request along (its query string may name someone): left out.
                "reserved_attrs": [*RESERVED_ATTRS, "request"],
            },
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["request_id"],
                "formatter": "json" if log_format == "json" else "text",
            },
            "mail_admins": {
                "class": "django.utils.log.AdminEmailHandler",
                "level": "ERROR",
                "filters": ["require_debug_false", "request_id"],
                "formatter": "text",
                "reporter_class": "cqp_site.error_reports.ReportWithoutRequest",
            },
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"handlers": ["stdout"], "level": level, "propagate": False},
            "django.request": {"handlers": ["stdout", "mail_admins"], "level": "ERROR", "propagate": False},
            # Every step of every PDF at INFO: only their warnings.
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            # Every fetch of revocation data for the long-term signatures at INFO: only their warnings.
            "pyhanko_certvalidator": {"level": "WARNING"},
        },
    }
