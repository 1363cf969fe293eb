from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEMO_PASSWORD = "demo-cqp-ucanss"
DEMO_ACCOUNTS = [
    # username, first name, last name, is_superuser
    ("admin", "Alice", "Administratrice", True),
]


class Command(BaseCommand):
    help = (
        "Prépare la démonstration : charge le référentiel livré (sans écraser une version modifiée) et crée "
        "les comptes de démonstration. Refusé quand DEBUG est désactivé : jamais en production."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_demo ne s'exécute qu'avec DEBUG=1 (comptes au mot de passe connu).")
        call_command("load_referentials", keep_existing=True, stdout=self.stdout)
        User = get_user_model()
        for username, first_name, last_name, is_superuser in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@demo.invalid"},
            )
            if created:
                user.is_staff = user.is_superuser = is_superuser
                user.set_password(DEMO_PASSWORD)
                user.save()
        self.stdout.write(
            self.style.SUCCESS(
                "\nDémonstration prête : http://127.0.0.1:8000/admin/\n"
                f"  Administrateur Ucanss : identifiant « admin », mot de passe « {DEMO_PASSWORD} »\n"
            )
        )
