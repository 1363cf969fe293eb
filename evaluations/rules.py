"""The certification rules of the CQP GC and COS, as plain functions over plain values.

Both official texts say it word for word (booklet 003, "Principe de certification d'un bloc de
compétences"; evaluation referential 000, preamble):

    La compétence est validée si au minimum 80% des critères qui permettent d'apprécier
    l'acquisition de la compétence sont validés. Le bloc de compétences est validé si au minimum
    80% des compétences qui le constituent sont acquises. Lorsque les 80% n'aboutissent pas à un
    nombre entier, le nombre entier supérieur sera pris en compte.

Every screen, command and import asks these functions; nothing else recomputes a rule. There is
no ORM here: callers pass marks, codes and booleans, and get back a result that says why.
"""

import calendar
import datetime
import functools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

VALIDATION_RATIO = Fraction(4, 5)


class Outcome(StrEnum):
    ACQUIRED = "acquired"
    NOT_ACQUIRED = "not_acquired"
    PENDING = "pending"


@dataclass(frozen=True)
class Decision:
    """The outcome of a competence or a bloc, with the counts it rests on and its reason."""

    outcome: Outcome
    validated: int
    total: int
    required: int
    reason: str

    @property
    def is_acquired(self):
        return self.outcome is Outcome.ACQUIRED


@dataclass(frozen=True)
class CqpDecision:
    awarded: bool
    acquired_blocs: tuple[str, ...]
    missing_blocs: tuple[str, ...]
    missing_trainings: tuple[str, ...]
    reason: str = field(compare=False)


