"""gunicorn's settings (`scripts/serve web`): its own lines on standard output in the application's
format, one per event, JSON with LOG_FORMAT=json; the access log without addresses nor query
strings (personal data), with the request id."""

import os

from cqp_site.logs import logging_config

_config = logging_config(os.environ.get("LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "INFO"))
_config["handlers"].pop("mail_admins")
_config["loggers"] = {
    "gunicorn.error": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
}
logconfig_dict = _config
accesslog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s"
control_socket_disable = True  # no control socket shared by every gunicorn of the machine's user
