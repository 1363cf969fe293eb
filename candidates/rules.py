"""Who may sit on a professional jury, and what may be examined: plain functions, no ORM.

Booklet 003, "Les acteurs de l'évaluation et de la certification": the professional jury is made of
"un président de jury : issu de l'organisme certificateur, Ucanss ou son délégataire" and "un
représentant métier : issu de la même branche que le candidat et sans lien hiérarchique avec
celui-ci et n'est pas intervenu dans sa formation ou son accompagnement et qui n'est pas du même
organisme. [...] Les deux membres du jury suivent une formation aux modalités d'évaluation."

Each function returns the list of problems, in French, empty when the rule holds; callers (model
validation, the admin, imports) turn them into validation errors.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.utils.translation import gettext as _

PRESIDENT = "president"
REPRESENTATIVE = "representative"


@dataclass(frozen=True)
class Member:
    """A jury member as the rules see them."""

    id: int
    name: str
    role: str  # PRESIDENT, REPRESENTATIVE or "" (not a jury member)
    organisation_id: int
    branch: str
    trained_on: datetime.date | None


@dataclass(frozen=True)
class CandidateLinks:
    """What ties a candidate to the people around them."""

    organisation_id: int
    branch: str
    hierarchy_ids: Collection[int]  # the candidate's manager, that manager's manager, and so on
    tutor_id: int | None
    trainer_ids: Collection[int]


def jury_problems(
    president: Member, representative: Member, candidate: CandidateLinks, exam_date: datetime.date
) -> list[str]:
    """Everything that stops this pair from forming the professional jury of this candidate."""
    problems = []
    if president.id == representative.id:
        problems.append(_("Le président et le représentant métier doivent être deux personnes différentes."))
    if president.role != PRESIDENT:
        problems.append(
            _("%(name)s n'est pas habilité(e) à présider un jury (Ucanss ou son délégataire).")
            % {"name": president.name}
        )
    if representative.role != REPRESENTATIVE:
        problems.append(_("%(name)s n'est pas représentant(e) métier.") % {"name": representative.name})
    for member in (president, representative):
        if member.trained_on is None:
            problems.append(
                _("%(name)s n'a pas suivi la formation aux modalités d'évaluation.") % {"name": member.name}
            )
        elif member.trained_on >= exam_date:
            problems.append(
                _("%(name)s doit être formé(e) aux modalités d'évaluation avant l'épreuve du %(date)s.")
                % {"name": member.name, "date": exam_date.strftime("%d/%m/%Y")}
            )
    problems.extend(representative_problems(representative, candidate))
    return problems


def representative_problems(representative: Member, candidate: CandidateLinks) -> list[str]:
    """The business representative: same branch, another organisation, no link with the candidate."""
    name = representative.name
    problems = []
    if representative.branch != candidate.branch:
        problems.append(
            _("Le représentant métier %(name)s doit être de la même branche que le candidat.") % {"name": name}
        )
    if representative.organisation_id == candidate.organisation_id:
        problems.append(
            _("Le représentant métier %(name)s ne peut pas être du même organisme que le candidat.") % {"name": name}
        )
    if representative.id in candidate.hierarchy_ids:
        problems.append(_("Le représentant métier %(name)s a un lien hiérarchique avec le candidat.") % {"name": name})
    if representative.id == candidate.tutor_id:
        problems.append(_("Le représentant métier %(name)s est le tuteur du candidat.") % {"name": name})
    if representative.id in candidate.trainer_ids:
        problems.append(
            _("Le représentant métier %(name)s est intervenu dans la formation du candidat.") % {"name": name}
        )
    return problems


def bloc_exam_problems(
    bloc_code: str, certification_code: str, certification_blocs: Collection[str], acquired_blocs: Collection[str]
) -> list[str]:
    """A bloc is examined only within the candidate's CQP, and never once it is acquired for good."""
    if bloc_code not in certification_blocs:
        return [
            _("Le bloc %(bloc)s ne fait pas partie du CQP %(cqp)s visé par le candidat.")
            % {"bloc": bloc_code, "cqp": certification_code}
        ]
    if bloc_code in acquired_blocs:
        return [
            _("Le candidat a déjà acquis le bloc %(bloc)s : un bloc est acquis définitivement.") % {"bloc": bloc_code}
        ]
    return []
