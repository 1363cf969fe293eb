import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from candidates.models import Candidate
from evaluations import scale


class Command(BaseCommand):
    help = (
        "Construit une décennie de données nationales (PostgreSQL) pour mesurer chaque page et action : 20 000 "
        "candidats, ~73 000 épreuves aux grilles signées, 10 délibérations signées et leurs certificats, une "
        "délibération ouverte de ~3 800 dossiers prêts. Reproductible à partir de --seed ; --factor 0.01 en fait "
        "un jeu moyen proportionnel. Refusé si la base contient déjà des candidats, sur SQLite, et sans DEBUG=1 "
        "(les comptes ont un mot de passe connu)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=0, help="graine du tirage (même graine, mêmes données)")
        parser.add_argument("--factor", type=float, default=1.0, help="taille relative (1 : la décennie entière)")

    def handle(self, *args, seed, factor, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "setup_scale ne fonctionne que sur PostgreSQL (déclencheurs d'audit et volumes) : "
                "indiquez une base dédiée dans DATABASE_URL."
            )
        if not settings.DEBUG:
            raise CommandError("setup_scale ne s'exécute qu'avec DEBUG=1 (comptes au mot de passe connu).")
        if Candidate.objects.exists():
            raise CommandError(
                "La base contient déjà des candidats : utilisez une base dédiée aux mesures à l'échelle."
            )
        if not 0 < factor <= 1:
            raise CommandError("--factor est compris entre 0 (exclu) et 1.")
        start = time.perf_counter()

        def log(message):
            self.stdout.write(f"[{time.perf_counter() - start:7.1f} s] {message}")
            self.stdout.flush()

        counts = scale.build(seed=seed, factor=factor, log=log)
        width = max(len(name) for name in counts)
        lines = [f"  {name:<{width}} {value:>12,}".replace(",", " ") for name, value in counts.items()]
        self.stdout.write(
            self.style.SUCCESS(
                f"\nDonnées à l'échelle prêtes en {time.perf_counter() - start:.0f} s "
                f"(graine {seed}, facteur {factor}) :\n"
                + "\n".join(lines)
                + f"\nComptes (mot de passe « {scale.PASSWORD} » pour tous) : admin (superutilisateur), gestionnaire "
                "(administratrice Ucanss), president (présidente de jury, ~2 000 épreuves au facteur 1), "
                "jury.president.N et jury.<organisme>.N (jurys professionnels), jpn (président des délibérations) "
                "et jpn.2 à jpn.5 (jury paritaire national)."
            )
        )
