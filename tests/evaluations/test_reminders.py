"""Reminders: to the candidate and the jury before an exam, once; to each jury member who has not signed the
grid after it, again and again until they sign. Time is the `now` given to `queue_reminders`."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import CertificationSession, Exam, Person
from certificates.worker import Heartbeat
from evaluations import services
from evaluations.reminders import ReminderCounts, queue_reminders
from outbox import previews
from outbox.models import Message, MessageKind, MessageStatus

from ..candidates.factories import CandidateFactory, ExamFactory
from ..outbox.test_outbox import inserts_for
from .conftest import exam_of
from .test_deliberations import graded_state, user

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
UTC = datetime.UTC
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()


def in_french(exam):
    """The exam's day as the subjects write it (« 9 juin 2025 »), in Paris."""
    day = timezone.localtime(exam.scheduled_at)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def reminders(kind, exam=None):
    """(exam, address) of each reminder of this kind written, in the order written."""
    messages = Message.objects.filter(kind=kind).order_by("pk")
    if exam is not None:
        messages = messages.filter(exam_id=exam.pk)
    return [(message.exam_id, message.to) for message in messages]


def exam_reminders(exam=None):
    return reminders(MessageKind.EXAM_REMINDER, exam)


def grid_reminders(exam=None):
    return reminders(MessageKind.GRID_REMINDER, exam)


def people_of(exam):
    """The candidate, the president and the representative of the exam, as the reminders go to them."""
    return [
        (exam.pk, exam.candidate.email),
        (exam.pk, exam.president.email),
        (exam.pk, exam.representative.email),
    ]


def move(exam, when):
    Exam.objects.filter(pk=exam.pk).update(scheduled_at=when)
    exam.refresh_from_db()


def submit(exam):
    """The president fills in the grid (every criterion validated) and submits it."""
    services.save_grid(exam, user("president"), graded_state(exam), 0)
    services.submit_grid(exam, user("president"))


def sign(exam, member):
    services.sign_grid(exam, member.user, PASSWORD)


# --- Before the exam ----------------------------------------------------------------------------------------


def test_the_candidate_and_both_jury_members_are_reminded_two_days_before_and_only_once(demo_exams):
    gdu = exam_of("Martin", "GDU")
    now = gdu.scheduled_at - DAY
    # The spring exams are long past: their grids, unsigned, are reminded in the same run.
    assert queue_reminders(now) == ReminderCounts(exam_reminders=3, grid_reminders=6)
    assert exam_reminders() == people_of(gdu)
    assert [email for _exam, email in people_of(gdu)] == [
        "lea.martin@demo.invalid",
        "claire.dumas@demo.invalid",
        "sophie.bernard@demo.invalid",
    ]
    assert queue_reminders(now) == ReminderCounts(exam_reminders=0, grid_reminders=0)  # once
    assert queue_reminders(now + datetime.timedelta(minutes=20)) == ReminderCounts(0, 0)
    assert exam_reminders() == people_of(gdu)

    # Chloé Fontaine's MDR, a day and 30 minutes after Léa's GDU, enters the two days an hour later.
    mdr = exam_of("Fontaine", "MDR")
    assert mdr.scheduled_at - gdu.scheduled_at == DAY + datetime.timedelta(minutes=30)
    assert queue_reminders(now + datetime.timedelta(hours=1)).exam_reminders == 3
    assert exam_reminders() == people_of(gdu) + people_of(mdr)
    # Once an exam has begun, nothing more about it; Hugo Lambert's interview is now within two days.
    hugo = exam_of("Lambert")
    assert queue_reminders(mdr.scheduled_at + datetime.timedelta(minutes=1)).exam_reminders == 3
    assert exam_reminders() == people_of(gdu) + people_of(mdr) + people_of(hugo)


def test_an_exam_already_begun_is_not_reminded(demo_exams):
    gdu = exam_of("Martin", "GDU")
    queue_reminders(gdu.scheduled_at)
    queue_reminders(gdu.scheduled_at + datetime.timedelta(minutes=1))
    assert exam_reminders(gdu) == []


