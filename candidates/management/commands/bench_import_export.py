import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from candidates.models import Candidate, Organisation, Person, Route
from candidates.resources import export_candidates, import_candidates, read_candidates
from referentials.models import Certification

HEADER = (
    "Nom;Prénom;Date de naissance;Courriel;Organisme;Emploi;CQP;Voie;Pass validée le;Prem'ss validée le;"
    "Livret 2 reçu le;Manager (courriel);Tuteur (courriel)\n"
)


class Rollback(Exception):
    pass


def measured(function, *args, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        start, cpu = time.perf_counter(), time.process_time()
        value = function(*args, **kwargs)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    database = sum(float(query["time"]) for query in queries.captured_queries)
    return value, elapsed, (cpu, database), len(queries)


class Command(BaseCommand):
    help = (
        "Mesure l'import de candidats (aperçu puis import) et l'export CSV des candidats : temps et requêtes. "
        "Les données du banc d'essai sont créées puis annulées : rien n'est gardé."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=5000, help="lignes du fichier importé (5 000 au plus)")
        parser.add_argument("--export", type=int, default=20000, help="candidats exportés (complétés au besoin)")

    def handle(self, *args, rows, export, **options):
        certification = Certification.objects.filter(code="GC").order_by("-version__date").first()
        if certification is None:
            raise CommandError("Chargez d'abord le référentiel : python manage.py load_referentials")
        try:
            with transaction.atomic():
                self._bench(certification, rows, export)
                raise Rollback
        except Rollback:
            pass

    def _bench(self, certification, rows, export):
        organisations = Organisation.objects.bulk_create(
            Organisation(name=f"Banc d'essai {n}", kind="CPAM", branch="maladie") for n in range(50)
        )
        people = Person.objects.bulk_create(
            Person(first_name="Manager", last_name=f"Banc {n}", email=f"banc{n}@exemple.invalid", organisation=org)
            for n, org in enumerate(organisations)
        )
        lines = "".join(
            f"Banc{n};Prénom;12/05/1990;;{organisations[n % 50].name};Conseiller;GC;Formation;01/03/2024;;;"
            f"{people[n % 50].email};\n"
            for n in range(rows)
        )
        dataset = read_candidates((HEADER + lines).encode(), "csv")
        preview, preview_time, preview_cpu, preview_queries = measured(import_candidates, dataset, dry_run=True)
        result, import_time, import_cpu, import_queries = measured(import_candidates, dataset, dry_run=False)
        if preview.has_errors() or preview.has_validation_errors() or result.has_errors():
            raise CommandError("Le fichier du banc d'essai est refusé : vérifiez le référentiel chargé.")
        self.stdout.write(
            f"import de {rows} lignes : aperçu {preview_time:.2f} s ({preview_queries} requêtes), "
            f"import {import_time:.2f} s ({import_queries} requêtes), "
            f"total {preview_time + import_time:.2f} s (calcul Python {preview_cpu[0] + import_cpu[0]:.2f} s, "
            f"requêtes {preview_cpu[1] + import_cpu[1]:.2f} s)"
        )
        missing = export - Candidate.objects.count()
        if missing > 0:
            Candidate.objects.bulk_create(
                (
                    Candidate(
                        last_name=f"Export{n}",
                        first_name="Prénom",
                        birth_date="1990-05-12",
                        organisation=organisations[n % 50],
                        certification=certification,
                        route=Route.TRAINING,
                        manager=people[n % 50],
                        tutor=people[(n + 1) % 50],
                    )
                    for n in range(missing)
                ),
                batch_size=1000,
            )
        queryset = Candidate.objects.order_by("pk")[:export]
        data, export_time, export_cpu, export_queries = measured(export_candidates, queryset, "csv")
        self.stdout.write(
            f"export CSV de {export} candidats : {export_time:.2f} s ({export_queries} requêtes, "
            f"{len(data) // 1024} Kio ; calcul Python {export_cpu[0]:.2f} s, requêtes {export_cpu[1]:.2f} s)"
        )
