import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext

from cqp_site.database import check_constraints_at_once
from evaluations import national_views, services
from evaluations.benchmark import add_ready_exams, add_signed_files, bench_world
from referentials.models import Certification

PASSWORD = "bench-deliberation-password"


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Mesure la page de délibération à 200 puis 2 000 dossiers, puis « Ajouter les dossiers prêts » et la "
        "signature à 1 000, 2 000 et 4 000 dossiers (données créées puis annulées, rien n'est gardé) : temps "
        "par affichage et par dossier, nombre de requêtes, et le rapport à la plus petite taille."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000])
        parser.add_argument("--repeat", type=int, default=5, help="affichages mesurés par taille (médiane)")
        parser.add_argument("--signing-sizes", type=int, nargs="*", default=[1000, 2000, 4000])

    def handle(self, *args, sizes, repeat, signing_sizes, **options):
        certification = Certification.objects.filter(code="GC").order_by("-version__date").first()
        if certification is None:
            raise CommandError("Chargez d'abord le référentiel : python manage.py load_referentials")
        self._page(certification, sizes, repeat)
        if signing_sizes:
            self._signing(certification, signing_sizes)

    def _signing(self, certification, sizes):
        """Adding the ready files, then signing, each size in a transaction of its own, rolled back."""
        rows = []
        for size in sorted(sizes):
            try:
                with transaction.atomic():
                    check_constraints_at_once()
                    world = bench_world(certification, "bench-jpn", PASSWORD)
                    deliberation, user = world.deliberation, world.user
                    add_ready_exams(*world.jury, size)
                    timings = [
                        self._timed(services.add_ready_files, deliberation, user),
                        self._timed(services.sign_deliberation, deliberation, user, PASSWORD),
                    ]
                    rows.append((size, *timings))
                    raise Rollback
            except Rollback:
                pass
        base = rows[0]
        self.stdout.write("")
        self.stdout.write(
            f"{'dossiers':>9} {'ajout (s)':>10} {'par dossier (ms)':>17} {'requêtes':>9} {'signature (s)':>14} "
            f"{'par dossier (ms)':>17} {'requêtes':>9} {'rapport/dossier':>16}"
        )
        for size, (added, added_queries), (signed, signed_queries) in rows:
            per_file = (added + signed) / size
            base_per_file = (base[1][0] + base[2][0]) / base[0]
            self.stdout.write(
                f"{size:>9} {added:>10.2f} {added * 1000 / size:>17.2f} {added_queries:>9} {signed:>14.2f} "
                f"{signed * 1000 / size:>17.2f} {signed_queries:>9} {per_file / base_per_file:>15.2f}x"
            )
        self.stdout.write(
            f"(rapport : temps par dossier, ajout et signature, divisé par celui à {base[0]} dossiers ; "
            "1,00x : le temps croît comme le nombre de dossiers)"
        )

    @staticmethod
    def _timed(action, *args):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            action(*args)
            return time.perf_counter() - start, len(captured)

    def _page(self, certification, sizes, repeat):
        results = []
        try:
            with transaction.atomic():
                world = bench_world(certification, "bench-jpn", PASSWORD)
                done = 0
                for size in sorted(sizes):
                    add_signed_files(world.deliberation, *world.jury, size - done, start=done)
                    done = size
                    results.append((size, *self._measure(world.user, world.deliberation, repeat)))
                raise Rollback
        except Rollback:
            pass
        base_size, base_time, _ = results[0]
        self.stdout.write(
            f"{'dossiers':>9} {'médiane (ms)':>13} {'par dossier (ms)':>17} {'requêtes':>9} {'rapport':>8}"
        )
        for size, median, queries in results:
            self.stdout.write(
                f"{size:>9} {median * 1000:>13.1f} {median * 1000 / size:>17.3f} {queries:>9} "
                f"{median / base_time:>7.2f}x"
            )
        self.stdout.write(
            f"(rapport : temps divisé par celui à {base_size} dossiers ; la page montre 50 dossiers à la fois)"
        )

    def _measure(self, user, deliberation, repeat):
        factory = RequestFactory()
        timings, queries = [], 0
        for _ in range(repeat):
            request = factory.get(f"/jury-national/deliberations/{deliberation.pk}/")
            request.user = user
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = national_views.deliberation(request, pk=deliberation.pk)
                timings.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
            queries = len(captured)
        return statistics.median(timings), queries