def test_the_number_of_days_before_is_a_setting(demo_exams, settings):
    gdu = exam_of("Martin", "GDU")
    now = gdu.scheduled_at - 4 * DAY
    assert queue_reminders(now).exam_reminders == 0  # two days by default
    settings.EXAM_REMINDER_DAYS = 5
    assert queue_reminders(now).exam_reminders == 3
    assert exam_reminders() == people_of(gdu)


CANDIDATE_REMINDER = """Bonjour Léa Martin,

Votre épreuve du CQP Gestionnaire conseil de la Sécurité sociale approche. Pour mémoire :

- Épreuve : bloc GDU « Gestion des droits de l'utilisateur de la Sécurité sociale »
- Type d'épreuve : Observation en situation réelle de travail
- Date : le mercredi 12 juin 2030 à 09h30 (heure de Paris)
- L'épreuve se tient en visioconférence : https://visio.demo.invalid/gc-martin

À apporter :
- votre carnet de suivi des compétences, avec les attestations de votre tuteur et de votre manager ;
- une pièce d'identité.

En cas d'empêchement, prévenez au plus tôt le service qui a fait votre inscription.

L'équipe Certification CQP — Ucanss
https://certification.example.fr

"""

JURY_REMINDER = """Bonjour Sophie Bernard,

Pour mémoire, vous siégez au jury professionnel de l'épreuve suivante du CQP Gestionnaire conseil de la \
Sécurité sociale, comme représentant métier :

- Candidat : Léa Martin
- Épreuve : bloc GDU « Gestion des droits de l'utilisateur de la Sécurité sociale »
- Type d'épreuve : Observation en situation réelle de travail
- Date : le mercredi 12 juin 2030 à 09h30 (heure de Paris)
- L'épreuve se tient en visioconférence : https://visio.demo.invalid/gc-martin
- Présidence du jury : Claire Dumas

La grille d'évaluation se remplit en ligne, pendant ou après l'épreuve :
https://certification.example.fr/jury/epreuves/{pk}/

L'équipe Certification CQP — Ucanss
https://certification.example.fr

"""


def test_the_reminders_say_the_paris_time_the_place_and_what_to_bring_in_french(demo_exams):
    gdu = exam_of("Martin", "GDU")
    move(gdu, datetime.datetime(2030, 6, 12, 7, 30, tzinfo=UTC))  # 09h30 in Paris (summer time, UTC+2)
    queue_reminders(datetime.datetime(2030, 6, 10, 8, 0, tzinfo=UTC))
    lea, claire, sophie = Message.objects.filter(kind=MessageKind.EXAM_REMINDER).order_by("pk")
    assert (lea.to, lea.subject, lea.status, lea.topic, lea.candidate_id, lea.exam_id) == (
        "lea.martin@demo.invalid",
        "Rappel : épreuve du bloc GDU, le 12 juin 2030 à 09h30",
        MessageStatus.WAITING,
        f"exam:{gdu.pk}",
        gdu.candidate_id,
        gdu.pk,
    )
    assert lea.text == CANDIDATE_REMINDER
    assert (sophie.to, sophie.subject) == (
        "sophie.bernard@demo.invalid",
        "Rappel : épreuve du bloc GDU de Léa Martin, le 12 juin 2030 à 09h30",
    )
    assert sophie.text == JURY_REMINDER.format(pk=gdu.pk)
    assert "à la présidence du jury :" in claire.text
    assert "- Représentant métier : Sophie Bernard" in claire.text.splitlines()
    # The grid's link is made clickable in the HTML part.
    url = f"https://certification.example.fr/jury/epreuves/{gdu.pk}/"
    assert f'<a href="{url}">{url}</a>' in sophie.html


