import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from referentials.loader import export_referential
from referentials.models import ReferentialVersion


class Command(BaseCommand):
    help = (
        "Exporte une version de référentiel au format cqp-referential/1 (documenté dans "
        "fixtures/referentials/README.md), que load_referentials relit : pour préparer une nouvelle version "
        "hors de l'application, puis la charger."
    )

    def add_arguments(self, parser):
        parser.add_argument("label", help="libellé de la version (par exemple 2020)")
        parser.add_argument("-o", "--output", type=Path, help="fichier à écrire (défaut : la sortie standard)")

    def handle(self, *args, label, output, **options):
        version = ReferentialVersion.objects.filter(label=label).first()
        if version is None:
            labels = ", ".join(ReferentialVersion.objects.values_list("label", flat=True)) or "aucune"
            raise CommandError(f"Version « {label} » inconnue (versions : {labels}).")
        text = json.dumps(export_referential(version), ensure_ascii=False, indent=2) + "\n"
        if output:
            output.write_text(text, encoding="utf-8")
            self.stdout.write(self.style.SUCCESS(f"Version {label} exportée dans {output}"))
        else:
            self.stdout.write(text, ending="")
