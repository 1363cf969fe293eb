"""Every change to a grid: save, submit, reopen, sign. Each is one transaction, checks who may do
it, and refuses with a `GridError` carrying a French message; views and any later screen call
these functions and nothing else writes a grid.

Submissions, signatures, reopenings and signed deliberations are logged (logger `evaluations`) with
database ids only, once committed; refused signatures are logged at once, as warnings."""

import functools
import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import AcquiredBloc, Candidate, CqpAward, ExamStatus
from candidates.roles import is_national_jury_member
from certificates import services as certificate_services
from cqp_site import logs, security
from cqp_site.database import check_constraints_at_once
from outbox import services as outbox

from . import appeals, grids, messages, notices, rules, selectors, statistics
from .models import (
    ABSENT_REASON,
    Appeal,
    BlocAssessment,
    BlocDecision,
    CandidateFile,
    CompetenceAssessment,
    CriterionMark,
    Deliberation,
    DeliberationStatus,
    FileOutcome,
    Grid,
    GridAction,
    GridEvent,
    GridStatus,
    Ruling,
    Signature,
)

logger = logging.getLogger("evaluations")


_log = functools.partial(logs.log_event, logger)
_log_once_committed = functools.partial(logs.log_once_committed, logger)


class GridError(Exception):
    """A refused change, with the message to show."""


GRID_SIGNED_MESSAGE = gettext_lazy(
    "La grille est signée par les deux membres du jury : elle ne peut plus être modifiée."
)


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    state: dict
    revision: int
    conflicts: tuple[str, ...] = ()
    merged_from: GridEvent | None = None  # the other member's save that was merged in, if any


def _locked_grid(exam, user):
    """The exam's grid, created if need be and locked for this transaction; the user's jury role."""
    member = exam.jury_member(user)
    if member is None:
        raise GridError(_("Vous ne faites pas partie du jury de cette épreuve."))
    _refuse_if_closed(exam)
    Grid.objects.get_or_create(exam=exam)
    # The exam's row is locked with the grid's and read again: an absence recorded meanwhile is seen.
    grid = Grid.objects.select_for_update().select_related("exam").get(exam=exam)
    _refuse_if_closed(grid.exam)
    return grid, member


def _refuse_if_closed(exam):
    """An exam whose candidate was absent, excused, or which was cancelled has no grid to fill in (issue 16)."""
    if exam.is_closed:
        raise GridError(
            _("Épreuve close (%(status)s) : aucune grille n'est saisie pour cette épreuve.")
            % {"status": exam.get_status_display()}
        )


def _refuse_unless_draft(grid):
    if grid.status == GridStatus.SIGNED:
        raise GridError(str(GRID_SIGNED_MESSAGE))
    if grid.status == GridStatus.SUBMITTED:
        raise GridError(_("La grille est soumise aux signatures : rouvrez-la pour la modifier."))


@transaction.atomic
def save_grid(exam, user, values: dict, base_revision: int) -> SaveResult:
    """Store what a jury member entered, made from the grid at `base_revision`.

    If the other member saved since, both edits are merged; where both changed the same field
    differently nothing is written and the conflicts are returned for the member to decide.
    """
    grid, _member = _locked_grid(exam, user)
    _refuse_unless_draft(grid)
    layout = selectors.grid_layout(exam)
    mine = layout.normalise(values)
    current = selectors.grid_state(grid, layout)
    merged_from = None
    if base_revision != grid.revision:
        base = selectors.state_at(grid, base_revision, layout)
        if base is None or base_revision > grid.revision:
            raise GridError(
                _("La version de la grille sur laquelle vous travailliez est inconnue : rechargez la page.")
            )
        merge = grids.merge(base, mine, current)
        merged_from = grid.events.filter(action=GridAction.SAVED).select_related("user").order_by("-revision").first()
        if merge.conflicts:
            return SaveResult(False, merge.state, grid.revision, merge.conflicts, merged_from)
        mine = merge.state
    if mine == current:
        return SaveResult(False, current, grid.revision, (), merged_from)
    _write_state(grid, layout, mine)
    grid.revision += 1
    grid.save(update_fields=["revision", "updated_at"])
    GridEvent.objects.create(grid=grid, action=GridAction.SAVED, revision=grid.revision, user=user, state=mine)
    return SaveResult(True, mine, grid.revision, (), merged_from)