def test_the_vae_candidate_is_told_to_bring_the_livret_2_and_winter_time_is_paris_time(demo_exams):
    interview = exam_of("Lambert")
    move(interview, datetime.datetime(2030, 12, 11, 8, 30, tzinfo=UTC))  # 09h30 in Paris (winter time, UTC+1)
    Exam.objects.filter(pk=interview.pk).update(video_link="", place="CAF de la Gironde, salle 2")
    queue_reminders(datetime.datetime(2030, 12, 10, 8, 0, tzinfo=UTC))
    hugo, claire, karim = Message.objects.filter(kind=MessageKind.EXAM_REMINDER).order_by("pk")
    assert hugo.subject == "Rappel : entretien VAE, le 11 décembre 2030 à 09h30"
    lines = hugo.text.splitlines()
    for line in [
        "- Épreuve : entretien VAE",
        "- Type d'épreuve : Entretien avec le jury VAE",
        "- Date : le mercredi 11 décembre 2030 à 09h30 (heure de Paris)",
        "- Lieu : CAF de la Gironde, salle 2",
        "- votre livret 2, dont le jury VAE s'entretiendra avec vous ;",
    ]:
        assert line in lines, line
    assert "carnet" not in hugo.text and "visioconférence" not in hugo.text
    assert karim.subject == "Rappel : entretien VAE de Hugo Lambert, le 11 décembre 2030 à 09h30"
    assert "- Candidat : Hugo Lambert (VAE)" in karim.text.splitlines()


def test_an_exam_moved_to_another_date_is_reminded_again_with_its_new_date(demo_exams):
    gdu = exam_of("Martin", "GDU")
    now = gdu.scheduled_at - DAY
    queue_reminders(now)
    assert len(exam_reminders(gdu)) == 3

    # Brought forward by twelve hours, after its reminder: reminded at once, with the new time.
    move(gdu, gdu.scheduled_at - datetime.timedelta(hours=12))
    assert queue_reminders(now).exam_reminders == 3
    assert queue_reminders(now).exam_reminders == 0
    newest = Message.objects.filter(kind=MessageKind.EXAM_REMINDER).latest("pk")
    assert f"à {timezone.localtime(gdu.scheduled_at):%Hh%M} (heure de Paris)" in newest.text

    # Put off by a week: nothing until the new date comes within two days, then a reminder of it.
    move(gdu, gdu.scheduled_at + 7 * DAY)
    for when in (now, gdu.scheduled_at - 3 * DAY):
        queue_reminders(when)
        assert len(exam_reminders(gdu)) == 6
    queue_reminders(gdu.scheduled_at - 2 * DAY)
    assert exam_reminders(gdu) == people_of(gdu) * 3


# --- After the exam: the grid to sign ---------------------------------------------------------------------


def test_only_the_jury_members_who_have_not_signed_are_reminded_until_they_sign(demo_exams):
    gru = exam_of("Martin", "GRU")
    submit(gru)
    sign(gru, gru.president)
    # Every demo exam took place 15 days ago or more: 8 exams, 2 members each, but Claire Dumas signed one.
    assert queue_reminders() == ReminderCounts(exam_reminders=0, grid_reminders=15)
    assert grid_reminders(gru) == [(gru.pk, "sophie.bernard@demo.invalid")]
    (reminder,) = Message.objects.filter(kind=MessageKind.GRID_REMINDER, exam_id=gru.pk)
    assert reminder.subject == f"Grille à signer : épreuve du bloc GRU de Léa Martin, le {in_french(gru)}"
    assert (
        "La grille est soumise et Claire Dumas l'a signée : il n'y manque que votre signature. Le jury paritaire "
        "national ne délibère que sur des grilles signées par les deux membres du jury."
    ) in reminder.text.splitlines()
    assert f"https://certification.example.fr/jury/epreuves/{gru.pk}/" in reminder.text.splitlines()
    assert "Ce rappel vous sera renvoyé tous les 3 jours tant que vous n'aurez pas signé la grille." in reminder.text

    later = timezone.now()
    assert queue_reminders(later + 2 * DAY).grid_reminders == 0
    assert queue_reminders(later + 3 * DAY + datetime.timedelta(minutes=1)).grid_reminders == 15  # again
    assert grid_reminders(gru) == [(gru.pk, "sophie.bernard@demo.invalid")] * 2

    sign(gru, gru.representative)  # signed by both: no more reminders about it
    assert queue_reminders(later + 6 * DAY + datetime.timedelta(minutes=2)).grid_reminders == 14
    assert grid_reminders(gru) == [(gru.pk, "sophie.bernard@demo.invalid")] * 2


