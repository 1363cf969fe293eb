"""Who may sit on a professional jury, and what may be examined when: plain functions, no ORM.

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
TRAINING = "training"
VAE = "vae"


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
            _("%(name)s n'a pas qualité pour présider un jury (Ucanss ou son délégataire).") % {"name": president.name}
        )
    if representative.role != REPRESENTATIVE:
        problems.append(_("%(name)s n'a pas le rôle de représentant métier.") % {"name": representative.name})
    for member in (president, representative):
        if member.trained_on is None:
            problems.append(
                _("%(name)s n'a pas suivi la formation aux modalités d'évaluation.") % {"name": member.name}
            )
        elif member.trained_on >= exam_date:
            problems.append(
                _("%(name)s doit avoir suivi la formation aux modalités d'évaluation avant l'épreuve du %(date)s.")
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


@dataclass(frozen=True)
class ExamFacts:
    """What the rules need to know of an exam, gathered by `Exam.clean` from the database."""

    route: str  # TRAINING or VAE: the candidate's
    candidate_certification: str  # the code of the CQP the candidate aims at
    session_certification: str  # the code of the CQP of the session
    session_starts: datetime.date
    session_ends: datetime.date
    exam_date: datetime.date | None
    bloc: str | None  # its code; None for the VAE interview
    bloc_of_certification_version: bool  # the bloc belongs to the referential version of the session's CQP
    certification_blocs: Collection[str]
    acquired_blocs: Collection[str]  # held for good, through either CQP
    livret2_received: bool
    # Blocs of the candidate's other exams that no signed deliberation has decided yet.
    awaiting_blocs: Collection[str] = ()
    # Blocs whose decision the candidate appealed, the appeal not ruled on by a signed deliberation yet.
    appealed_blocs: Collection[str] = ()


def exam_problems(facts: ExamFacts) -> list[str]:
    """Everything the texts refuse in this exam (its jury apart: `jury_problems`)."""
    problems = certification_problems(facts) + session_date_problems(facts)
    if facts.route == TRAINING:
        return problems + training_exam_problems(facts)
    return problems + vae_interview_problems(facts)


def certification_problems(facts: ExamFacts) -> list[str]:
    """A candidate is examined in a session of the CQP they aim at."""
    if facts.candidate_certification != facts.session_certification:
        return [
            _("La session porte sur le CQP %(session)s, le candidat vise le CQP %(candidate)s.")
            % {"session": facts.session_certification, "candidate": facts.candidate_certification}
        ]
    return []


def session_date_problems(facts: ExamFacts) -> list[str]:
    """An exam takes place during its session."""
    if facts.exam_date and not facts.session_starts <= facts.exam_date <= facts.session_ends:
        return [_("L'épreuve doit avoir lieu pendant la session.")]
    return []


def training_exam_problems(facts: ExamFacts) -> list[str]:
    """Booklet 003, training route: « chaque bloc de compétences fait l'objet d'une évaluation » — one exam per
    bloc, a bloc of the CQP in the version of its referential, never a bloc already acquired."""
    if not facts.bloc:
        return [_("Sur la voie de la formation, chaque épreuve porte sur un bloc.")]
    problems = bloc_exam_problems(
        facts.bloc, facts.session_certification, facts.certification_blocs, facts.acquired_blocs
    )
    if not facts.bloc_of_certification_version:
        problems.append(_("Le bloc doit être celui de la version du référentiel du CQP."))
    return problems + resit_problems(facts)


def resit_problems(facts: ExamFacts) -> list[str]:
    """A bloc not validated may be examined again at a later session (an acquired one never is:
    `bloc_exam_problems`), once the national jury has decided on the previous exam, and on the appeal against
    that decision if there is one: until then nobody knows whether a re-sit is needed."""
    if facts.bloc in facts.awaiting_blocs:
        return [
            _(
                "Le candidat a déjà une épreuve du bloc %(bloc)s en attente de la délibération du jury paritaire "
                "national : une nouvelle épreuve se programme une fois le bloc non validé."
            )
            % {"bloc": facts.bloc}
        ]
    if facts.bloc in facts.appealed_blocs:
        return [
            _(
                "Le candidat a formé un recours contre la décision sur le bloc %(bloc)s : une nouvelle épreuve se "
                "programme une fois le recours tranché, s'il confirme le bloc non validé."
            )
            % {"bloc": facts.bloc}
        ]
    return []


def vae_interview_problems(facts: ExamFacts) -> list[str]:
    """Booklet 003, VAE route: the candidate writes the livret 2, then one interview with the VAE jury covers
    every bloc of the CQP not yet held."""
    problems = []
    if facts.bloc:
        problems.append(_("Sur la voie de la VAE, un seul entretien porte sur tous les blocs du CQP."))
    if not facts.livret2_received:
        problems.append(_("Le livret 2 du candidat doit être reçu avant de programmer l'entretien VAE."))
    if not [code for code in facts.certification_blocs if code not in facts.acquired_blocs]:
        problems.append(_("Le candidat détient déjà tous les blocs du CQP."))
    return problems
