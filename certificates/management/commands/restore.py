import tempfile
from pathlib import Path

from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import ngettext

from certificates.management.backups import DATABASE, Archive, digest, load_database
from certificates.models import Certificate


def files_text(count):
    return ngettext("%(count)d fichier", "%(count)d fichiers", count) % {"count": count}


def tables_text(count):
    return ngettext("%(count)d table", "%(count)d tables", count) % {"count": count}


def certificates_text(count):
    return ngettext("%(count)d certificat", "%(count)d certificats", count) % {"count": count}


class Command(BaseCommand):
    help = (
        "Restaure une archive de `manage.py backup` : la base de données puis chaque fichier stocké, sous son "
        "nom d'origine. Seulement dans une base vide (sans aucune table) et un stockage qui ne contient aucun "
        "des fichiers de l'archive. L'archive est vérifiée en entier (membres, noms, tailles, empreintes "
        "SHA-256) avant toute écriture ; à la fin, chaque fichier et le PDF de chaque certificat sont "
        "comparés à leur empreinte."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="archive tar écrite par `manage.py backup`")

    def handle(self, *args, archive, **options):
        connection, storage = connections["default"], storages["default"]
        with Archive(archive) as backup:
            manifest = backup.manifest
            if manifest["engine"] != connection.vendor:
                raise CommandError(
                    f"Cette sauvegarde vient d'une base {manifest['engine']} ; la base cible est "
                    f"{connection.vendor}. Restaurez-la dans une base {manifest['engine']}."
                )
            if present := [entry["name"] for entry in backup.files if storage.exists(entry["name"])]:
                raise CommandError(
                    f"Le stockage contient déjà {files_text(len(present))} de la sauvegarde "
                    f"(dont {present[0]}) : restaurez dans un stockage vide."
                )
            if tables := connection.introspection.table_names():
                raise CommandError(
                    f"La base cible n'est pas vide ({tables_text(len(tables))}, dont {tables[0]}) : "
                    "une sauvegarde ne se restaure que dans une base vide. Créez une base neuve et "
                    "indiquez-la par DATABASE_URL."
                )

            with tempfile.TemporaryDirectory(prefix="cqp-restore-") as work:
                dump = Path(work) / DATABASE
                backup.extract_database(dump)
                load_database(connection, dump)
            for entry in backup.files:
                with backup.open_file(entry) as content:
                    saved = storage.save(entry["name"], content)
                if saved != entry["name"]:
                    raise CommandError(
                        f"Restauration incomplète : {entry['name']} a été enregistré sous {saved}. La base est "
                        "restaurée ; videz la base et le stockage avant de recommencer."
                    )

        problems = [
            f"{entry['name']} : empreinte différente de celle du manifeste"
            for entry in backup.files
            if self.stored_digest(storage, entry["name"]) != entry["sha256"]
        ]
        certificates = Certificate.objects.order_by("number")
        for number, name, sha256 in certificates.exclude(pdf="").values_list("number", "pdf", "sha256"):
            if not storage.exists(name):
                problems.append(f"{number} : le PDF {name} manque")
            elif self.stored_digest(storage, name) != sha256:
                problems.append(f"{number} : le PDF {name} ne correspond pas à l'empreinte du certificat")
        if problems:
            raise CommandError("Restauration incomplète :\n" + "\n".join(problems))

        created_at = timezone.localtime(manifest["created_at"]).strftime("%d/%m/%Y à %H:%M")
        self.stdout.write(f"Sauvegarde du {created_at} restaurée (base {connection.vendor}).")
        restored = "restaurés" if len(backup.files) > 1 else "restauré"
        self.stdout.write(f"{certificates_text(certificates.count())}, {files_text(len(backup.files))} {restored}.")
        executor = MigrationExecutor(connection)
        if pending := executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write(
                f"Migrations de ce code absentes de la sauvegarde : {len(pending)} ; lancez `python manage.py migrate`."
            )

    @staticmethod
    def stored_digest(storage, name):
        with storage.open(name, "rb") as content:
            return digest(content)[0]
