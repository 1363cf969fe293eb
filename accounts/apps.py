from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts' passwords: reset by mail through Django's own views, invitations to choose one."""

    name = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from . import previews  # noqa: F401  (registers the previews of the password mails)