def test_the_grid_reminder_says_what_the_grid_waits_for(demo_exams):
    not_entered, submitted = exam_of("Martin", "MDR"), exam_of("Fontaine", "GRU")
    submit(submitted)
    queue_reminders()
    claire = "claire.dumas@demo.invalid"
    (to_fill,) = Message.objects.filter(kind=MessageKind.GRID_REMINDER, exam_id=not_entered.pk, to=claire)
    assert (
        "La grille n'est pas encore soumise : complétez-la avec Sophie Bernard, soumettez-la, puis signez-la chacun "
        "avec votre compte."
    ) in to_fill.text
    (to_sign,) = Message.objects.filter(kind=MessageKind.GRID_REMINDER, exam_id=submitted.pk, to=claire)
    assert "La grille est soumise : elle attend votre signature et celle de Sophie Bernard." in to_sign.text


def test_the_days_after_the_exam_and_between_reminders_are_settings(demo_exams, settings):
    yanis = exam_of("Robert", "MDR")
    move(yanis, timezone.now() - 2 * DAY)
    queue_reminders()
    assert grid_reminders(yanis) == []  # three days after the exam by default
    settings.GRID_REMINDER_DAYS = 1
    settings.GRID_REMINDER_EVERY_DAYS = 1
    queue_reminders()
    assert len(grid_reminders(yanis)) == 2
    (reminder, _other) = Message.objects.filter(kind=MessageKind.GRID_REMINDER, exam_id=yanis.pk)
    assert "Ce rappel vous sera renvoyé chaque jour tant que vous n'aurez pas signé la grille." in reminder.text
    queue_reminders(timezone.now() + DAY + datetime.timedelta(minutes=1))
    assert len(grid_reminders(yanis)) == 4


def test_two_jury_members_without_an_address_each_have_their_not_sendable_reminder_once(demo_exams):
    gdu = exam_of("Martin", "GDU")
    Person.objects.filter(pk__in=[gdu.president_id, gdu.representative_id]).update(email="")
    queue_reminders(gdu.scheduled_at - DAY)
    queue_reminders(gdu.scheduled_at - DAY)
    messages = Message.objects.filter(kind=MessageKind.EXAM_REMINDER).order_by("pk")
    assert [(message.to, message.status, message.text.splitlines()[0]) for message in messages] == [
        ("lea.martin@demo.invalid", MessageStatus.WAITING, "Bonjour Léa Martin,"),
        ("", MessageStatus.NOT_SENDABLE, "Bonjour Claire Dumas,"),
        ("", MessageStatus.NOT_SENDABLE, "Bonjour Sophie Bernard,"),
    ]
    grid = Message.objects.filter(kind=MessageKind.GRID_REMINDER, exam_id=exam_of("Martin", "GRU").pk)
    assert sorted(message.text.splitlines()[0] for message in grid) == [
        "Bonjour Claire Dumas,",
        "Bonjour Sophie Bernard,",
    ]


