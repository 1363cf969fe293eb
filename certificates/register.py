"""The register of certificate holders a certifier sends to the Caisse des Dépôts (Code du travail,
article L.6113-8): one entry per CQP or CCP issued and neither revoked nor replaced.

As CSV (every entry, French headers), and as the XML flux of the Caisse des Dépôts' "accrochage
certificateurs" (namespace urn:cdc:cpf:pc5:schema:1.0.0, structure of its public guide and example),
which records certifications obtained: the CQP entries. A CCP is a bloc of competences, not a
certification registered on its own, so it goes in the CSV only. The README documents each field.
No social-security number: the flux identifies holders by their civil identity.

Each file produced is recorded as a deposit (`record_deposit`): who produced it, when, the file and its
digest, and the certificates it declares; the certificates in no deposit are due within three months of
their issue (`deposit_deadline`).
"""

import calendar
import datetime
import hashlib
import uuid
from dataclasses import dataclass
from xml.etree import ElementTree

import tablib
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from candidates.models import Route
from cqp_site.spreadsheets import safe_row

from .models import Certificate, CertificateKind, RegisterDeposit
from .services import verify_url

CDC_NAMESPACE = "urn:cdc:cpf:pc5:schema:1.0.0"
XSI_NAMESPACE = "http://www.w3.org/2001/XMLSchema-instance"
ElementTree.register_namespace("cpf", CDC_NAMESPACE)
ElementTree.register_namespace("xsi", XSI_NAMESPACE)
ACCESS_MODES = {
    Route.TRAINING: "FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION",
    Route.VAE: "VAE",
}
HEADERS = [
    "Numéro du certificat",
    "Type",
    "CQP",
    "Intitulé de la certification",
    "Numéro RNCP",
    "Niveau",
    "Bloc",
    "Intitulé du bloc",
    "Nom de naissance",
    "Nom d'usage",
    "Prénom",
    "Date de naissance",
    "Sexe",
    "Code INSEE du lieu de naissance",
    "Commune de naissance",
    "Pays de naissance",
    "Voie d'accès",
    "Date d'obtention",
    "Adresse de vérification",
]


NOT_ALLOWED_TO_DEPOSIT = gettext_lazy(
    "Produire le registre l'enregistre comme un dépôt à la Caisse des Dépôts, ce que votre compte n'a pas la "
    "permission de faire."
)


class RegisterError(Exception):
    """A register that cannot be produced, with the message to show."""


@dataclass(frozen=True)
class Entry:
    number: str
    kind: str
    certification_code: str
    certification_title: str
    rncp: str
    level: int
    bloc_code: str
    bloc_title: str
    birth_name: str
    usage_name: str  # empty when it is the birth name
    first_name: str
    birth_date: datetime.date
    sex: str
    birth_place_code: str
    birth_city: str
    birth_country: str
    route: str
    obtained_on: datetime.date
    verification_url: str


def entries(certificates) -> list[Entry]:
    """The register's entries for these certificates, revoked and replaced ones left out (one query): a
    re-issued certificate is declared once, under its current number."""
    certificates = (
        certificates.filter(revoked_at__isnull=True, replaced_at__isnull=True)
        .select_related("candidate", "certification", "bloc")
        .order_by("issued_on", "number")
    )
    result = []
    for certificate in certificates:
        candidate, certification, bloc = certificate.candidate, certificate.certification, certificate.bloc
        birth_name = candidate.holder_birth_name
        result.append(
            Entry(
                number=certificate.number,
                kind=certificate.kind,
                certification_code=certification.code,
                certification_title=certification.title,
                rncp=f"RNCP{certification.rncp_number}",
                level=certification.level,
                bloc_code=bloc.code if bloc else "",
                bloc_title=bloc.title if bloc else "",
                birth_name=birth_name,
                usage_name=candidate.last_name if candidate.last_name != birth_name else "",
                first_name=candidate.first_name,
                birth_date=candidate.birth_date,
                sex=candidate.sex,
                birth_place_code=candidate.birth_place_code,
                birth_city=candidate.birth_city,
                birth_country=candidate.birth_country,
                route=candidate.route,
                obtained_on=certificate.issued_on,
                verification_url=verify_url(certificate),
            )
        )
    return result