def grid_rows(grid, layout, state):
    """The rows that hold a grid's state: its marks, competence and bloc assessments."""
    marks, competences, blocs = [], [], []
    for bloc in layout.blocs:
        for competence in bloc.competences:
            marks.extend(
                CriterionMark(grid=grid, criterion_id=criterion.id, validated=state[criterion.key])
                for criterion in competence.criteria
            )
            competences.append(
                CompetenceAssessment(
                    grid=grid,
                    competence_id=competence.id,
                    comment=state[competence.comment_key],
                    presented=bool(state.get(competence.presented_key)),
                    discussed=bool(state.get(competence.discussed_key)),
                )
            )
        blocs.append(
            BlocAssessment(
                grid=grid,
                bloc_id=bloc.id,
                verdict=state[bloc.verdict_key],
                opinion=state[bloc.opinion_key],
                recommendations=state[bloc.recommendations_key],
            )
        )
    return marks, competences, blocs


def _write_state(grid, layout, state):
    """Upsert every row of the grid: three statements, whatever the size of the bloc."""
    marks, competences, blocs = grid_rows(grid, layout, state)
    CriterionMark.objects.bulk_create(
        marks, update_conflicts=True, unique_fields=["grid", "criterion"], update_fields=["validated"]
    )
    CompetenceAssessment.objects.bulk_create(
        competences,
        update_conflicts=True,
        unique_fields=["grid", "competence"],
        update_fields=["comment", "presented", "discussed"],
    )
    BlocAssessment.objects.bulk_create(
        blocs,
        update_conflicts=True,
        unique_fields=["grid", "bloc"],
        update_fields=["verdict", "opinion", "recommendations"],
    )


@transaction.atomic
def submit_grid(exam, user) -> Grid:
    """Hand the complete grid over for signature: every criterion marked, the presentation rules met."""
    grid, _member = _locked_grid(exam, user)
    _refuse_unless_draft(grid)
    if timezone.now() < exam.scheduled_at:
        raise GridError(_("L'épreuve n'a pas encore commencé : la grille ne peut pas être soumise."))
    layout = selectors.grid_layout(exam)
    state = selectors.grid_state(grid, layout)
    problems = grids.submission_problems(layout, state)
    if problems:
        raise GridError(" ".join([_("La grille est incomplète.")] + problems))
    grid.status = GridStatus.SUBMITTED
    grid.submitted_at = timezone.now()
    grid.save(update_fields=["status", "submitted_at", "updated_at"])
    GridEvent.objects.create(grid=grid, action=GridAction.SUBMITTED, revision=grid.revision, user=user, state=state)
    _log_once_committed("grid_submitted", exam_id=exam.pk, grid_id=grid.pk, user_id=user.pk)
    return grid


@transaction.atomic
def reopen_grid(exam, user) -> Grid:
    """Back to editing before both have signed; a signature already given is withdrawn (and kept in the trail)."""
    grid, _member = _locked_grid(exam, user)
    if grid.status != GridStatus.SUBMITTED:
        raise GridError(
            str(GRID_SIGNED_MESSAGE)
            if grid.status == GridStatus.SIGNED
            else _("La grille est déjà en cours de saisie.")
        )
    layout = selectors.grid_layout(exam)
    state = selectors.grid_state(grid, layout)
    withdrawn, _deleted = grid.signatures.all().delete()
    grid.status = GridStatus.DRAFT
    grid.submitted_at = None
    grid.save(update_fields=["status", "submitted_at", "updated_at"])
    GridEvent.objects.create(grid=grid, action=GridAction.REOPENED, revision=grid.revision, user=user, state=state)
    _log_once_committed(
        "grid_reopened", exam_id=exam.pk, grid_id=grid.pk, user_id=user.pk, signatures_withdrawn=withdrawn
    )
    return grid


