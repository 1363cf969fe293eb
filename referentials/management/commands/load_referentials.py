from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from referentials.loader import ReferentialFileError, load_referentials, read_referential_file


class Command(BaseCommand):
    help = (
        "Charge les référentiels de certification (format cqp-referential/1). Sans fichier, charge le "
        "référentiel livré dans fixtures/referentials/. Tous les fichiers sont vérifiés avant toute "
        "écriture : un fichier mal formé est refusé en entier et rien n'est écrit. Relancer la commande "
        "sur les mêmes fichiers ne change rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="Fichiers de référentiel JSON à charger.")
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--replace",
            action="store_true",
            help="Remplacer une version existante dont le contenu diffère (refusé si des évaluations l'utilisent).",
        )
        group.add_argument(
            "--keep-existing",
            action="store_true",
            help="Laisser telle quelle une version existante dont le contenu diffère.",
        )

    def handle(self, *args, files, replace, keep_existing, **options):
        paths = files or settings.REFERENTIAL_FIXTURES
        if not paths:
            raise CommandError("Aucun fichier de référentiel à charger.")
        try:
            referentials = [read_referential_file(path) for path in paths]
            results = load_referentials(
                referentials,
                source_names=[path.name for path in paths],
                on_difference="replace" if replace else "keep" if keep_existing else "error",
            )
        except ReferentialFileError as error:
            raise CommandError(f"Référentiel refusé, rien n'a été écrit. {error}") from error
        for result in results:
            self.stdout.write(
                self.style.SUCCESS(str(result)) if result.status != "kept" else self.style.WARNING(str(result))
            )