def threshold(total: int) -> int:
    """How many of `total` items must be validated: the smallest whole number not below 80%.

    Computed exactly with a fraction, never with floating point: threshold(5) is 4,
    threshold(6) is 5, threshold(10) is 8.
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"threshold() takes a whole number, not {total!r}")
    if total <= 0:
        raise ValueError("threshold() needs at least one item: nothing can be validated out of nothing")
    return math.ceil(total * VALIDATION_RATIO)


def _decide(marks: Sequence[bool | None]) -> tuple[Outcome, int, int, int, int]:
    """Count marks (True validated, False not, None not yet marked) and decide what they imply.

    The outcome is only given once no remaining mark could change it.
    """
    total = len(marks)
    required = threshold(total)
    validated = sum(1 for mark in marks if mark is True)
    unmarked = sum(1 for mark in marks if mark is None)
    if validated >= required:
        outcome = Outcome.ACQUIRED
    elif validated + unmarked < required:
        outcome = Outcome.NOT_ACQUIRED
    else:
        outcome = Outcome.PENDING
    return outcome, validated, total, required, unmarked


def decide_competence(criterion_marks: Sequence[bool | None]) -> Decision:
    """A competence is acquired when at least 80% of its criteria are validated, rounded up.

    A competence without criteria cannot be decided (the referential is incomplete): ValueError.
    """
    if not criterion_marks:
        raise ValueError("a competence without criteria cannot be decided: its referential is incomplete")
    outcome, validated, total, required, unmarked = _decide(criterion_marks)
    reason = _competence_reason(outcome, validated, total, required, unmarked, get_language())
    return Decision(outcome, validated, total, required, reason)


# The reasons are sentences in the active language, made once per set of counts and language: a
# deliberation of thousands of files decides hundreds of thousands of competences.
@functools.lru_cache(maxsize=4096)
def _competence_reason(outcome, validated, total, required, unmarked, language):
    counts = ngettext(
        "%(validated)s critère validé sur %(total)s, %(required)s requis",
        "%(validated)s critères validés sur %(total)s, %(required)s requis",
        validated,
    ) % {"validated": validated, "total": total, "required": required}
    verdict = {
        Outcome.ACQUIRED: _("acquise"),
        Outcome.NOT_ACQUIRED: _("non acquise"),
        Outcome.PENDING: ngettext(
            "en attente (%(unmarked)s critère à évaluer)",
            "en attente (%(unmarked)s critères à évaluer)",
            unmarked,
        )
        % {"unmarked": unmarked},
    }[outcome]
    return f"{counts} : {verdict}"


def decide_bloc(competence_outcomes: Sequence[bool | None]) -> Decision:
    """A bloc is validated when at least 80% of its competences are acquired, rounded up.

    Takes, for each competence of the bloc, True (acquired), False (not acquired) or None (not
    decided yet); a bloc without competences cannot be decided: ValueError.
    """
    if not competence_outcomes:
        raise ValueError("a bloc without competences cannot be decided: its referential is incomplete")
    outcome, validated, total, required, unmarked = _decide(competence_outcomes)
    reason = _bloc_reason(outcome, validated, total, required, unmarked, get_language())
    return Decision(outcome, validated, total, required, reason)


@functools.lru_cache(maxsize=4096)
def _bloc_reason(outcome, validated, total, required, unmarked, language):
    counts = ngettext(
        "%(validated)s compétence acquise sur %(total)s, %(required)s requises",
        "%(validated)s compétences acquises sur %(total)s, %(required)s requises",
        validated,
    ) % {"validated": validated, "total": total, "required": required}
    verdict = {
        Outcome.ACQUIRED: _("bloc validé"),
        Outcome.NOT_ACQUIRED: _("bloc non validé"),
        Outcome.PENDING: ngettext(
            "en attente (%(unmarked)s compétence à décider)",
            "en attente (%(unmarked)s compétences à décider)",
            unmarked,
        )
        % {"unmarked": unmarked},
    }[outcome]
    return f"{counts} : {verdict}"


def decide_bloc_from_criteria(criteria_marks_by_competence: Sequence[Sequence[bool | None]]) -> Decision:
    """Decide a bloc from the criterion marks of each of its competences, in order."""
    return decide_bloc([_as_mark(decide_competence(marks)) for marks in criteria_marks_by_competence])


def _as_mark(decision: Decision) -> bool | None:
    if decision.outcome is Outcome.PENDING:
        return None
    return decision.is_acquired


PASS = "Pass"
PREMSS = "Prem'ss"


def decide_cqp(
    certification_blocs: Sequence[str],
    acquired_blocs: Collection[str],
    *,
    pass_validated: bool,
    premss_validated: bool,
) -> CqpDecision:
    """The CQP is awarded when every bloc of it is validated and Pass and Prem'ss are validated.

    Booklet 003, "Principe d'attribution du CQP": "Tous les blocs de compétences qui le
    constituent sont validés [...] Le candidat a suivi et validé les formations Pass et Prem'ss."
    A bloc acquired is acquired for good and counts for every certification that contains it
    ("capitalisables entre différentes certifications"), so `acquired_blocs` holds the codes of
    every bloc the candidate acquired, through whichever CQP.
    """
    if not certification_blocs:
        raise ValueError("a certification without blocs cannot be decided: its referential is incomplete")
    acquired = tuple(code for code in certification_blocs if code in acquired_blocs)
    missing = blocs_to_take(certification_blocs, acquired_blocs)
    trainings = tuple(name for name, validated in ((PASS, pass_validated), (PREMSS, premss_validated)) if not validated)
    awarded = not missing and not trainings

    parts = [
        ngettext(
            "%(count)s bloc acquis sur %(total)s",
            "%(count)s blocs acquis sur %(total)s",
            len(acquired),
        )
        % {"count": len(acquired), "total": len(certification_blocs)}
    ]
    if missing:
        parts.append(
            ngettext("bloc manquant : %(codes)s", "blocs manquants : %(codes)s", len(missing))
            % {"codes": ", ".join(missing)}
        )
    if trainings:
        parts.append(
            ngettext("formation non validée : %(names)s", "formations non validées : %(names)s", len(trainings))
            % {"names": " et ".join(trainings)}
        )
    else:
        parts.append(_("formations Pass et Prem'ss validées"))
    verdict = _("CQP délivré") if awarded else _("CQP non délivré")
    return CqpDecision(awarded, acquired, missing, trainings, f"{verdict} : {' ; '.join(parts)}")


def blocs_to_take(certification_blocs: Sequence[str], acquired_blocs: Collection[str]) -> tuple[str, ...]:
    """The blocs a candidate must still pass for a certification, given every bloc acquired.

    A candidate who holds GRU and MDR through the COS and aims at the GC needs only GDU.
    """
    return tuple(code for code in certification_blocs if code not in acquired_blocs)


def oral_presentation_problems(
    bloc_code: str, coverage: Sequence[tuple[str, bool, bool]], minimum_covered: int
) -> list[str]:
    """What stops an oral presentation grid from being complete.

    Booklet 003, bloc MDR: "présentation orale par le candidat d'une situation professionnelle
    [...] couvrant au moins deux compétences du bloc", then "échange avec le jury [...] qui évalue
    les compétences non couvertes par la présentation". `coverage` holds, per competence, its code,
    whether the presentation covered it and whether the exchange evaluated it.
    """
    problems = []
    covered = sum(1 for _code, presented, _discussed in coverage if presented)
    if covered < minimum_covered:
        problems.append(
            ngettext(
                "%(bloc)s : la présentation orale doit couvrir au moins %(minimum)s compétence "
                "(cochées : %(covered)s).",
                "%(bloc)s : la présentation orale doit couvrir au moins %(minimum)s compétences "
                "(cochées : %(covered)s).",
                minimum_covered,
            )
            % {"bloc": bloc_code, "minimum": minimum_covered, "covered": covered}
        )
    left_out = [code for code, presented, discussed in coverage if not (presented or discussed)]
    if left_out:
        problems.append(
            ngettext(
                "%(bloc)s : la compétence %(codes)s n'est ni couverte par la présentation ni évaluée lors de "
                "l'échange.",
                "%(bloc)s : les compétences %(codes)s ne sont ni couvertes par la présentation ni évaluées lors "
                "de l'échange.",
                len(left_out),
            )
            % {"bloc": bloc_code, "codes": ", ".join(left_out)}
        )
    return problems


def unmarked_criteria_problems(bloc_code: str, unmarked_by_competence: Sequence[tuple[str, int]]) -> list[str]:
    """A grid is submitted only when every criterion is marked, validated or not."""
    missing = [(code, count) for code, count in unmarked_by_competence if count]
    if not missing:
        return []
    detail = ", ".join(f"{code} ({count})" for code, count in missing)
    total = sum(count for _code, count in missing)
    return [
        ngettext(
            "%(bloc)s : %(total)s critère n'est pas noté : %(detail)s.",
            "%(bloc)s : %(total)s critères ne sont pas notés : %(detail)s.",
            total,
        )
        % {"bloc": bloc_code, "total": total, "detail": detail}
    ]


@dataclass(frozen=True)
class FileDecision:
    """What a deliberation gives a candidate: the CQP, a CCP per bloc validated now, or nothing yet."""

    cqp_awarded: bool
    new_ccps: tuple[str, ...]
    reason: str


def decide_file(
    certification_blocs: Sequence[str],
    held_before: Collection[str],
    validated_now: Collection[str],
    *,
    pass_validated: bool,
    premss_validated: bool,
) -> FileDecision:
    """The outcome of a deliberation for one candidate.

    Booklet 003: "La validation d'un bloc de compétences donne lieu à la délivrance d'un
    Certificat de Compétences Professionnelles (CCP)"; the CQP when every bloc is acquired (through
    either CQP, for good) and Pass and Prem'ss are validated (`decide_cqp`).
    """
    new_ccps = tuple(code for code in certification_blocs if code in validated_now and code not in held_before)
    cqp = decide_cqp(
        certification_blocs,
        set(held_before) | set(validated_now),
        pass_validated=pass_validated,
        premss_validated=premss_validated,
    )
    if new_ccps:
        ccps = ngettext("CCP délivré : %(codes)s", "CCP délivrés : %(codes)s", len(new_ccps)) % {
            "codes": ", ".join(new_ccps)
        }
    else:
        ccps = _("aucun nouveau bloc validé")
    return FileDecision(cqp.awarded, new_ccps, f"{ccps} · {cqp.reason}")


def may_sign_deliberation(held_on: datetime.date, today: datetime.date) -> bool:
    """A deliberation is signed on or after its date, never before.

    Not a rule of the texts but of the dates they rest on: a bloc validated by the deliberation is
    acquired on its date, and the certificates it gives are « délivrés » on that date; signed before
    it, they would be acquired and issued on a day still to come (issue 16)."""
    return today >= held_on


# The national joint jury's composition ----------------------------------------------------------

EMPLOYERS = "employers"
EMPLOYEES = "employees"
COLLEGES = (EMPLOYERS, EMPLOYEES)


def college_name(college: str) -> str:
    """« collège employeurs » or « collège salariés »."""
    return {EMPLOYERS: _("collège employeurs"), EMPLOYEES: _("collège salariés")}[college]


def composition_problems(colleges_present: Sequence[str], *, min_per_college: int, parity: bool) -> list[str]:
    """What keeps the national joint jury from signing, each sentence naming what is missing.

    Booklet 003: « Le jury paritaire national (CPNEFP) délibère, et certifie les compétences des
    candidats ». A joint (« paritaire ») body seats the representatives of both sides of the branch:
    the employers' college and the employees' college. The texts we hold give no numbers, so they are
    parameters (settings NATIONAL_JURY_MIN_PER_COLLEGE and NATIONAL_JURY_PARITY): each college needs
    `min_per_college` members present, at least one (a jury without one of its colleges is not joint,
    whatever the settings say), and with `parity` both colleges count as many members.

    `colleges_present` holds the college of each member present. No sentence: the jury may sign.
    """
    if min_per_college < 1:
        raise ValueError("a joint jury needs at least one member of each college")
    unknown = set(colleges_present) - set(COLLEGES)
    if unknown:
        raise ValueError(f"unknown colleges: {sorted(unknown)}")
    counts = {college: sum(1 for present in colleges_present if present == college) for college in COLLEGES}
    problems = []
    for college, count in counts.items():
        if count >= min_per_college:
            continue
        if count == 0:
            message = _("%(college)s : aucun membre présent, %(required)s requis.")
        else:
            message = ngettext(
                "%(college)s : %(count)s membre présent, %(required)s requis.",
                "%(college)s : %(count)s membres présents, %(required)s requis.",
                count,
            )
        problems.append(
            message % {"college": capfirst(college_name(college)), "count": count, "required": min_per_college}
        )
    if parity and len(set(counts.values())) > 1:
        fewer, more = sorted(COLLEGES, key=counts.get)
        missing = counts[more] - counts[fewer]
        problems.append(
            ngettext(
                "Parité : il manque %(missing)s membre au %(fewer)s, le %(more)s en compte %(more_count)s.",
                "Parité : il manque %(missing)s membres au %(fewer)s, le %(more)s en compte %(more_count)s.",
                missing,
            )
            % {
                "missing": missing,
                "fewer": college_name(fewer),
                "more": college_name(more),
                "more_count": counts[more],
            }
        )
    return problems


# Appeals (recours) ------------------------------------------------------------------------------


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, « de quantième à quantième » as French law counts a time limit in
    months; a day that month lacks (31 December + 2 months) gives its last day (28 or 29 February)."""
    if months < 0:
        raise ValueError("a time limit counts forward")
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def appeal_deadline(notified_on: datetime.date, months: int) -> datetime.date:
    """The last day on which an appeal against a decision is received.

    The texts we hold set no time limit for an appeal to the national joint jury, so it is a setting
    (APPEAL_DEADLINE_MONTHS, two months by default: the time limit French law gives to appeal an
    administrative decision, Code des relations entre le public et l'administration art. L411-2 and
    Code de justice administrative art. R421-1, which candidates and their employers know). It runs from
    the day the decision was notified: the day the deliberation was signed, when the results are mailed,
    which may be later than its date, never earlier."""
    return months_after(notified_on, months)


def long_date(day: datetime.date) -> str:
    """« 3 février 2027 »."""
    return formats.date_format(day, "j F Y")


def appeal_problems(
    *, received_on: datetime.date, notified_on: datetime.date, today: datetime.date, months: int
) -> list[str]:
    """What makes an appeal against a decision notified on `notified_on` not receivable, each sentence
    saying why. No sentence: the appeal is recorded and goes before the next deliberation."""
    if received_on > today:
        return [_("La date de réception (%(received)s) est à venir.") % {"received": long_date(received_on)}]
    if received_on < notified_on:
        return [
            _("Le recours est daté du %(received)s, avant la notification de la décision le %(notified)s.")
            % {"received": long_date(received_on), "notified": long_date(notified_on)}
        ]
    deadline = appeal_deadline(notified_on, months)
    if received_on > deadline:
        return [
            _(
                "Recours hors délai : reçu le %(received)s, après le %(deadline)s, fin du délai de %(months)s mois "
                "ouvert par la notification de la décision le %(notified)s."
            )
            % {
                "received": long_date(received_on),
                "deadline": long_date(deadline),
                "months": months,
                "notified": long_date(notified_on),
            }
        ]
    return []
