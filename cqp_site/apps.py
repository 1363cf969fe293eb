from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in


class CertificationAdminConfig(AdminConfig):
    default_site = "cqp_site.admin.CertificationAdminSite"

    def ready(self):
        super().ready()
        from .middleware import note_second_factor

        user_logged_in.connect(note_second_factor, dispatch_uid="note_second_factor")
