from django.core.files.storage import storages
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import timezone
from django.utils.translation import ngettext

from certificates.management.backups import write_backup


class Command(BaseCommand):
    help = (
        "Sauvegarde le site dans une seule archive tar : la base de données (pg_dump, ou copie de la base "
        "SQLite), chaque fichier stocké (certificats signés compris) et un manifeste (date, base, dernière "
        "migration de chaque application, taille et empreinte SHA-256 de chaque fichier). "
        "`manage.py restore` la restaure dans une base vide."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive",
            nargs="?",
            help="fichier à écrire (par défaut backup-AAAAMMJJ-HHMMSS.tar dans le dossier courant) ; "
            "un fichier existant n'est jamais remplacé",
        )

    def handle(self, *args, archive, **options):
        path = archive or timezone.localtime().strftime("backup-%Y%m%d-%H%M%S.tar")
        manifest = write_backup(path, connection=connections["default"], storage=storages["default"])
        count, size = len(manifest["files"]), sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            f"Sauvegarde écrite : {path} (base {manifest['engine']}, "
            + ngettext("%(count)d fichier", "%(count)d fichiers", count) % {"count": count}
            + ", "
            + f"{size / 1e6:.1f} Mo)."
        )