@transaction.atomic
def sign_grid(exam, user, password: str) -> Grid:
    """A jury member signs the submitted grid with their own account, password asked again.
    Once both members have signed, the grid is frozen."""
    grid, member = _locked_grid(exam, user)
    if grid.status == GridStatus.SIGNED:
        raise GridError(_("La grille est déjà signée par les deux membres du jury."))
    if grid.status != GridStatus.SUBMITTED:
        raise GridError(_("La grille doit être soumise avant d'être signée."))
    if security.is_locked_out(user):
        _log(logging.WARNING, "grid_signature_refused", exam_id=exam.pk, grid_id=grid.pk, user_id=user.pk)
        raise GridError(str(security.LOCKED_OUT_MESSAGE))
    if not security.check_reentered_password(user, password):
        _log(logging.WARNING, "grid_signature_refused", exam_id=exam.pk, grid_id=grid.pk, user_id=user.pk)
        raise GridError(_("Mot de passe incorrect : la grille n'est pas signée."))
    if grid.signatures.filter(member=member).exists():
        raise GridError(_("Vous avez déjà signé cette grille."))
    layout = selectors.grid_layout(exam)
    state = selectors.grid_state(grid, layout)
    now = timezone.now()
    content_digest = grids.digest(exam.pk, state)
    Signature.objects.create(grid=grid, member=member, user=user, signed_at=now, digest=content_digest)
    GridEvent.objects.create(grid=grid, action=GridAction.SIGNED, revision=grid.revision, user=user, state=state)
    signed_by = set(grid.signatures.values_list("member_id", flat=True))
    if signed_by >= {exam.president_id, exam.representative_id}:
        grid.status = GridStatus.SIGNED
        grid.signed_at = now
        grid.digest = content_digest
        grid.save(update_fields=["status", "signed_at", "digest", "updated_at"])
        statistics.count_signed_grid(grid)
    _log_once_committed(
        "grid_signed",
        exam_id=exam.pk,
        grid_id=grid.pk,
        user_id=user.pk,
        fully_signed=grid.status == GridStatus.SIGNED,
    )
    return grid


# The national joint jury's deliberations ------------------------------------------------------


# Rows per statement in a deliberation's bulk writes: an UPDATE of many rows through bulk_update is one
# CASE over every primary key, whose cost grows with the square of the rows it names.
BATCH_SIZE = 500


class DeliberationError(Exception):
    """A refused change to a deliberation, with the message to show."""


def _locked_deliberation(deliberation, user):
    if not is_national_jury_member(user):
        raise DeliberationError(_("Seuls les membres du jury paritaire national délibèrent."))
    deliberation = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    if not deliberation.members.filter(pk=user.pk).exists():
        raise DeliberationError(_("Vous ne siégez pas à cette délibération."))
    if deliberation.is_signed:
        raise DeliberationError(_("La délibération est signée : ses décisions ne changent plus."))
    return deliberation


