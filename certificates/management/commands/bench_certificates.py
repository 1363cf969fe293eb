import datetime
import hashlib
import multiprocessing
import statistics
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from candidates.models import Candidate
from certificates import services, signing
from certificates.models import Certificate, CertificateKind
from cqp_site.pdf import html_to_pdf
from evaluations.models import Deliberation
from referentials.models import Certification

STATE = {}


def _certificate(number):
    """An unsaved CCP GRU certificate, as the issuing makes them."""
    candidate = Candidate(first_name="Camille", last_name=f"Durand{number}", birth_date=datetime.date(1990, 5, 4))
    return Certificate(
        kind=CertificateKind.CCP,
        number=f"CCP-GC-2026-{number:06d}",
        candidate=candidate,
        certification=STATE["certification"],
        bloc=STATE["bloc"],
        deliberation=Deliberation(held_on=datetime.date(2026, 11, 27)),
        holder_name=f"Camille DURAND{number}",
        issued_on=datetime.date(2026, 11, 27),
    )


def _produce(number):
    """Everything a worker does for one certificate, but the database row: HTML and QR, render, sign, store."""
    certificate = _certificate(number)
    html = services.certificate_html(certificate, STATE["parts"])
    pdf = signing.sign_pdf(html_to_pdf(html), reason=certificate.number)
    (STATE["directory"] / f"{certificate.number}.pdf").write_bytes(pdf)
    return hashlib.sha256(pdf).hexdigest()


def _median_ms(function, repeat):
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000, result


class Command(BaseCommand):
    help = (
        "Mesure le coût d'un certificat (HTML et QR, rendu, signature, stockage) contre un rendu WeasyPrint nu "
        "du même HTML, puis le débit d'un lot avec 1 et 2 processus de travail. N'écrit rien en base."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=500, help="certificats du lot (défaut : 500)")
        parser.add_argument("--repeat", type=int, default=20, help="mesures par étape (médiane)")

    def handle(self, *args, count, repeat, **options):
        certification = Certification.objects.filter(code="GC").order_by("-version__date").first()
        if certification is None:
            raise CommandError("Chargez d'abord le référentiel : python manage.py load_referentials")
        STATE["certification"] = certification
        STATE["bloc"] = certification.blocs.get(code="GRU")
        STATE["parts"] = list(STATE["bloc"].competences.order_by("order"))
        STATE["directory"] = Path(tempfile.mkdtemp(prefix="bench-certificates-"))
        signing.signer()  # loaded once per process, as in a worker

        certificate = _certificate(1)
        url = services.verify_url(certificate)
        html = services.certificate_html(certificate, STATE["parts"])
        pdf = html_to_pdf(html)
        signed = signing.sign_pdf(pdf, reason=certificate.number)
        path = STATE["directory"] / "sample.pdf"
        stages = [
            ("QR (dans HTML)", lambda: services.qr_data_uri(url)),
            ("HTML et QR", lambda: services.certificate_html(certificate, STATE["parts"])),
            ("rendu", lambda: html_to_pdf(html)),
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
        context = multiprocessing.get_context("fork")
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
