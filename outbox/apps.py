from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """The messages the application sends: each one a row written with the event that causes it, then
    sent by the task worker, retried while the mail server is away, never sent twice."""

    name = "outbox"
    verbose_name = _("Messages envoyés")
    default_auto_field = "django.db.models.BigAutoField"