def identity_gaps(register: list[Entry]) -> list[str]:
    """What the register lacks on each holder, in French; empty when it can be sent."""
    gaps = {}
    for entry in register:
        missing = [
            label
            for label, value in ((_("sexe"), entry.sex), (_("code INSEE du lieu de naissance"), entry.birth_place_code))
            if not value
        ]
        if missing:
            name = f"{entry.first_name} {entry.usage_name or entry.birth_name}"
            message = _("%(holder)s : %(missing)s manquant") % {"holder": name, "missing": ", ".join(missing)}
            gaps[name, entry.birth_date] = message
    return list(gaps.values())


def _complete(register):
    gaps = identity_gaps(register)
    if gaps:
        raise RegisterError(
            ngettext(
                "Le registre ne peut pas être produit : l'état civil de %(count)s titulaire est incomplet (%(gaps)s).",
                "Le registre ne peut pas être produit : l'état civil de %(count)s titulaires est incomplet (%(gaps)s).",
                len(gaps),
            )
            % {"count": len(gaps), "gaps": " ; ".join(gaps)}
        )
    return register


def as_dataset(register: list[Entry]) -> tablib.Dataset:
    """Every entry, CQP and CCP, as a table; refused while a holder's civil identity is incomplete."""
    dataset = tablib.Dataset(headers=HEADERS, title="Registre")
    for entry in _complete(register):
        dataset.append(
            safe_row(
                [
                    entry.number,
                    entry.kind,
                    entry.certification_code,
                    entry.certification_title,
                    entry.rncp,
                    entry.level,
                    entry.bloc_code,
                    entry.bloc_title,
                    entry.birth_name,
                    entry.usage_name,
                    entry.first_name,
                    entry.birth_date.strftime("%d/%m/%Y"),
                    entry.sex,
                    entry.birth_place_code,
                    entry.birth_city,
                    entry.birth_country,
                    Route(entry.route).label,
                    entry.obtained_on.strftime("%d/%m/%Y"),
                    entry.verification_url,
                ]
            )
        )
    return dataset


def flux_entries(register: list[Entry]) -> list[Entry]:
    """The entries the XML flux declares: the CQP (a CCP is a bloc, not a certification of its own)."""
    return [entry for entry in register if entry.kind == CertificateKind.CQP]


def as_cdc_xml(register: list[Entry], client_id: str, contract_id: str, now: datetime.datetime) -> bytes:
    """The CQP entries as one flux of the Caisse des Dépôts, grouped by RNCP number."""
    if not (len(client_id) == 8 and client_id.isalnum() and 1 <= len(contract_id) <= 20):
        raise RegisterError(
            _(
                "Les identifiants de l'Ucanss auprès de la Caisse des Dépôts ne sont pas configurés : "
                "CDC_CLIENT_ID (8 caractères) et CDC_CONTRACT_ID (1 à 20 caractères)."
            )
        )
    awards = flux_entries(_complete(register))
    if not awards:
        raise RegisterError(_("Aucun CQP dans la sélection : le flux de la Caisse des Dépôts ne porte que les CQP."))

    def element(parent, name, text=None, nil=False):
        node = ElementTree.SubElement(parent, f"{{{CDC_NAMESPACE}}}{name}")
        if nil:
            node.set(f"{{{XSI_NAMESPACE}}}nil", "true")
        elif text is not None:
            node.text = str(text)
        return node

    root = ElementTree.Element(f"{{{CDC_NAMESPACE}}}flux")
    element(root, "idFlux", uuid.uuid4())
    element(root, "horodatage", now.isoformat(timespec="seconds"))
    sender = element(root, "emetteur")
    element(sender, "idClient", client_id)
    certifier = element(element(sender, "certificateurs"), "certificateur")
    element(certifier, "idClient", client_id)
    element(certifier, "idContrat", contract_id)
    certifications = element(certifier, "certifications")
    for rncp in sorted({entry.rncp for entry in awards}):
        certification = element(certifications, "certification")
        element(certification, "type", "RNCP")
        element(certification, "code", rncp)
        element(certification, "natureDeposant", "CERTIFICATEUR")
        passages = element(certification, "passageCertifications")
        for entry in (entry for entry in awards if entry.rncp == rncp):
            passage = element(passages, "passageCertification")
            element(passage, "idTechnique", entry.number)
            element(passage, "obtentionCertification", "PAR_ADMISSION")
            element(passage, "donneeCertifiee", "true")
            element(passage, "dateDebutValidite", entry.obtained_on.isoformat())
            element(passage, "dateFinValidite", nil=True)  # acquired for good
            element(passage, "presenceNiveauLangueEuro", "false")
            element(passage, "presenceNiveauNumeriqueEuro", "false")
            element(passage, "scoring", nil=True)
            element(passage, "mentionValidee", nil=True)
            element(element(passage, "modalitesInscription"), "modaliteAcces", ACCESS_MODES[entry.route])
            holder = element(element(passage, "identificationTitulaire"), "titulaire")
            element(holder, "nomNaissance", entry.birth_name)
            element(holder, "nomUsage", entry.usage_name or None, nil=not entry.usage_name)
            element(holder, "prenom1", entry.first_name)
            element(holder, "anneeNaissance", f"{entry.birth_date:%Y}")
            element(holder, "moisNaissance", f"{entry.birth_date:%m}")
            element(holder, "jourNaissance", f"{entry.birth_date:%d}")
            element(holder, "sexe", entry.sex)
            place = element(element(holder, "codeCommuneNaissance"), "codeInseeNaissance")
            element(place, "codeInsee", entry.birth_place_code)
            if entry.birth_city:
                element(holder, "libelleCommuneNaissance", entry.birth_city)
            if entry.birth_country:
                element(holder, "libellePaysNaissance", entry.birth_country)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)