@transaction.atomic
def add_ready_files(deliberation, user) -> int:
    """Put before the deliberation every file of its sessions whose grids are all signed, once; an
    exam the candidate missed counts as done (an excused or cancelled one never comes: `file_readiness`).

    Each graded bloc gets its computed result (by the rules, from the signed marks), the
    professional jury's opinion, and a decision that starts as the computed result. Each bloc of an
    exam missed (every bloc not held, for the VAE interview) is not validated, « absent à l'épreuve »,
    without a grid nor an opinion (issue 16: the bloc is not validated at this session).
    Returns how many files were added.
    """
    deliberation = _locked_deliberation(deliberation, user)
    readiness = selectors.file_readiness(deliberation)
    candidates = [candidate for candidate in readiness.ready if candidate.pk not in readiness.already_in]
    waiting = {candidate.pk for candidate, _exams in readiness.missing}
    pending = [
        appeal
        for appeal in selectors.pending_appeals(deliberation)
        if appeal.contested.file.candidate_id not in waiting
    ]
    if not candidates and not pending:
        return 0
    check_constraints_at_once()
    exams = [exam for candidate in candidates for exam in readiness.exams[candidate.pk]]
    missed = [exam for exam in exams if exam.status == ExamStatus.ABSENT]
    exams = [exam for exam in exams if exam.status != ExamStatus.ABSENT]
    graded = selectors.graded_blocs([exam.grid for exam in exams])
    held = selectors.held_bloc_codes([candidate.pk for candidate in candidates])
    decisions = {candidate.pk: [] for candidate in candidates}
    for exam in exams:
        for bloc, decision, opinion, comment, recommendations in graded[exam.grid.pk]:
            ruling = Ruling.of(decision.is_acquired)
            decisions[exam.candidate_id].append(
                BlocDecision(
                    bloc=bloc,
                    exam=exam,
                    grid=exam.grid,
                    computed=ruling,
                    computed_reason=decision.reason,
                    opinion=opinion,
                    opinion_text=comment,
                    decision=ruling,
                    recommendations=recommendations,
                )
            )
    for exam, bloc in selectors.missed_blocs(missed, held):
        decisions[exam.candidate_id].append(
            BlocDecision(
                bloc=bloc,
                exam=exam,
                grid=None,
                computed=Ruling.NOT_VALIDATED,
                computed_reason=str(ABSENT_REASON),
                opinion="",
                decision=Ruling.NOT_VALIDATED,
            )
        )
    existing = _hear_appeals(deliberation, pending, candidates, decisions, readiness.already_in)
    held.update(selectors.held_bloc_codes([candidate.pk for candidate in candidates if candidate.pk not in held]))
    codes = selectors.certification_bloc_codes()
    files = []
    for candidate in candidates:
        file = CandidateFile(deliberation=deliberation, candidate=candidate)
        file.record_facts(candidate)
        _set_outcome(file, selectors.file_outcome(file, decisions[candidate.pk], codes, held[candidate.pk]))
        files.append(file)
    CandidateFile.objects.bulk_create(files, batch_size=BATCH_SIZE)
    for file in [*files, *existing]:
        for decision in decisions[file.candidate_id]:
            decision.file = file
    BlocDecision.objects.bulk_create(
        [decision for file in [*files, *existing] for decision in decisions[file.candidate_id]], batch_size=BATCH_SIZE
    )
    if existing:
        existing = list(
            CandidateFile.objects.filter(pk__in=[file.pk for file in existing]).prefetch_related("blocs__bloc")
        )
        _refresh_outcomes(deliberation, existing)
    total = len(readiness.already_in) + len(files)
    missing = len(readiness.missing)
    outbox.queue_many(
        notices.files_ready_drafts(deliberation, added=len(files), total=total, missing=missing, added_by=user)
    )
    return len(files)


def _hear_appeals(deliberation, pending, candidates, decisions, already_in) -> list:
    """Put the pending appeals before the deliberation: each becomes a decision on appeal in its candidate's
    file, a new one (appended to `candidates`) or the one already there (returned). An appeal whose bloc the
    file already decides, from a new exam, waits for the next deliberation."""
    in_file = {
        file.candidate_id: file
        for file in deliberation.files.filter(candidate__in=[appeal.contested.file.candidate_id for appeal in pending])
    }
    existing, heard = [], []
    for appeal in pending:
        candidate = appeal.contested.file.candidate
        if candidate.pk not in decisions:
            decisions[candidate.pk] = []
            if candidate.pk in already_in:
                existing.append(in_file[candidate.pk])
            else:
                candidates.append(candidate)
        decided = {decision.bloc.code for decision in decisions[candidate.pk]}
        if candidate.pk in in_file:
            decided |= set(in_file[candidate.pk].blocs.values_list("bloc__code", flat=True))
        if appeal.contested.bloc.code in decided:
            continue
        decisions[candidate.pk].append(appeals.ruling_for(appeal))
        heard.append(appeal.pk)
    Appeal.objects.filter(pk__in=heard).update(heard_in=deliberation)
    return existing


OUTCOME_FIELDS = ("outcome", "outcome_reason", "disagreement", "overridden")


def _set_outcome(file, summary):
    file.outcome, file.outcome_reason = summary.outcome, summary.reason
    file.disagreement, file.overridden = summary.disagreement, summary.overridden


