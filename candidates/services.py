"""What becomes of an exam beyond its grid (issue 16): the candidate absent, the absence excused, the exam
postponed or cancelled. Each is one transaction that checks who acts (`acting_user`, by keyword), refuses what
makes no sense with an `ExamOutcomeError` carrying a French message, and writes its `ExamEvent` (who, when, why)
with the change, on every database.

Who records what:
- an administrator (the permission to change exams, in the admin) records everything: they convene, and they
  receive the candidate's justification (a medical certificate is personal data for the organiser, not for the
  jury);
- the president of the exam's professional jury may record « candidat absent » from the grid page, once the
  exam has begun: they are there, and they come from the certifying body (Ucanss or its delegate, booklet 003).
  The business representative does not: one of the two members speaks for the organiser.

What each does:
- `record_absence`: the exam is closed « candidat absent »; its bloc (every bloc of the VAE interview) goes
  before the national jury, not validated, « absent à l'épreuve » (evaluations.services.add_ready_files);
- `excuse_absence`: before the exam (an illness known in advance) or after an absence recorded (the
  justification came later), as long as the national jury has not decided on it; the exam never comes before
  the national jury and the candidate may be convened to a new exam of the bloc;
- `postpone_exam`: the same exam at a later date, within its session, with the same jury: its people receive
  the updated convocation (same calendar UID, higher SEQUENCE); its earlier date stays in its events;
- `cancel_exam`: by the organiser; as for an excused absence, the candidate may be convened again.
An excused or cancelled exam still to come sends its people the cancellation (METHOD:CANCEL), so that their
calendars drop it.
"""

import datetime
import functools
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cqp_site import logs

from . import convocations
from .models import Exam, ExamAction, ExamEvent, ExamStatus

logger = logging.getLogger("candidates")
_log_once_committed = functools.partial(logs.log_once_committed, logger)


class ExamOutcomeError(Exception):
    """A refused change to an exam's outcome, with the message to show."""


def is_exam_administrator(user) -> bool:
    """An Ucanss administrator who may change exams (the admin's permission)."""
    return user.is_authenticated and user.is_active and user.is_staff and user.has_perm("candidates.change_exam")


def may_record_absence(exam, user) -> bool:
    """An administrator, or the president of the exam's jury: the screens ask it before showing the button."""
    return is_exam_administrator(user) or (user.is_authenticated and exam.president.user_id == user.pk)


def _locked(exam, acting_user, *, president_may=False):
    """The exam, locked for the transaction and read again once the actor may act; refused once graded or
    before the national jury (both read after the lock)."""
    if not (is_exam_administrator(acting_user) or (president_may and may_record_absence(exam, acting_user))):
        raise ExamOutcomeError(
            _("Seuls le président du jury et les administrateurs Ucanss déclarent un candidat absent.")
            if president_may
            else _("Seul un administrateur Ucanss enregistre l'issue d'une épreuve.")
        )
    locked = Exam.objects.select_for_update(of=("self",)).for_listing().get(pk=exam.pk)
    # Read once the exam is locked: a grid submitted meanwhile is seen (its submission locks the exam too).
    if Exam.objects.filter(pk=exam.pk).graded().exists():
        raise ExamOutcomeError(
            _("La grille de cette épreuve est soumise ou signée : l'épreuve a eu lieu, son issue est la grille.")
        )
    if locked.decisions.exists():
        raise ExamOutcomeError(
            _("Cette épreuve est déjà présentée au jury paritaire national : son issue ne change plus.")
        )
    return locked


def _refuse_unless(exam, *statuses):
    if exam.status not in statuses:
        raise ExamOutcomeError(_("Cette épreuve est déjà close : %(status)s.") % {"status": exam.get_status_display()})


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ExamOutcomeError(_("Indiquez le motif."))
    return reason


def _close(exam, status, reason, action, acting_user):
    exam.status, exam.status_reason = status, reason
    exam.save(update_fields=["status", "status_reason"])
    event = ExamEvent.objects.create(exam=exam, action=action, reason=reason, user=acting_user)
    _log_once_committed(f"exam_{action}", exam_id=exam.pk, user_id=acting_user.pk)
    return event


def _cancel_convocations_if_to_come(exam):
    """The people of an exam still to come are told it will not take place (their calendars drop it)."""
    if exam.scheduled_at > timezone.now():
        return convocations.cancel(exam)
    return []


@transaction.atomic
def record_absence(exam, *, acting_user) -> Exam:
    """The candidate did not come: the exam is closed « candidat absent », once it has begun."""
    exam = _locked(exam, acting_user, president_may=True)
    _refuse_unless(exam, ExamStatus.SCHEDULED)
    if timezone.now() < exam.scheduled_at:
        raise ExamOutcomeError(_("L'épreuve n'a pas encore commencé : le candidat ne peut pas être déclaré absent."))
    _close(exam, ExamStatus.ABSENT, "", ExamAction.ABSENT, acting_user)
    return exam


@transaction.atomic
def excuse_absence(exam, reason, *, acting_user) -> tuple[Exam, list]:
    """The candidate is excused (illness...), before the exam or after their absence was recorded, with the
    reason kept. Returns the exam and the cancellations sent (an exam still to come)."""
    reason = _reason(reason)
    exam = _locked(exam, acting_user)
    _refuse_unless(exam, ExamStatus.SCHEDULED, ExamStatus.ABSENT)
    _close(exam, ExamStatus.EXCUSED, reason, ExamAction.EXCUSED, acting_user)
    return exam, _cancel_convocations_if_to_come(exam)


@transaction.atomic
def postpone_exam(exam, scheduled_at: datetime.datetime, reason, *, acting_user) -> tuple[Exam, list]:
    """The same exam at a later date, checked by the rules of the texts as any exam saved (within its session,
    its jury trained before it...). Returns the exam and the updated convocations sent."""
    reason = _reason(reason)
    exam = _locked(exam, acting_user)
    _refuse_unless(exam, ExamStatus.SCHEDULED)
    if scheduled_at <= timezone.now():
        raise ExamOutcomeError(_("Une épreuve se reporte à une date à venir."))
    if scheduled_at == exam.scheduled_at:
        raise ExamOutcomeError(_("L'épreuve est déjà prévue à cette date."))
    previous = Exam.objects.for_listing().get(pk=exam.pk)
    exam.scheduled_at = scheduled_at
    try:
        exam.full_clean()
    except ValidationError as error:
        raise ExamOutcomeError(" ".join(error.messages)) from None
    exam.save(update_fields=["scheduled_at"])
    ExamEvent.objects.create(
        exam=exam,
        action=ExamAction.POSTPONED,
        previous_scheduled_at=previous.scheduled_at,
        scheduled_at=scheduled_at,
        reason=reason,
        user=acting_user,
    )
    _log_once_committed("exam_postponed", exam_id=exam.pk, user_id=acting_user.pk)
    return exam, convocations.convene(exam, previous=previous)


@transaction.atomic
def cancel_exam(exam, reason, *, acting_user) -> tuple[Exam, list]:
    """The organiser cancels the exam, with the reason kept. Returns the exam and the cancellations sent."""
    reason = _reason(reason)
    exam = _locked(exam, acting_user)
    _refuse_unless(exam, ExamStatus.SCHEDULED)
    _close(exam, ExamStatus.CANCELLED, reason, ExamAction.CANCELLED, acting_user)
    return exam, _cancel_convocations_if_to_come(exam)
