"""Renews the document timestamps of issued certificates (PAdES B-LTA, issue 18).

A certificate signed with a TSA (settings.TSA_URL) ends with a document timestamp, which proves the PDF,
its signature and the validation data of its DSS existed at its time; that proof holds while the
certificate of the timestamp's TSA is valid. Before it expires, a new document timestamp, over the PDF
with that TSA's validation data added, extends it (`signing.renew_document_timestamp`); and so on, for
the life of the certificate. A PDF signed without a TSA (PAdES B-B) gets its first one the same way,
while its signing certificate is still valid.

Where the renewed PDF goes. A certificate's row keeps the name and digest of its PDF, fixed once stored
(`models.CHANGES_ONCE`, and PostgreSQL's trigger): they say what was issued, mailed to the holder and
declared. So the renewed PDF is written beside the original, in the same storage, as
`<number>-renouvele-<AAAA-MM-JJ>.pdf`, and recorded as a `CertificateRenewal` (name, digest, date, and when
its timestamp's TSA certificate expires: append-only). A renewal is the previous PDF with incremental updates
appended: the original is its first bytes, its digest the row's. The next run starts from the latest renewal,
which the holder's space and the admin hand out (`Certificate.latest_pdf`); the verification of an uploaded
PDF recognises it as the certificate issued, extended (`authenticity`).

Every certificate with a PDF is considered, revoked and replaced ones too: they stay evidence of what
was issued. Exit code 1 if a certificate could not be renewed (the others are), 0 otherwise.
"""

import datetime
import hashlib
import io
import posixpath

from django.core.files.base import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from certificates import signing
from certificates.models import Certificate, CertificateRenewal

RENEWED = "{number}-renouvele-{day:%Y-%m-%d}.pdf"


def renewal_name(certificate, day):
    return posixpath.join(posixpath.dirname(certificate.pdf.name), RENEWED.format(number=certificate.number, day=day))


class Command(BaseCommand):
    help = (
        "Ajoute un nouvel horodatage de document (horodatage d'archive, avec les données de validation à "
        "jour) au PDF de chaque certificat délivré dont le dernier horodatage repose sur un certificat "
        "d'horodatage qui expire dans les N jours, ou qui n'en a aucun. Le PDF renouvelé est écrit à côté "
        "de l'original (<numéro>-renouvele-<date>.pdf) et enregistré comme renouvellement ; l'original ne change pas. "
        "Demande TSA_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--within-days",
            type=int,
            default=365,
            help="renouvelle les horodatages dont le certificat d'horodatage expire dans ce délai (défaut : 365)",
        )

    def handle(self, *args, within_days, **options):
        if not signing.is_long_term():
            raise CommandError(str(signing.NOT_LONG_TERM) + " Aucun horodatage ne peut être ajouté.")
        now = timezone.now()
        limit = now + datetime.timedelta(days=within_days)
        today = timezone.localdate()
        storage = CertificateRenewal._meta.get_field("pdf").storage
        renewed, failed, current = 0, [], 0
        for certificate in Certificate.objects.exclude(pdf="").only("number", "pdf").order_by("number").iterator():
            source = certificate.latest_pdf()
            with source.open("rb") as stored:
                pdf = stored.read()
            expiry = signing.document_timestamp_expiry(io.BytesIO(pdf))
            if expiry is not None and expiry > limit:
                current += 1
                continue
            target = renewal_name(certificate, today)
            if source.name == target:
                current += 1  # renewed today already
                continue
            try:
                renewed_pdf = signing.renew_document_timestamp(pdf)
            except Exception as error:  # one certificate's failure (TSA, CRL, expired certificate) stops no other
                failed.append(certificate.number)
                self.stderr.write(f"{certificate.number} : échec du renouvellement ({type(error).__name__} : {error})")
                continue
            name = storage.save(target, File(renewed_pdf, name=posixpath.basename(target)))
            try:
                with transaction.atomic():
                    CertificateRenewal.objects.create(
                        certificate=certificate,
                        pdf=name,
                        sha256=hashlib.sha256(renewed_pdf.getvalue()).hexdigest(),
                        timestamp_valid_until=signing.document_timestamp_expiry(renewed_pdf),
                    )
            except Exception:
                storage.delete(name)  # no file without its row
                raise
            renewed += 1
            when = "aucun horodatage" if expiry is None else f"horodatage valable jusqu'au {expiry:%d/%m/%Y}"
            self.stdout.write(f"{certificate.number} : {when}, renouvelé dans {name}")
        self.stdout.write(
            f"Certificats renouvelés : {renewed} ; à jour : {current} ; en échec : {len(failed)} "
            f"(horodatages expirant avant le {timezone.localtime(limit):%d/%m/%Y})."
        )
        if failed:
            raise CommandError(f"Renouvellement en échec : {', '.join(failed)}.")