def _refresh_outcomes(deliberation, files):
    """Each file's facts, taken again from the candidate's record (the deliberation is open), and its
    outcome, by the rules, from its decisions (prefetched as `blocs`) and the blocs the candidate
    already held. Only the files that change are written."""
    candidates = Candidate.objects.in_bulk([file.candidate_id for file in files])
    fields = (*CandidateFile.RECORDED_FACTS, *OUTCOME_FIELDS)
    before = {file.pk: [getattr(file, field) for field in fields] for file in files}
    for file in files:
        file.record_facts(candidates[file.candidate_id])
    outcomes = selectors.file_outcomes(deliberation, files)
    for file in files:
        _set_outcome(file, outcomes[file.pk])
    changed = [file for file in files if [getattr(file, field) for field in fields] != before[file.pk]]
    CandidateFile.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)


@transaction.atomic
def decide_bloc(bloc_decision, user, ruling, justification="", recommendations=None) -> BlocDecision:
    """The jury decides a bloc; otherwise than computed only with a written justification."""
    _locked_deliberation(bloc_decision.file.deliberation, user)
    if ruling not in Ruling.values:
        raise DeliberationError(_("Décision inconnue."))
    if bloc_decision.is_absence and ruling == Ruling.VALIDATED:
        raise DeliberationError(
            _("Le candidat était absent à l'épreuve du bloc %(bloc)s : rien n'a été évalué, le bloc n'est pas validé.")
            % {"bloc": bloc_decision.bloc.code}
        )
    justification = justification.strip()
    if bloc_decision.on_appeal_id and not justification:
        raise DeliberationError(
            _(
                "Trancher le recours sur le bloc %(bloc)s, en le confirmant ou en le réformant, demande une "
                "justification."
            )
            % {"bloc": bloc_decision.bloc.code}
        )
    if ruling != bloc_decision.computed and not justification:
        raise DeliberationError(
            _("Décider le bloc %(bloc)s autrement que le résultat calculé demande une justification écrite.")
            % {"bloc": bloc_decision.bloc.code}
        )
    bloc_decision.decision = ruling
    keep = ruling != bloc_decision.computed or bloc_decision.on_appeal_id
    bloc_decision.justification = justification if keep else ""
    if recommendations is not None:
        bloc_decision.recommendations = recommendations.strip()
    bloc_decision.decided_by = user
    bloc_decision.decided_at = timezone.now()
    bloc_decision.save()
    file = CandidateFile.objects.prefetch_related("blocs__bloc").get(pk=bloc_decision.file_id)
    _refresh_outcomes(file.deliberation, [file])
    return bloc_decision


def signable_from_message(deliberation):
    """What the president reads, before the signature button and when a signature is refused, while
    the deliberation's date is still to come."""
    return _(
        "La délibération est datée du %(date)s : elle ne peut être signée qu'à partir de ce jour, "
        "date à laquelle ses blocs seront acquis et ses certificats délivrés."
    ) % {"date": rules.long_date(deliberation.held_on)}


def _refuse_incomplete_jury(deliberation):
    """The national joint jury signs only as a joint jury (`rules.composition_problems`): checked before
    the password is asked and before anything is written, so the refusal costs no attempt and says all
    that is missing (issue 16)."""
    problems = selectors.composition(deliberation).problems
    if problems:
        raise DeliberationError(
            " ".join([_("Composition du jury incomplète : la délibération n'est pas signée."), *problems])
        )


