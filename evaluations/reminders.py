"""Reminders: the candidate and the two members of the professional jury are reminded of an exam
EXAM_REMINDER_DAYS days before it; each member who has not signed its grid GRID_REMINDER_DAYS days after
the exam is reminded of it, then again every GRID_REMINDER_EVERY_DAYS days until they sign.

`queue_reminders` is run by the task worker (`tasks.queue_reminders_task`, every REMINDERS_EVERY_SECONDS)
and by `manage.py send_reminders`. It keeps no state of its own: what was already sent is read from the
outbox (the messages of kind EXAM_REMINDER and GRID_REMINDER, by exam and address), so that running it
again, or on two workers at once, sends nothing twice. Its queries do not grow with the exams: the exams
coming with their people, the reminders written about them, the exams past with their people and grids,
the signatures of those grids, the reminders recently written about them, and one INSERT for every
message (five reads and a write, whatever the number of exams)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate, CertificationSession, Exam, ExamStatus, JuryRole, Person, Route
from outbox.models import Message, MessageKind
from outbox.previews import preview
from outbox.services import Draft, queue_many
from referentials.models import Bloc, Certification, ExamKind

from .models import GridStatus, Signature

# Two runs at once (two workers, or a worker and a cron job) would both find a reminder missing: on
# PostgreSQL they take turns on this advisory lock, held until the run commits. SQLite's transactions
# take the write lock when they begin (settings: "transaction_mode": "IMMEDIATE"), which does the same.
LOCK_KEY = int.from_bytes(b"reminder")

CANDIDATE = "candidate"  # the candidate's role among the people of an exam, beside JuryRole's


@dataclass(frozen=True)
class ReminderCounts:
    exam_reminders: int
    grid_reminders: int


def queue_reminders(now=None) -> ReminderCounts:
    """Writes the reminders due at `now` to the outbox, in one transaction; they are sent once it commits."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        exam_drafts = exam_reminder_drafts(now)
        grid_drafts = grid_reminder_drafts(now)
        queue_many(exam_drafts + grid_drafts)
    return ReminderCounts(exam_reminders=len(exam_drafts), grid_reminders=len(grid_drafts))


def exam_reminder_drafts(now) -> list[Draft]:
    """The reminders of the exams that take place within EXAM_REMINDER_DAYS days after `now`: to the
    candidate and to each member of the jury, with the date and time (Paris), the place or the
    video-conference link, and what to bring (the candidate) or the grid's link (the jury).

    Each one is written once: a reminder already in the outbox for this exam and this address, with the
    very same text, was given. A change of what it says (the date, the place, the link, the jury) makes
    another text: an exam moved to another date is reminded again once its new date comes within the
    window, with that date; an exam that did not change is never reminded twice. (A new wording of the
    templates would remind once more the exams then within the window.) An excused or cancelled exam is
    never reminded: its people received its cancellation."""
    exams = _with_people(
        Exam.objects.filter(
            status=ExamStatus.SCHEDULED,
            scheduled_at__gt=now,
            scheduled_at__lte=now + datetime.timedelta(days=settings.EXAM_REMINDER_DAYS),
        )
    )
    if not exams:
        return []
    written = Message.objects.filter(kind=MessageKind.EXAM_REMINDER, exam_id__in=[exam.pk for exam in exams])
    given = set(written.values_list("exam_id", "to", "text"))
    drafts = []
    for exam in exams:
        for role, person in _people(exam):
            draft = exam_reminder_draft(exam, role, person)
            if (exam.pk, _address(draft.to), draft.text) not in given:
                drafts.append(draft)
    return drafts


def grid_reminder_drafts(now) -> list[Draft]:
    """The reminders to the jury members who have not signed the grid of an exam held at least
    GRID_REMINDER_DAYS days before `now`: none was written to them about this exam in the last
    GRID_REMINDER_EVERY_DAYS days.

    An exam without a grid yet, or whose grid is being filled in, has no signature: both members are
    reminded to fill it in, submit it and sign it. A submitted grid reminds the member(s) who have not
    signed it. A signed grid (both signatures) ends the reminders. They go on, however old the exam, until
    the grid is signed, or the exam closed: an absence recorded, excused, or the exam cancelled (issue 16)."""
    held_until = now - datetime.timedelta(days=settings.GRID_REMINDER_DAYS)
    held = Exam.objects.filter(scheduled_at__lte=held_until, status=ExamStatus.SCHEDULED).exclude(
        grid__status=GridStatus.SIGNED
    )
    exams = _with_people(held.select_related("grid"))
    if not exams:
        return []
    signed = set(Signature.objects.filter(grid__exam__in=held.values("pk")).values_list("grid__exam_id", "member_id"))
    recently_reminded = {
        _recipient(exam_id, to, text)
        for exam_id, to, text in Message.objects.filter(
            kind=MessageKind.GRID_REMINDER,
            exam_id__in=held.values("pk"),
            created_at__gt=now - datetime.timedelta(days=settings.GRID_REMINDER_EVERY_DAYS),
        ).values_list("exam_id", "to", "text")
    }
    drafts = []
    for exam in exams:
        for role, member in _people(exam)[1:]:
            if (exam.pk, member.pk) in signed:
                continue
            other_signed = (exam.pk, _other_member(exam, role).pk) in signed
            draft = grid_reminder_draft(exam, role, member, _grid_of(exam), other_signed=other_signed)
            if _recipient(exam.pk, draft.to, draft.text) not in recently_reminded:
                drafts.append(draft)
    return drafts


