from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed


class CertificationAdminConfig(AdminConfig):
    default_site = "cqp_site.admin.CertificationAdminSite"

    def ready(self):
        super().ready()
        from .logs import log_refused_login
        from .middleware import note_second_factor
        from .navigation import remember_roles

        user_logged_in.connect(note_second_factor, dispatch_uid="note_second_factor")
        user_logged_in.connect(remember_roles, dispatch_uid="remember_navigation_roles")
        user_login_failed.connect(log_refused_login, dispatch_uid="log_refused_login")


class SiteConfig(AppConfig):
    """The site itself, as an application: its management commands (unlock_account, purge_login_attempts)."""

    name = "cqp_site"
    verbose_name = "Certification CQP"

    def ready(self):
        from .library_labels import label_libraries

        label_libraries()
