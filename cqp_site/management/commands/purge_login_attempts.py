from django.conf import settings
from django.core.management.base import BaseCommand

from cqp_site.security import purge_login_records


class Command(BaseCommand):
    help = (
        "Efface ce que django-axes garde des connexions (identifiants saisis, même erronés, adresses, "
        "navigateurs) au-delà de AXES_RETENTION_DAYS jours. À lancer chaque jour (cron ou minuterie systemd)."
    )

    def handle(self, *args, **options):
        purged = purge_login_records()
        self.stdout.write(
            f"Plus de {settings.AXES_RETENTION_DAYS} jours, effacés : tentatives échouées : {purged['attempts']}, "
            f"connexions : {purged['logins']}, échecs journalisés : {purged['failures']}."
        )