def exam_reminder_draft(exam, role, person) -> Draft:
    context = _context(exam, role, person)
    name = "exam_reminder" if role == CANDIDATE else "exam_reminder_jury"
    return _draft(name, context, MessageKind.EXAM_REMINDER)


def grid_reminder_draft(exam, role, member, grid, *, other_signed) -> Draft:
    """`grid`: the exam's grid, None when no one has entered it yet."""
    context = _context(exam, role, member)
    context |= {
        "submitted": grid is not None and grid.status == GridStatus.SUBMITTED,
        "other": _other_member(exam, role),
        "other_signed": other_signed,
        "every_days": settings.GRID_REMINDER_EVERY_DAYS,
    }
    return _draft("grid_reminder", context, MessageKind.GRID_REMINDER)


def _people(exam):
    """The people of an exam, as (role, person): the candidate, the president, the representative."""
    return [
        (CANDIDATE, exam.candidate),
        (JuryRole.PRESIDENT, exam.president),
        (JuryRole.REPRESENTATIVE, exam.representative),
    ]


def _other_member(exam, role):
    return exam.representative if role == JuryRole.PRESIDENT else exam.president


def _with_people(exams):
    return list(
        exams.select_related("candidate", "bloc", "session__certification", "president", "representative").order_by(
            "scheduled_at", "pk"
        )
    )


def _grid_of(exam):
    try:
        return exam.grid
    except Exam.grid.RelatedObjectDoesNotExist:
        return None


def _recipient(exam_id, to, text):
    """Whom a reminder is for: the exam, the address, and the greeting that names the person (which tells
    apart the two members of a jury who both lack an address)."""
    return exam_id, _address(to), text.partition("\n")[0]


def _address(to):
    """The address as the outbox keeps it."""
    return (to or "").strip()[:254]


def grid_url(exam):
    """The jury member's page of the exam's grid."""
    return settings.SITE_URL + reverse("evaluations:grid", args=[exam.pk])


def _context(exam, role, person):
    candidate, bloc = exam.candidate, exam.bloc
    return {
        "exam": exam,
        "person": person,
        "is_candidate": role == CANDIDATE,
        "is_president": role == JuryRole.PRESIDENT,
        "candidate": candidate,
        "president": exam.president,
        "representative": exam.representative,
        "certification": exam.session.certification,
        "bloc": bloc,
        "is_vae": bloc is None,
        "starts": timezone.localtime(exam.scheduled_at),
        "grid_url": grid_url(exam),
        "site_url": settings.SITE_URL,
    }


def _draft(name, context, kind):
    exam = context["exam"]
    subject = get_template(f"evaluations/mail/{name}_subject.txt").render(context)
    return Draft(
        to=context["person"].email,
        subject=" ".join(subject.split()),
        text=get_template(f"evaluations/mail/{name}.txt").render(context),
        kind=kind,
        topic=f"exam:{exam.pk}",
        candidate_id=exam.candidate.pk,
        exam_id=exam.pk,
    )


# --- Previews (the admin's « Aperçus des messages »): unsaved demo objects, nothing written -------------------


def _demo_exam():
    certification = Certification(code="GC", title="Gestionnaire conseil de la Sécurité sociale")
    bloc = Bloc(
        code="GRU", title="Gestion de la relation usagers de la Sécurité sociale", exam_kind=ExamKind.OBSERVATION
    )
    return Exam(
        pk=1234,
        session=CertificationSession(certification=certification, name="CQP GC — session de juin"),
        candidate=Candidate(
            first_name="Camille", last_name="Durand", email="camille.durand@example.fr", route=Route.TRAINING
        ),
        bloc=bloc,
        kind=bloc.exam_kind,
        scheduled_at=timezone.make_aware(datetime.datetime(2027, 6, 15, 9, 30)),
        place="CPAM de Lyon, 69 rue Paul Bert, 69003 Lyon",
        president=Person(first_name="Claire", last_name="Dumas", email="claire.dumas@example.fr"),
        representative=Person(first_name="Sophie", last_name="Bernard", email="sophie.bernard@example.fr"),
    )


@preview(MessageKind.EXAM_REMINDER)
def _preview_exam_reminder():
    exam = _demo_exam()
    return exam_reminder_draft(exam, CANDIDATE, exam.candidate)


@preview(MessageKind.GRID_REMINDER)
def _preview_grid_reminder():
    exam = _demo_exam()
    return grid_reminder_draft(exam, JuryRole.REPRESENTATIVE, exam.representative, None, other_signed=False)
