"""Personal data (RGPD): everything held on a candidate, exported; a candidate without certificate, erased.

Erasing keeps what the certification process needs to stay true (exams, signed grids, decisions,
acquired blocs, all linked to an anonymous record) and removes who the candidate was: name,
birth date and place, sex, email, job, the people around them, the carnet de suivi, and the audit trail's copies
of those values. It is the one place allowed past the audit trail's append-only trigger.
"""

import datetime
import functools

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations import selectors as evaluation_selectors
from evaluations.models import DeliberationStatus

from .models import AttestationEvent, Candidate

ERASED_BIRTH_DATE = datetime.date(1900, 1, 2)


class PrivacyError(Exception):
    """A refused erasure, with the message to show."""


def _day(value):
    return value.isoformat() if value else None


def export_candidate(candidate, *, signed_only=False) -> dict:
    """Everything the application holds on one candidate, as plain JSON values.

    `signed_only`: the candidate's own download (their space). The national joint jury's decisions are results
    once its deliberation is signed, not before: the decisions of a deliberation still open are left out, and
    so is what the professional jury entered in the grid of an exam no signed deliberation has decided yet (its
    opinion on the bloc is the start of the result). The administrators' export holds everything."""
    candidate = Candidate.objects.select_related("organisation", "certification", "manager", "tutor").get(
        pk=candidate.pk
    )
    files = candidate.files.select_related("deliberation")
    decided_exams = None
    if signed_only:
        files = files.filter(deliberation__status=DeliberationStatus.SIGNED)
        decided_exams = set(
            candidate.exams.filter(decisions__file__deliberation__status=DeliberationStatus.SIGNED).values_list(
                "pk", flat=True
            )
        )
    exams = []
    for exam in candidate.exams.for_listing().select_related("grid").order_by("scheduled_at"):
        grid = getattr(exam, "grid", None)
        layout = evaluation_selectors.grid_layout(exam)
        exams.append(
            {
                "session": exam.session.name,
                "épreuve": exam.get_kind_display(),
                "bloc": exam.bloc.code if exam.bloc else None,
                "date": timezone.localtime(exam.scheduled_at).isoformat(),
                "jury": [exam.president.full_name, exam.representative.full_name],
                "grille": grid.get_status_display() if grid else None,
                "saisie": evaluation_selectors.grid_state(grid, layout)
                if grid and (decided_exams is None or exam.pk in decided_exams)
                else None,
                "issue": exam.get_status_display(),
                "historique": [
                    {
                        "le": timezone.localtime(event.at).isoformat(),
                        "action": event.get_action_display(),
                        "motif": event.reason,
                        "nouvelle date": timezone.localtime(event.scheduled_at).isoformat()
                        if event.scheduled_at
                        else None,
                    }
                    for event in exam.events.all()
                ],
            }
        )
    return {
        "identité": {
            "nom": candidate.last_name,
            "prénom": candidate.first_name,
            "date de naissance": _day(candidate.birth_date),
            "nom de naissance": candidate.birth_name,
            "sexe": candidate.sex,
            "code INSEE du lieu de naissance": candidate.birth_place_code,
            "commune de naissance": candidate.birth_city,
            "pays de naissance": candidate.birth_country,
            "courriel": candidate.email,
        },
        "emploi": {
            "organisme": candidate.organisation.name,
            "branche": candidate.organisation.get_branch_display(),
            "emploi": candidate.job_title,
            "manager": candidate.manager.full_name if candidate.manager else None,
            "tuteur": candidate.tutor.full_name if candidate.tutor else None,
            "formateurs": [person.full_name for person in candidate.trainers.all()],
        },
        "parcours": {
            "CQP visé": candidate.certification.code,
            "voie": candidate.get_route_display(),
            "Pass validée le": _day(candidate.pass_validated_on),
            "Prem'ss validée le": _day(candidate.premss_validated_on),
            "livret 2 reçu le": _day(candidate.livret2_received_on),
        },
        "carnet de suivi": [
            {
                "compétence": f"{a.competence.bloc.code} {a.competence.code}",
                "tuteur": _day(a.tutor_attested_on),
                "commentaire du tuteur": a.tutor_comment,
                "manager": _day(a.manager_attested_on),
                "commentaire du manager": a.manager_comment,
            }
            for a in candidate.attestations.select_related("competence__bloc")
        ],
        "documents": [
            {
                "nature": d.get_kind_display(),
                "fichier": d.name,
                "déposé le": d.uploaded_at.isoformat(),
                "sha256": d.sha256,
            }
            for d in candidate.documents.order_by("uploaded_at", "pk")
        ],
        "demandes de rectification": [
            {
                "demandée le": c.asked_at.isoformat(),
                "demande": c.text,
                "traitée le": c.handled_at.isoformat() if c.handled_at else None,
                "réponse": c.answer,
            }
            for c in candidate.correction_requests.order_by("asked_at", "pk")
        ],
        "épreuves": exams,
        "décisions": [
            {"délibération": str(decision.file.deliberation), "bloc": decision.bloc.code, "décision": decision.decision}
            for file in files
            for decision in file.blocs.select_related("bloc", "file__deliberation")
        ],
        "blocs acquis": [
            {
                "bloc": acquired.bloc.code,
                "le": _day(acquired.acquired_on),
                "origine": acquired.origin,
                "retiré sur recours le": _day(acquired.withdrawn_on),
            }
            for acquired in candidate.acquired_blocs.select_related("bloc")
        ],
        "CQP délivrés": [
            {
                "CQP": award.certification.code,
                "le": _day(award.awarded_on),
                "retiré sur recours le": _day(award.withdrawn_on),
            }
            for award in candidate.cqp_awards.select_related("certification")
        ],
        "certificats": [
            {"numéro": c.number, "révoqué": c.is_revoked} for c in candidate.certificates.order_by("number")
        ],
    }


@transaction.atomic
def erase_candidate(candidate) -> Candidate:
    """Erase who a candidate was, unless a certificate was issued to them (it must stay verifiable)."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.certificates.exists():
        raise PrivacyError(
            _("%(candidate)s détient un certificat : ses données restent tant que le certificat est vérifiable.")
            % {"candidate": candidate}
        )
    if connection.vendor == "postgresql":
        # The audit trail and the carnet's trail are append-only for the application's role: its owner's
        # function erases them (cqp_site/database.py).
        with connection.cursor() as cursor:
            cursor.execute("SELECT cqp_erase_candidate_audit(%s)", [candidate.pk])
    else:
        AttestationEvent._base_manager.filter(attestation__candidate=candidate).delete()
    candidate.attestations.all().delete()
    for document in candidate.documents.all():
        transaction.on_commit(functools.partial(document.file.storage.delete, document.file.name))
    candidate.documents.all().delete()
    candidate.correction_requests.all().delete()
    if candidate.user_id:  # the account of the candidate's space: closed, and nameless
        user = candidate.user
        user.username, user.email, user.first_name, user.last_name = f"efface-{candidate.pk}", "", "", ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    candidate.trainers.clear()
    candidate.last_name = f"Effacé {candidate.pk}"
    candidate.first_name = "—"
    candidate.birth_date = ERASED_BIRTH_DATE
    candidate.email = candidate.job_title = ""
    for field in ("birth_name", "sex", "birth_place_code", "birth_city", "birth_country"):
        setattr(candidate, field, "")
    candidate.manager = candidate.tutor = None
    candidate.save()
    return candidate
