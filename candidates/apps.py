from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CandidatesConfig(AppConfig):
    """Candidates, their employers, certification sessions, exams and juries."""

    name = "candidates"
    verbose_name = _("Candidats et sessions")

    def ready(self):
        from . import convocations  # noqa: F401  (registers the previews of its messages)
        from .roles import grant_administrator_permissions

        post_migrate.connect(grant_administrator_permissions, dispatch_uid="grant_administrator_permissions")