# --- Queries, sending, running ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 30])
def test_the_queries_do_not_grow_with_the_exams(demo_exams, count, django_assert_num_queries):
    """`count` exams tomorrow (3 reminders each) and `count` exams ten days ago, their grids not entered (2
    each), beside the 8 demo exams past (2 each). Five reads (the exams coming, their reminders written, the
    exams past, their signatures, their recent reminders), PostgreSQL's lock, the transaction (here a
    SAVEPOINT and its RELEASE), and the INSERTs of the messages: one, or on SQLite one per 58 messages (its
    limit of 999 values per query)."""
    now = timezone.now()
    session = CertificationSession.objects.get(name="CQP GC — session d'hiver")
    gru = exam_of("Martin", "GRU")
    for when in (now + DAY, now - 10 * DAY):
        for _number in range(count):
            ExamFactory(
                session=session,
                candidate=CandidateFactory(certification=session.certification),
                bloc=gru.bloc,
                scheduled_at=when,
                president=gru.president,
                representative=gru.representative,
            )
    messages = 3 * count + 2 * count + 2 * 8
    lock = 1 if connection.vendor == "postgresql" else 0
    with django_assert_num_queries(7 + lock + inserts_for(messages)):
        assert queue_reminders(now) == ReminderCounts(exam_reminders=3 * count, grid_reminders=2 * count + 16)
    with django_assert_num_queries(7 + lock):  # all of them written already: no INSERT
        assert queue_reminders(now) == ReminderCounts(0, 0)


def test_the_reminders_arrive_by_mail_once_the_run_commits(demo_exams, smtp, django_capture_on_commit_callbacks):
    smtp.start()
    gdu = exam_of("Martin", "GDU")
    move(gdu, timezone.now() + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        counts = queue_reminders()
    assert counts == ReminderCounts(exam_reminders=3, grid_reminders=14)  # the 7 other exams are past
    received = smtp.received()
    assert len(received) == 17
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 17
    (lea,) = [mail for mail in received if mail["To"] == "lea.martin@demo.invalid"]
    starts = timezone.localtime(gdu.scheduled_at)
    # (The folding of a long encoded Subject leaves a space before its first word, which readers ignore.)
    assert lea["Subject"].lstrip() == f"Rappel : épreuve du bloc GDU, le {in_french(gdu)} à {starts:%Hh%M}"
    text = lea.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text == Message.objects.get(kind=MessageKind.EXAM_REMINDER, to="lea.martin@demo.invalid").text
    assert (
        "- votre carnet de suivi des compétences, avec les attestations de votre tuteur et de votre manager ;" in text
    )
    sophie = [mail for mail in received if mail["To"] == "sophie.bernard@demo.invalid"]
    assert sorted(mail["Subject"].lstrip().split(" : ")[0] for mail in sophie) == ["Grille à signer"] * 4 + ["Rappel"]


def test_the_command_queues_the_reminders_and_says_how_many_in_french(demo_exams):
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue() == "Rappels avant l'épreuve : 0 ; rappels de grille à signer : 16.\n"
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    assert out.getvalue() == "Rappels avant l'épreuve : 0 ; rappels de grille à signer : 0.\n"


def test_the_previews_are_made_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        exam_reminder = previews.render(MessageKind.EXAM_REMINDER)
        grid_reminder = previews.render(MessageKind.GRID_REMINDER)
    assert exam_reminder.subject == "Rappel : épreuve du bloc GRU, le 15 juin 2027 à 09h30"
    assert exam_reminder.to == "camille.durand@example.fr"
    assert grid_reminder.subject == "Grille à signer : épreuve du bloc GRU de Camille Durand, le 15 juin 2027"
    assert "https://certification.example.fr/jury/epreuves/1234/" in grid_reminder.text.splitlines()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("every, expected", [(3600, 16), (0, 0)])
def test_the_worker_s_heartbeat_queues_the_reminders_unless_turned_off(
    role_groups, demo_exams, settings, every, expected
):
    settings.REMINDERS_EVERY_SECONDS = every
    heartbeat = Heartbeat("test-worker")
    heartbeat.stopping.wait = lambda timeout: heartbeat.stopping.set()  # one beat
    heartbeat.run()
    assert Message.objects.filter(kind=MessageKind.GRID_REMINDER).count() == expected
