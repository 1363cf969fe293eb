from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    """The certification rules, the evaluation grids, and the deliberations that decide on them."""

    name = "evaluations"
    verbose_name = _("Évaluations")
