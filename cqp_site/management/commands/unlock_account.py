from axes.utils import reset
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext


class Command(BaseCommand):
    help = (
        "Débloque un compte verrouillé après trop de mots de passe erronés (connexion ou signature) : "
        "efface ses tentatives échouées, de toutes les adresses. Le compte peut se reconnecter aussitôt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="identifiant du compte à débloquer")

    def handle(self, *args, username, **options):
        user_model = get_user_model()
        if not user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).exists():
            raise CommandError(f"Aucun compte ne porte l'identifiant « {username} ».")
        count = reset(username=username)
        self.stdout.write(
            ngettext(
                "Compte « %(username)s » débloqué (%(count)d enregistrement de tentatives échouées effacé).",
                "Compte « %(username)s » débloqué (%(count)d enregistrements de tentatives échouées effacés).",
                count,
            )
            % {"username": username, "count": count}
        )
