import datetime
import gc
import hashlib
import logging
import multiprocessing
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from django.test.utils import override_settings

from candidates.models import Candidate
from certificates import credentials, services, signing
from certificates.models import Certificate, CertificateKind
from certificates.selectors import certified_parts
from cqp_site import pdf
from cqp_site.pdf import html_to_pdf, write_pdf
from evaluations import services as evaluation_services
from evaluations.benchmark import add_signed_files, bench_world
from evaluations.models import Deliberation
from referentials.models import Certification

STATE = {}
PASSWORD = "bench-certificates-password"


class Rollback(Exception):
    pass


def _certificate(number):
    """An unsaved CCP GRU certificate, as the issuing makes them."""
    candidate = Candidate(first_name="Camille", last_name=f"Durand{number}", birth_date=datetime.date(1990, 5, 4))
    return Certificate(
        pk=number,  # its index in the revocation list, in its credential
        kind=CertificateKind.CCP,
        number=f"CCP-GC-2026-{number:06d}",
        candidate=candidate,
        certification=STATE["certification"],
        bloc=STATE["bloc"],
        deliberation=Deliberation(held_on=datetime.date(2026, 11, 27)),
        holder_name=f"Camille DURAND{number}",
        issued_on=datetime.date(2026, 11, 27),
    )


def _archival_pdf(certificate, html):
    """The PDF as the issuing renders it: PDF/A-3b, tagged, with its Open Badges credential embedded."""
    return write_pdf(html, archival=True, attachments=credentials.pdf_attachments(certificate, STATE["parts"]))


def _produce(number):
    """Everything a worker does for one certificate, but the database row: HTML and QR, the archival render with
    its credential, the signature (PAdES B-LTA when TSA_URL is set), the storage."""
    certificate = _certificate(number)
    html = services.certificate_html(certificate, STATE["parts"])
    pdf = signing.sign_pdf(_archival_pdf(certificate, html), reason=certificate.number)
    (STATE["directory"] / f"{certificate.number}.pdf").write_bytes(pdf)
    return hashlib.sha256(pdf).hexdigest()


def _render_with_a_new_font_configuration(html):
    """What every render did before: WeasyPrint's default, a new font configuration each time."""
    from weasyprint import HTML

    return HTML(string=html, base_url=pdf.BASE_URL, url_fetcher=pdf.project_fetcher()).write_pdf()


def _median_ms(function, repeat):
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000, result


