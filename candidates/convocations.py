"""Convocations: the candidate and the two members of the professional jury are convened to each exam by mail,
with a calendar invitation (.ics, iTIP: RFC 5545 and 5546) their calendar software files at the right hour.

`convene(exam, previous=...)` is called where an exam is saved (the admin), in the save's transaction: a new
exam sends its convocations; a change of what a convocation says (date, place, link, bloc, jury) sends an
updated one to each person convened (same UID, higher SEQUENCE, so that calendars move the event instead of
adding a second one); a person no longer convened (a jury member replaced) receives the cancellation
(METHOD:CANCEL). `cancel(exam)` sends the cancellation to everyone before an exam is deleted. A save that
changes nothing the people read sends nothing."""

import datetime
from dataclasses import dataclass
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from outbox.models import MessageKind
from outbox.previews import preview
from outbox.services import Draft, queue_many

from .models import Candidate, CertificationSession, Exam, JuryRole, Person, Route

ICS_FILENAME = "convocation.ics"
CANCELLED, WITHDRAWN = "cancelled", "withdrawn"
PRODID = "-//Ucanss//Certification CQP//FR"


@dataclass(frozen=True)
class Convened:
    """One person convened to an exam: the candidate, or a member of its professional jury."""

    role: str  # "candidate", "president" or "representative"
    person: Candidate | Person

    @property
    def key(self):
        return (type(self.person).__name__, self.person.pk)

    @property
    def is_candidate(self):
        return self.role == "candidate"


def people_convened(exam) -> list[Convened]:
    return [
        Convened("candidate", exam.candidate),
        Convened(JuryRole.PRESIDENT, exam.president),
        Convened(JuryRole.REPRESENTATIVE, exam.representative),
    ]


def what_is_said(exam) -> tuple:
    """What a convocation states: a change of any of it sends an update."""
    return (
        exam.session_id,
        exam.bloc_id,
        exam.kind,
        exam.scheduled_at,
        exam.place,
        exam.video_link,
        exam.president_id,
        exam.representative_id,
        exam.candidate_id,
    )


def convene(exam, *, previous=None):
    """Queues the convocations of a saved exam: all of them for a new exam (`previous` None), and for a
    changed one (`previous`: the exam as it was stored before the save) the updates and cancellations that
    the change calls for. Raises the exam's SEQUENCE when it sends an update. Returns the messages."""
    if previous is None:
        return queue_many(_drafts(exam, people_convened(exam)))
    if what_is_said(previous) == what_is_said(exam):
        return []
    now_convened = {convened.key for convened in people_convened(exam)}
    removed = [convened for convened in people_convened(previous) if convened.key not in now_convened]
    _raise_sequence(exam)
    return queue_many(
        _drafts(exam, people_convened(exam))
        + _drafts(previous, removed, cancelled=WITHDRAWN, sequence=exam.convocation_sequence)
    )


def cancel(exam):
    """Queues the cancellation of an exam to each person convened (before it is deleted)."""
    _raise_sequence(exam)
    return queue_many(_drafts(exam, people_convened(exam), cancelled=CANCELLED))


def _raise_sequence(exam):
    exam.convocation_sequence += 1
    Exam.objects.filter(pk=exam.pk).update(convocation_sequence=exam.convocation_sequence)


def _drafts(exam, people, *, cancelled="", sequence=None):
    sequence = exam.convocation_sequence if sequence is None else sequence
    return [draft_for(exam, convened, cancelled=cancelled, sequence=sequence) for convened in people]


def draft_for(exam, convened, *, cancelled="", sequence=0) -> Draft:
    """The message to one person about one exam, with its calendar invitation. `cancelled`: CANCELLED (the
    exam is) or WITHDRAWN (this person is no longer convened to it)."""
    context = mail_context(exam, convened, updated=sequence > 0)
    context["withdrawn"] = cancelled == WITHDRAWN
    if cancelled:
        kind, template = MessageKind.CONVOCATION_CANCELLED, "convocation_cancelled"
    elif convened.is_candidate:
        kind, template = MessageKind.CONVOCATION, "convocation"
    else:
        kind, template = MessageKind.JURY_CONVOCATION, "jury_convocation"
    subject = render_to_string(f"candidates/mail/{template}_subject.txt", context)
    method = "CANCEL" if cancelled else "REQUEST"
    ics = calendar(exam, convened, method=method, sequence=sequence)
    return Draft(
        to=convened.person.email,
        subject="".join(subject.splitlines()),
        text=render_to_string(f"candidates/mail/{template}.txt", context),
        kind=kind,
        attachments=[(ICS_FILENAME, ics, f"text/calendar; method={method}")],
        topic=f"exam:{exam.pk}",
        candidate_id=exam.candidate_id,
        exam_id=exam.pk,
    )


