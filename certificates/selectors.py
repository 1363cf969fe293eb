"""What a certificate says, read for its PDF and its verification page: what it certifies (a bloc's
competences, or a CQP's blocs) and its mentions (RNCP, registration, place and date, signatory).

A batch renders many certificates of one bloc in one CQP, or of one CQP, issued on one date: what they share is
read once (`certified_parts`), and each certificate's own mentions are then read from it without any query
(`certificate_contents`), so that the queries of a batch do not grow with its size."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from referentials.models import CertificationBloc, ReferentialVersion

from .models import CertificateKind, Signatory


def signatory_on(day, *, using="default"):
    """The signatory in office on `day`: the one recorded in the admin whose dates of office include it
    (the latest to take office, if two overlap); else the one the settings name (CERTIFICATE_SIGNATORY_NAME
    and _TITLE, issuing at CERTIFICATE_ISSUE_PLACE), as an unsaved `Signatory`; else None: no one is
    named, and a certificate then prints no signatory line rather than an invented one."""
    recorded = (
        Signatory.objects.using(using)
        .filter(Q(to_date__isnull=True) | Q(to_date__gte=day), from_date__lte=day)
        .order_by("-from_date", "-pk")
        .first()
    )
    if recorded is not None:
        return recorded
    name = settings.CERTIFICATE_SIGNATORY_NAME.strip()
    if not name:
        return None
    return Signatory(name=name, title=settings.CERTIFICATE_SIGNATORY_TITLE.strip(), place=issue_place(None))


def issue_place(signatory):
    """Where certificates are issued: the signatory's place, else the settings' (« Fait à Paris »)."""
    return signatory.place if signatory is not None and signatory.place else settings.CERTIFICATE_ISSUE_PLACE


@dataclass(frozen=True)
class CertifiedParts:
    """What the certificates of one bloc in one CQP, or of one CQP, issued on one date, share: what they list, the
    registration date of their referential version, the blocs' RNCP codes in their CQP's record, and who signs
    them where. Iterating gives what they list."""

    items: list
    kind: str
    certification_id: int
    bloc_id: int | None
    registered_on: datetime.date | None
    rncp_codes: dict  # the RNCP codes of the CQP's blocs filled by an administrator, by bloc id
    issued_on: datetime.date
    signatory: Signatory | None
    place: str

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def rncp_code(self, bloc):
        """The bloc's code in the RNCP record of the certificates' CQP (each CQP's record gives a common bloc a
        code of its own: `CertificationBloc.rncp_code`); "" while an administrator has not filled it."""
        return self.rncp_codes.get(bloc.pk, "")

    def serves(self, certificate):
        """Whether these parts were read for a certificate of the same kind, bloc and CQP (the RNCP codes are its
        record's), issued on the same date."""
        return self.key == parts_key(certificate)

    @property
    def key(self):
        return (self.kind, self.certification_id, self.bloc_id, self.issued_on)


def parts_key(certificate):
    """What certificates sharing their `CertifiedParts` have in common: kind, CQP, bloc and date of issue."""
    return (certificate.kind, certificate.certification_id, certificate.bloc_id, certificate.issued_on)


def certified_parts(certificate, items=None):
    """What the certificate lists, the bloc's competences (CCP) or the CQP's blocs, in order (`items`, if
    the caller has them), with what its mentions read from the database: four queries at most."""
    if items is None:
        if certificate.kind == CertificateKind.CCP:
            items = certificate.bloc.competences.order_by("order")
        else:
            items = certificate.certification.blocs.order_by("certificationbloc__order")
    version_id = certificate.certification.version_id
    signatory = signatory_on(certificate.issued_on)
    return CertifiedParts(
        items=list(items),
        kind=certificate.kind,
        certification_id=certificate.certification_id,
        bloc_id=certificate.bloc_id,
        registered_on=ReferentialVersion.objects.filter(pk=version_id).values_list("registered_on", flat=True).first(),
        rncp_codes=dict(
            CertificationBloc.objects.filter(certification_id=certificate.certification_id)
            .exclude(rncp_code="")
            .values_list("bloc_id", "rncp_code")
        ),
        issued_on=certificate.issued_on,
        signatory=signatory,
        place=issue_place(signatory),
    )


def parts_for(certificate, parts=None):
    """The certificate's `CertifiedParts`: `parts` if they were read for another certificate of the same bloc or
    CQP that they serve (a batch), else read now; a plain list of competences or blocs (or None) is taken as what
    the certificate lists (or to be read)."""
    if not isinstance(parts, CertifiedParts):
        return certified_parts(certificate, items=parts)
    return parts if parts.serves(certificate) else certified_parts(certificate, items=parts.items)


@dataclass(frozen=True)
class Mentions:
    """What a certificate states besides what it certifies."""

    rncp_number: str
    level: int
    registered_on: datetime.date | None  # France compétences' registration of the referential version
    bloc_rncp_code: str  # a CCP's bloc in the RNCP record of its CQP, when known
    place: str
    issued_on: datetime.date
    signatory: Signatory | None


def certificate_contents(certificate, parts=None):
    """What the certificate's PDF and verification page show: `mentions`, and `competences` (a CCP: each
    with its code and text) or `blocs` (a CQP: pairs of a bloc and its RNCP code, "" when unknown).

    `parts`: as `parts_for` takes them."""
    parts = parts_for(certificate, parts)
    certification = certificate.certification
    is_ccp = certificate.kind == CertificateKind.CCP
    mentions = Mentions(
        rncp_number=certification.rncp_number,
        level=certification.level,
        registered_on=parts.registered_on,
        bloc_rncp_code=parts.rncp_code(certificate.bloc) if is_ccp else "",
        place=parts.place,
        issued_on=certificate.issued_on,
        signatory=parts.signatory,
    )
    if is_ccp:
        return {"mentions": mentions, "competences": parts.items}
    return {"mentions": mentions, "blocs": [(bloc, parts.rncp_code(bloc)) for bloc in parts.items]}
