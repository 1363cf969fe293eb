from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """The CCP and CQP certificates: PDF rendering, numbering and verification."""

    name = "certificates"
    verbose_name = _("Certificats")

    def ready(self):
        from django.db.models.signals import post_migrate

        from cqp_site import database

        from . import (
            admin_deposits,  # noqa: F401  (registers the deposits' admin, beside admin.py's)
            admin_signatories,  # noqa: F401  (registers the signatories' admin, beside admin.py's)
            checks,  # noqa: F401  (registers the system checks)
            previews,  # noqa: F401  (registers the preview of the certificates' message)
        )

        # The last app migrated: PostgreSQL's guarantees beyond row triggers, installed after every migrate.
        post_migrate.connect(database.install, sender=self, dispatch_uid="cqp_database_guarantees")