def duration(exam) -> datetime.timedelta:
    """The exam's length from its referential: the situation observed or presented and the interview, or the
    VAE interview."""
    if exam.bloc_id:
        return datetime.timedelta(minutes=exam.bloc.observed_minutes + exam.bloc.interview_minutes)
    return datetime.timedelta(minutes=exam.session.certification.vae_interview_minutes)


def mail_context(exam, convened, *, updated=False) -> dict:
    starts = timezone.localtime(exam.scheduled_at)
    minutes = int(duration(exam).total_seconds() // 60)
    return {
        "exam": exam,
        "person": convened.person,
        "role": convened.role,
        "is_president": convened.role == JuryRole.PRESIDENT,
        "candidate": exam.candidate,
        "certification": exam.session.certification,
        "is_vae": exam.candidate.route == Route.VAE,
        "starts": starts,
        "ends": starts + duration(exam),
        "duration": _("%(hours)d h %(minutes)02d") % {"hours": minutes // 60, "minutes": minutes % 60}
        if minutes >= 60
        else _("%(minutes)d minutes") % {"minutes": minutes},
        "what": summary(exam),
        "updated": updated,
        "grid_url": settings.SITE_URL + reverse("evaluations:grid", args=[exam.pk]),
        "site_url": settings.SITE_URL,
    }


def summary(exam) -> str:
    if exam.bloc_id:
        return _("Épreuve du bloc %(code)s « %(title)s »") % {"code": exam.bloc.code, "title": exam.bloc.title}
    return _("Entretien avec le jury VAE — CQP %(code)s") % {"code": exam.session.certification.code}


def uid(exam) -> str:
    """The same for every message about this exam, whoever receives it, for its whole life."""
    return f"epreuve-{exam.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


def calendar(exam, convened, *, method, sequence) -> bytes:
    """The iTIP calendar object of this exam for this person: REQUEST (a new or changed event) or CANCEL."""
    starts = timezone.localtime(exam.scheduled_at)
    event = Event()
    event.add("uid", uid(exam))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts)
    event.add("dtend", starts + duration(exam))
    event.add("summary", f"{summary(exam)} — {exam.candidate.first_name} {exam.candidate.last_name}")
    event.add("location", exam.place or exam.video_link)
    if exam.video_link:
        event.add("url", exam.video_link)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText("Certification CQP Ucanss")
    event.add("organizer", organizer)
    if convened.person.email:
        attendee = vCalAddress(f"mailto:{convened.person.email}")
        attendee.params["cn"] = vText(f"{convened.person.first_name} {convened.person.last_name}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    ics = Calendar()
    ics.add("prodid", PRODID)
    ics.add("version", "2.0")
    ics.add("method", method)
    ics.add_component(event)
    ics.add_missing_timezones(
        first_date=starts.date() - datetime.timedelta(days=366), last_date=starts.date() + datetime.timedelta(days=366)
    )
    return ics.to_ical()


# --- Previews (the admin's « Aperçus des messages ») ------------------------------------------------------


def _demo_exam(**changes):
    from referentials.models import Bloc, Certification

    certification = Certification(code="GC", title="Gestionnaire conseil", vae_interview_minutes=45)
    session = CertificationSession(certification=certification, name="Session de juin", place="Ucanss, Paris")
    bloc = Bloc(code="GRU", title="Gérer la relation usager", observed_minutes=30, interview_minutes=20)
    bloc.exam_kind = "observation"
    candidate = Candidate(first_name="Camille", last_name="Durand", email="camille.durand@example.fr")
    candidate.route = Route.TRAINING
    exam = Exam(
        pk=1234,
        session=session,
        candidate=candidate,
        bloc=bloc,
        scheduled_at=timezone.make_aware(datetime.datetime(2027, 6, 15, 9, 30)),
        place="CPAM de Lyon, 69 rue Paul Bert, 69003 Lyon",
        president=Person(first_name="Claire", last_name="Dumas", email="claire.dumas@example.fr"),
        representative=Person(first_name="Sophie", last_name="Bernard", email="sophie.bernard@example.fr"),
        **changes,
    )
    exam.set_kind()
    return exam


@preview(MessageKind.CONVOCATION)
def _preview_convocation():
    exam = _demo_exam()
    return draft_for(exam, people_convened(exam)[0])


@preview(MessageKind.JURY_CONVOCATION)
def _preview_jury_convocation():
    exam = _demo_exam()
    return draft_for(exam, people_convened(exam)[2])


@preview(MessageKind.CONVOCATION_CANCELLED)
def _preview_cancellation():
    exam = _demo_exam(convocation_sequence=1)
    return draft_for(exam, people_convened(exam)[0], cancelled=CANCELLED, sequence=1)