# Deposits ---------------------------------------------------------------------------------------------

DEPOSIT_DEADLINE_MONTHS = 3


def deposit_deadline(issued_on: datetime.date) -> datetime.date:
    """The last day to declare a certificate to the Caisse des Dépôts.

    Code du travail, art. R. 6113-17-2 (décret n° 2019-1490 du 27 décembre 2019, modifié par le décret du
    30 décembre 2024), for article L. 6113-8: the certifiers transmit the holders' identification and the
    certifications obtained to the information system of the compte personnel de formation within three months
    of the date the certification is issued (« dans un délai de trois mois à compter de la date de délivrance »,
    as Centre Inffo and the Caisse des Dépôts' guide for certifiers give it). A certificate is issued on its
    deliberation's date (`Certificate.issued_on`); three months later is the same day of the month, or the
    month's last day when it has none (30 November → 28 or 29 February)."""
    return _months_after(issued_on, DEPOSIT_DEADLINE_MONTHS)


def _months_after(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_issue_due_before(day: datetime.date) -> datetime.date:
    """The last date of issue whose deadline falls before `day`: certificates issued on or before it are
    overdue on `day` (the deadline's own day is still in time). Found from three months before, a few days
    at most away: deadlines never go back as the date of issue goes forward."""
    one_day = datetime.timedelta(days=1)
    issued = _months_after(day, -DEPOSIT_DEADLINE_MONTHS)
    while deposit_deadline(issued) >= day:
        issued -= one_day
    while deposit_deadline(issued + one_day) < day:
        issued += one_day
    return issued


def is_deposited():
    """For a certificate's queryset: whether a deposit declares it."""
    return Exists(RegisterDeposit.certificates.through.objects.filter(certificate_id=OuterRef("pk")))


def undeposited(certificates, today: datetime.date):
    """The certificates to declare still: current (not replaced), not revoked, issued by `today`, in no deposit."""
    return certificates.filter(replaced_at__isnull=True, revoked_at__isnull=True, issued_on__lte=today).exclude(
        is_deposited()
    )


@dataclass(frozen=True)
class DepositsDue:
    overdue: int  # past their deadline
    due_soon: int  # deadline within the warning days, not past
    warning_days: int


def deposits_due(certificates, today: datetime.date, warning_days: int) -> DepositsDue:
    """How many certificates to declare are overdue, and how many are due within `warning_days` (one query)."""
    overdue_up_to = last_issue_due_before(today)
    soon_up_to = last_issue_due_before(today + datetime.timedelta(days=warning_days + 1))
    counts = undeposited(certificates, today).aggregate(
        overdue=Count("pk", filter=Q(issued_on__lte=overdue_up_to)),
        due_soon=Count("pk", filter=Q(issued_on__gt=overdue_up_to, issued_on__lte=soon_up_to)),
    )
    return DepositsDue(counts["overdue"], counts["due_soon"], warning_days)


def record_deposit(declared: list[Entry], data: bytes, file_format: str, filename: str, *, acting_user):
    """A register file produced for the Caisse des Dépôts, kept with its digest, who produced it, and the
    certificates it declares (those of `declared`, its entries), in one transaction."""
    with transaction.atomic():
        deposit = RegisterDeposit(produced_by=acting_user, format=file_format, sha256=hashlib.sha256(data).hexdigest())
        deposit.file.save(filename, ContentFile(data), save=False)
        deposit.save()
        deposit.certificates.set(Certificate.objects.filter(number__in=[entry.number for entry in declared]))
    return deposit
