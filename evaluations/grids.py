"""A grid as plain values: its layout (from the referential), its state (what the jury entered),
and what the rules make of them. No ORM here: selectors build layouts, services store states.

A state is a flat dict, one entry per field of the grid form, so that a save, a merge of two
members' edits, a digest and the audit trail all speak of the same thing:

    criterion-<id>        True (validé), False (non validé) or None (pas encore noté)
    comment-<id>          the comment on a competence
    presented-<id>        the oral presentation covered the competence (oral presentations only)
    discussed-<id>        the exchange evaluated the competence (oral presentations only)
    verdict-<id>          the jury's opinion on a bloc: "favourable", "unfavourable" or "" (not given)
    opinion-<id>          the jury's comment on a bloc
    recommendations-<id>  recommendations for the candidate and the employer, for a bloc
"""

import hashlib
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from . import rules


@dataclass(frozen=True)
class CriterionLayout:
    id: int
    order: int
    text: str

    @property
    def key(self):
        return f"criterion-{self.id}"


@dataclass(frozen=True)
class CompetenceLayout:
    id: int
    code: str
    text: str
    criteria: tuple[CriterionLayout, ...]

    @property
    def comment_key(self):
        return f"comment-{self.id}"

    @property
    def presented_key(self):
        return f"presented-{self.id}"

    @property
    def discussed_key(self):
        return f"discussed-{self.id}"


@dataclass(frozen=True)
class BlocLayout:
    id: int
    code: str
    title: str
    oral_presentation: bool
    minimum_covered: int
    competences: tuple[CompetenceLayout, ...]

    @property
    def verdict_key(self):
        return f"verdict-{self.id}"

    @property
    def opinion_key(self):
        return f"opinion-{self.id}"

    @property
    def recommendations_key(self):
        return f"recommendations-{self.id}"


@dataclass(frozen=True)
class GridLayout:
    blocs: tuple[BlocLayout, ...]

    def empty_state(self):
        """Every field of the grid, with the empty value it starts from."""
        empty = {}
        for bloc in self.blocs:
            for competence in bloc.competences:
                empty.update({criterion.key: None for criterion in competence.criteria})
                empty[competence.comment_key] = ""
                if bloc.oral_presentation:
                    empty[competence.presented_key] = False
                    empty[competence.discussed_key] = False
            empty[bloc.verdict_key] = ""
            empty[bloc.opinion_key] = ""
            empty[bloc.recommendations_key] = ""
        return empty

    def normalise(self, state):
        """Keep the grid's own fields only, each filled (missing ones take their empty value)."""
        return {key: state.get(key, empty) for key, empty in self.empty_state().items()}


@dataclass(frozen=True)
class GridDecisions:
    competences: dict[int, rules.Decision]
    blocs: dict[int, rules.Decision]


def decide(layout: GridLayout, state: dict) -> GridDecisions:
    """Each competence and each bloc, decided by the rules from the marks of the state."""
    competences, blocs = {}, {}
    for bloc in layout.blocs:
        for competence in bloc.competences:
            marks = [state.get(criterion.key) for criterion in competence.criteria]
            competences[competence.id] = rules.decide_competence(marks)
        blocs[bloc.id] = rules.decide_bloc([_as_mark(competences[c.id]) for c in bloc.competences])
    return GridDecisions(competences, blocs)


def _as_mark(decision):
    return None if decision.outcome is rules.Outcome.PENDING else decision.is_acquired


def submission_problems(layout: GridLayout, state: dict) -> list[str]:
    """Everything that stops this grid from being submitted for signature."""
    problems = []
    for bloc in layout.blocs:
        unmarked = [
            (competence.code, sum(1 for c in competence.criteria if state.get(c.key) is None))
            for competence in bloc.competences
        ]
        problems.extend(rules.unmarked_criteria_problems(bloc.code, unmarked))
        if not state.get(bloc.verdict_key):
            problems.append(_("%(bloc)s : donnez l'avis du jury, favorable ou défavorable.") % {"bloc": bloc.code})
        if bloc.oral_presentation:
            coverage = [
                (c.code, bool(state.get(c.presented_key)), bool(state.get(c.discussed_key))) for c in bloc.competences
            ]
            problems.extend(rules.oral_presentation_problems(bloc.code, coverage, bloc.minimum_covered))
    return problems


@dataclass(frozen=True)
class Merge:
    state: dict
    conflicts: tuple[str, ...]  # keys both members changed, each in their own way


def merge(base: dict, mine: dict, theirs: dict) -> Merge:
    """Three-way merge of two members' edits made from the same `base`.

    What only one of them changed is kept; what both changed to the same value is kept; what both
    changed differently is a conflict, left at `mine` for the member to confirm or change.
    """
    merged, conflicts = {}, []
    for key in theirs.keys() | mine.keys():
        before, mine_value, their_value = base.get(key), mine.get(key), theirs.get(key)
        if mine_value == their_value or mine_value == before:
            merged[key] = their_value
        elif their_value == before:
            merged[key] = mine_value
        else:
            merged[key] = mine_value
            conflicts.append(key)
    return Merge(merged, tuple(sorted(conflicts)))


def digest(exam_id: int, state: dict) -> str:
    """SHA-256 of what is signed: the exam and every field of its grid, in a canonical form."""
    payload = json.dumps({"exam": exam_id, "state": state}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()
