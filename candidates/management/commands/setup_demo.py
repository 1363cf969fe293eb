from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from candidates import demo
from evaluations import demo as evaluations_demo


class Command(BaseCommand):
    help = (
        "Prépare la démonstration : charge le référentiel livré (sans écraser une version modifiée), puis les "
        "organismes, comptes, candidats, sessions et épreuves de démonstration s'ils n'y sont pas déjà. "
        "Refusé quand DEBUG est désactivé : les comptes ont un mot de passe connu."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("setup_demo ne s'exécute qu'avec DEBUG=1 (comptes au mot de passe connu).")
        call_command("load_referentials", keep_existing=True, stdout=self.stdout)
        if demo.already_loaded():
            self.stdout.write("Données de démonstration déjà présentes : rien d'ajouté.")
        else:
            with transaction.atomic():
                demo.load_demo()
                evaluations_demo.load_demo()
            self.stdout.write("Données de démonstration créées.")
        lines = [f"  {account.username:<14} {account.description}" for account in demo.accounts()]
        self.stdout.write(
            self.style.SUCCESS(
                "\nDémonstration prête : http://127.0.0.1:8000/ (les jurys y remplissent leurs grilles, "
                "les administrateurs arrivent dans l'administration)\n"
                f"Comptes (mot de passe « {demo.PASSWORD} » pour tous) :\n" + "\n".join(lines) + "\n"
            )
        )
