from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    """The certification rules, the evaluation grids, and the deliberations that decide on them."""

    name = "evaluations"
    verbose_name = _("Évaluations")

    def ready(self):
        from . import (
            notices,  # noqa: F401  (registers the previews of the national jury's notices)
            previews,  # noqa: F401  (registers the previews of the results)
            reminders,  # noqa: F401  (registers the previews of the reminders)
        )
