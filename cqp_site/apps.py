from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed


class CertificationAdminConfig(AdminConfig):
    default_site = "cqp_site.admin.CertificationAdminSite"

    def ready(self):
        super().ready()
        from . import admin_guards, otp_admin
        from .logs import log_refused_login
        from .middleware import note_second_factor

        user_logged_in.connect(note_second_factor, dispatch_uid="note_second_factor")
        user_login_failed.connect(log_refused_login, dispatch_uid="log_refused_login")
        otp_admin.register()  # the TOTP devices' admin, answering 404 for an unknown device
        admin_guards.guard_site()  # hostile filter values, dates, ids: 400 or the admin's ?e=1, never 500


class SiteConfig(AppConfig):
    """The site itself, as an application: its management commands (unlock_account, purge_login_attempts)."""

    name = "cqp_site"
    verbose_name = "Certification CQP"
