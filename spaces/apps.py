from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    """The spaces of the people the certification is about: the candidate's, and the tutors' and managers'."""

    name = "spaces"
    verbose_name = _("Espaces des candidats et de leur entourage")

    def ready(self):
        from . import (
            admin_documents,  # noqa: F401  (registers the candidates' documents in the admin)
            corrections,  # noqa: F401  (registers the preview of the administrators' notice)
        )
