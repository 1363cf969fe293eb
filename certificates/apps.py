from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """The CCP and CQP certificates: PDF rendering, numbering and verification."""

    name = "certificates"
    verbose_name = _("Certificats")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