@transaction.atomic
def sign_deliberation(deliberation, user, password) -> Deliberation:
    """The president signs with their password; the decisions become the candidates' record:
    each validated bloc acquired for good (one CCP each), the CQP awarded when the rules say so."""
    deliberation = _locked_deliberation(deliberation, user)
    if user.pk != deliberation.president_id:
        raise DeliberationError(_("Seul le président de la délibération la signe."))
    if not rules.may_sign_deliberation(deliberation.held_on, timezone.localdate()):
        raise DeliberationError(signable_from_message(deliberation))
    _refuse_incomplete_jury(deliberation)
    if security.is_locked_out(user):
        _log(logging.WARNING, "deliberation_signature_refused", deliberation_id=deliberation.pk, user_id=user.pk)
        raise DeliberationError(str(security.LOCKED_OUT_MESSAGE))
    if not security.check_reentered_password(user, password):
        _log(logging.WARNING, "deliberation_signature_refused", deliberation_id=deliberation.pk, user_id=user.pk)
        raise DeliberationError(_("Mot de passe incorrect : la délibération n'est pas signée."))
    files = list(
        deliberation.files.select_related("certification", "candidate")
        .prefetch_related(Prefetch("blocs", BlocDecision.objects.select_related("bloc", "on_appeal__contested")))
        .order_by("pk")
    )
    if not files:
        raise DeliberationError(_("Aucun dossier n'est présenté : il n'y a rien à signer."))
    rulings = [decision for file in files for decision in file.blocs.all() if decision.on_appeal_id]
    problems = appeals.ruling_problems(rulings)
    if problems:
        raise DeliberationError(" ".join([_("La délibération n'est pas signée."), *problems]))
    check_constraints_at_once()
    _refresh_outcomes(deliberation, files)
    withdrawn = _withdraw_on_appeal(deliberation, appeals.reversed_down(rulings), user)
    held = selectors.held_bloc_codes([file.candidate_id for file in files])
    cqp_held = set(
        CqpAward.objects.in_force()
        .filter(candidate__in=[file.candidate_id for file in files])
        .values_list("candidate_id", "certification_id")
    )
    acquired, awards, record = [], [], []
    for file in files:
        for decision in file.blocs.all():
            row = [file.candidate_id, decision.bloc.code, decision.computed, decision.decision, decision.justification]
            record.append([*row, decision.on_appeal_id] if decision.on_appeal_id else row)
            if decision.decision == Ruling.VALIDATED and decision.bloc.code not in held[file.candidate_id]:
                acquired.append(
                    AcquiredBloc(
                        candidate_id=file.candidate_id,
                        bloc=decision.bloc,
                        acquired_on=deliberation.held_on,
                        origin=_("Délibération du jury paritaire national du %(date)s")
                        % {"date": deliberation.held_on.strftime("%d/%m/%Y")},
                        deliberation=deliberation,
                    )
                )
        if file.outcome == FileOutcome.CQP and (file.candidate_id, file.certification_id) not in cqp_held:
            awards.append(
                CqpAward(
                    candidate_id=file.candidate_id,
                    certification=file.certification,
                    awarded_on=deliberation.held_on,
                    deliberation=deliberation,
                )
            )
    AcquiredBloc.objects.bulk_create(acquired, batch_size=BATCH_SIZE)
    CqpAward.objects.bulk_create(awards, batch_size=BATCH_SIZE)
    deliberation.status = DeliberationStatus.SIGNED
    deliberation.signed_at = timezone.now()
    deliberation.digest = grids.digest(deliberation.pk, {"decisions": sorted(record)})
    deliberation.save(update_fields=["status", "signed_at", "digest"])
    outbox.queue_many(
        messages.results_drafts(deliberation)
        + notices.signed_drafts(deliberation, signed_by=user, files=len(files), ccp=len(acquired), cqp=len(awards))
    )
    statistics.count_signed_deliberation(deliberation)
    _log_once_committed(
        "deliberation_signed",
        deliberation_id=deliberation.pk,
        user_id=user.pk,
        files=len(files),
        blocs_acquired=len(acquired),
        cqp_awarded=len(awards),
        withdrawn_on_appeal=withdrawn,
    )
    return deliberation


def _withdraw_on_appeal(deliberation, rulings, user) -> int:
    """A bloc taken back on appeal is withdrawn on the deliberation's date, with every CQP award that counted
    it, and their certificates are revoked with the appeal as reason. Returns how many were withdrawn."""
    withdrawn = 0
    for ruling in rulings:
        candidate = ruling.file.candidate
        reason = _(
            "Décision réformée sur recours par la délibération du jury paritaire national du %(date)s : bloc %(bloc)s "
            "non validé. %(justification)s"
        ) % {
            "date": rules.long_date(deliberation.held_on),
            "bloc": ruling.bloc.code,
            "justification": ruling.justification,
        }
        holdings = [
            *AcquiredBloc.objects.in_force().filter(candidate=candidate, bloc__code=ruling.bloc.code),
            *CqpAward.objects.in_force().filter(candidate=candidate, certification__blocs__code=ruling.bloc.code),
        ]
        for holding in holdings:
            holding.withdraw(ruling, deliberation.held_on)
            for certificate in holding.certificates.current().filter(revoked_at__isnull=True):
                certificate_services.revoke(certificate, user, reason)
            withdrawn += 1
    return withdrawn
