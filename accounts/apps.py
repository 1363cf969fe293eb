from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Accounts' passwords: reset by mail through Django's own views, invitations to choose one."""

    name = "accounts"
    verbose_name = "Comptes"