def _signed_deliberation(certification, count):
    """A signed deliberation giving `count` CCP GRU, made as the tests make theirs."""
    world = bench_world(certification, "bench-certificates", PASSWORD)
    add_signed_files(world.deliberation, *world.jury, count * 3 // 2)  # a CCP for 2 files in 3
    return evaluation_services.sign_deliberation(world.deliberation, world.user, PASSWORD)


def _peak_of_a_batch(certification, count, issued, shared):
    """Run in a new child process: a signed deliberation giving `issued` certificates, of which the
    first `count` are produced through the production path (numbered by start_issuing, then
    produce_batch_now for each batch, as the workers do), in a transaction rolled back, files in a
    temporary folder. Every child makes the same data, which leave memory behind; the child's peak
    resident memory (ru_maxrss) is reset once they are made, so that it is the batches' own.
    Not `shared`: a new font configuration per render, as before."""
    from weasyprint.text.fonts import FontConfiguration

    media = tempfile.mkdtemp(prefix="bench-certificates-media-")
    outcome = {}
    fonts = mock.patch.object(pdf, "font_config", pdf.font_config if shared else FontConfiguration)
    try:
        # DEBUG off as in production: with it, Django keeps the last 9,000 queries' SQL in memory.
        with override_settings(MEDIA_ROOT=media, DEBUG=False), fonts, transaction.atomic():
            run = services.start_issuing(_signed_deliberation(certification, issued))
            ids = list(
                Certificate.objects.filter(deliberation=run.deliberation).order_by("pk").values_list("pk", flat=True)
            )
            assert len(ids) == issued, len(ids)
            gc.collect()
            Path("/proc/self/clear_refs").write_text("5")  # resets the peak (Linux)
            outcome["before"] = _resident_kib()
            start = time.perf_counter()
            for first in range(0, count, services.BATCH_SIZE):
                services.produce_batch_now(run.pk, ids[first : min(first + services.BATCH_SIZE, count)])
            outcome["seconds"] = time.perf_counter() - start
            outcome["peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            run.refresh_from_db()
            assert run.done == count, run.done
            raise Rollback
    except Rollback:
        pass
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return outcome


def _resident_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise CommandError("VmRSS absent de /proc/self/status")


class Command(BaseCommand):
    help = (
        "Mesure le coût d'un certificat (HTML et QR, rendu, signature, stockage) contre un rendu WeasyPrint nu "
        "du même HTML ; le rendu avec une configuration de polices neuve à chaque fois (avant) et partagée "
        "(maintenant) ; la mémoire de pointe d'un lot de 500 puis de 2 000 certificats par le chemin de "
        "production, chacun dans un processus neuf (données créées puis annulées, rien n'est gardé) ; puis le "
        "débit d'un lot avec 1 et 2 processus de travail."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=500, help="certificats du lot de débit (défaut : 500)")
        parser.add_argument("--repeat", type=int, default=20, help="mesures par étape (médiane)")
        parser.add_argument("--renders", type=int, default=50, help="rendus de chaque sorte (défaut : 50)")
        parser.add_argument(
            "--memory-before",
            action="store_true",
            help="mesure aussi la mémoire de pointe avec une configuration de polices neuve à chaque rendu (avant)",
        )
        parser.add_argument(
            "--memory-sizes",
            type=int,
            nargs="*",
            default=[500, 2000],
            help="tailles des lots dont la mémoire de pointe est mesurée (défaut : 500 2000 ; rien : aucun)",
        )

    def handle(self, *args, count, repeat, renders, memory_sizes, memory_before, **options):
        certification = Certification.objects.filter(code="GC").order_by("-version__date").first()
        if certification is None:
            raise CommandError("Chargez d'abord le référentiel : python manage.py load_referentials")
        STATE["certification"] = certification
        STATE["bloc"] = certification.blocs.get(code="GRU")
        STATE["parts"] = certified_parts(_certificate(1))  # read once for all, as a batch does
        STATE["directory"] = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
        signing.signer()  # loaded once per process, as in a worker
        logging.getLogger("certificates").setLevel(logging.WARNING)  # not a line per certificate
        context = multiprocessing.get_context("fork")
        # First, while this process has rendered nothing: each child starts from the same memory.
        for shared in (True, False) if memory_before else (True,):
            if memory_sizes:
                self._memory(context, certification, memory_sizes, shared)

        certificate = _certificate(1)
        url = services.verify_url(certificate)
        html = services.certificate_html(certificate, STATE["parts"])
        if renders:
            self._font_configuration(html, renders)
        pdf = _archival_pdf(certificate, html)
        signed = signing.sign_pdf(pdf, reason=certificate.number)
        path = STATE["directory"] / "sample.pdf"
        stages = [
            ("QR (dans HTML)", lambda: services.qr_data_uri(url)),
            ("HTML et QR", lambda: services.certificate_html(certificate, STATE["parts"])),
            ("rendu PDF/A, attestation", lambda: _archival_pdf(certificate, html)),
            ("signature PAdES", lambda: signing.sign_pdf(pdf, reason=certificate.number)),
            ("stockage", lambda: path.write_bytes(signed) and hashlib.sha256(signed).hexdigest()),
        ]
        self.stdout.write(f"Un certificat (médianes sur {repeat} mesures, en ms) :")
        for label, function in stages:
            self.stdout.write(f"  {label:<24} {_median_ms(function, repeat)[0]:8.1f}")
        # The baseline and the whole certificate, measured alternately so that noise hits both alike.
        bare, whole = [], []
        for number in range(repeat):
            bare.append(_median_ms(lambda: html_to_pdf(html), 1)[0])
            whole.append(_median_ms(lambda n=number: _produce(n + 1), 1)[0])
        bare_ms, whole_ms = statistics.median(bare), statistics.median(whole)
        self.stdout.write(f"  {'certificat complet':<24} {whole_ms:8.1f}")
        self.stdout.write(f"  {'rendu nu du même HTML':<24} {bare_ms:8.1f}   rapport : {whole_ms / bare_ms:.2f}")

        connections.close_all()
        throughput = {}
        for workers in (1, 2):
            start = time.perf_counter()
            with context.Pool(workers) as pool:
                digests = pool.map(_produce, range(1, count + 1), chunksize=25)
            elapsed = time.perf_counter() - start
            assert len(set(digests)) == count
            throughput[workers] = count / elapsed
            self.stdout.write(
                f"Lot de {count} avec {workers} processus : {elapsed:6.1f} s, "
                f"{throughput[workers]:5.1f} certificats/s, {elapsed * 1000 / count:5.1f} ms par certificat"
            )
        self.stdout.write(f"Gain de 2 processus sur 1 : {throughput[2] / throughput[1]:.2f}x")
        shutil.rmtree(STATE["directory"], ignore_errors=True)

    def _font_configuration(self, html, renders):
        """The same HTML rendered `renders` times each way, alternately so that noise hits both alike."""
        html_to_pdf(html)  # the shared configuration made once, as a worker's first certificate does
        timings = {"new": 0.0, "shared": 0.0}
        for _ in range(renders):
            for way, render in (("new", _render_with_a_new_font_configuration), ("shared", html_to_pdf)):
                start = time.perf_counter()
                render(html)
                timings[way] += time.perf_counter() - start
        new, shared = (timings[way] * 1000 / renders for way in ("new", "shared"))
        self.stdout.write(f"Rendu d'un certificat, moyenne sur {renders} rendus de chaque sorte (ms) :")
        self.stdout.write(f"  {'polices neuves à chaque rendu (avant)':<40} {new:8.1f}")
        self.stdout.write(f"  {'polices partagées (maintenant)':<40} {shared:8.1f}   rapport : {shared / new:.2f}")

    def _memory(self, context, certification, sizes, shared):
        connections.close_all()  # each child opens its own connection
        results = []
        for size in sizes:
            with context.Pool(1) as pool:  # a new process for each size
                outcome = pool.apply(_peak_of_a_batch, (certification, size, max(sizes), shared))
            results.append((size, outcome))
        fonts = "polices partagées (maintenant)" if shared else "polices neuves à chaque rendu (avant)"
        self.stdout.write(f"Mémoire de pointe d'un lot, chemin de production, processus neuf par taille, {fonts} :")
        self.stdout.write(f"  {'certificats':>11} {'au départ (Mio)':>15} {'pointe (Mio)':>13} {'s':>7} {'rapport':>8}")
        base = results[0][1]["peak"]
        for size, outcome in results:
            self.stdout.write(
                f"  {size:>11} {outcome['before'] / 1024:>15.1f} {outcome['peak'] / 1024:>13.1f} "
                f"{outcome['seconds']:>7.1f} {outcome['peak'] / base:>7.2f}x"
            )
        self.stdout.write(
            f"  (chaque processus fait la même délibération de {max(sizes)} certificats et en produit le nombre dit ; "
            f"rapport : pointe divisée par celle à {results[0][0]} certificats ; but : 1,10x au plus)"
        )
