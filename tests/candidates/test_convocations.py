"""Convocations: saving an exam in the admin convenes the candidate and both jury members by mail, with a
calendar invitation; a change sends the update (same UID, higher SEQUENCE), a member replaced and an exam
deleted the cancellation. Read back from a real SMTP server, the .ics parsed by icalendar."""

import datetime
import zoneinfo

import icalendar
import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from candidates.models import Exam, Route
from candidates.roles import UCANSS_ADMINISTRATORS
from outbox import services as outbox
from outbox.models import Message, MessageStatus

from .factories import CandidateFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def ucanss_admin(client, world):
    world.candidate.email = "lea.martin@example.fr"
    world.candidate.save()
    user = User.objects.create_user("gestion", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=UCANSS_ADMINISTRATORS))
    client.force_login(user)
    return client


def exam_form(world, **changes):
    form = {
        "session": world.session.pk,
        "candidate": world.candidate.pk,
        "bloc": world.blocs["GDU"].pk,
        "scheduled_at_0": "10/06/2025",
        "scheduled_at_1": "09:00",
        "place": "CPAM de Paris, 21 rue Georges Auric, 75019 Paris",
        "video_link": "",
        "president": world.president.pk,
        "representative": world.representative.pk,
    }
    return {**form, **changes}


def save_exam(admin, capture, form, exam=None):
    """Posts the admin's exam form; the sending task runs once the save commits."""
    url = reverse("admin:candidates_exam_change", args=[exam.pk]) if exam else reverse("admin:candidates_exam_add")
    with capture(execute=True):
        response = admin.post(url, form, follow=True)
    assert response.redirect_chain, response.context["adminform"].form.errors
    return response


def calendar_of(mail):
    (part,) = [part for part in mail.iter_attachments() if part.get_filename() == "convocation.ics"]
    assert part.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(part.get_content())
    return calendar, calendar.walk("VEVENT")[0]


def subject(mail):
    """The Subject as a mail client shows it (a long header travels folded)."""
    return " ".join(str(mail["Subject"]).split())


def text_of(mail, subtype="plain"):
    """A part's text as read (the lines travel ended by CRLF)."""
    return mail.get_body((subtype,)).get_content().replace("\r\n", "\n")


def by_address(mails):
    return {mail["To"]: mail for mail in mails}


@pytest.fixture
def convened(world, ucanss_admin, smtp, django_capture_on_commit_callbacks):
    """A GDU exam added in the admin, its three convocations arrived."""
    smtp.start()
    response = save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world))
    assert "3 messages de convocation partent par courriel." in [str(m) for m in response.context["messages"]]
    return Exam.objects.get()


def test_a_new_exam_convenes_the_candidate_and_both_jury_members_with_a_calendar_invitation(world, convened, smtp):
    gdu = world.blocs["GDU"]
    minutes = gdu.observed_minutes + gdu.interview_minutes
    mails = by_address(smtp.received())
    assert set(mails) == {world.candidate.email, world.president.email, world.representative.email}

    candidate = mails[world.candidate.email]
    assert subject(candidate) == f"Convocation : Épreuve du bloc GDU « {gdu.title} », le 10 juin 2025 à 09h00"
    assert candidate["From"] == "Certification CQP Ucanss <ne-pas-repondre@ucanss.fr>"
    assert candidate["Message-ID"] == Message.objects.get(to=world.candidate.email).message_id
    text = text_of(candidate)
    ends = (datetime.datetime(2025, 6, 10, 9, 0) + datetime.timedelta(minutes=minutes)).strftime("%Hh%M")
    assert text.startswith(
        "Bonjour Léa Martin,\n\nDans le cadre de votre candidature au CQP Gestionnaire conseil de la Sécurité "
        "sociale, nous vous convoquons à l'épreuve suivante :\n\n"
        f"- Épreuve du bloc GDU « {gdu.title} »\n"
        "- Type d'épreuve : Observation en situation réelle de travail\n"
        f"- Date : le mardi 10 juin 2025 à 09h00 (heure de Paris), jusqu'à {ends} environ "
        f"(durée : {minutes // 60} h {minutes % 60:02d})\n"
        "- Lieu : CPAM de Paris, 21 rue Georges Auric, 75019 Paris\n\n"
        "Votre jury : Paul Président (présidence du jury) et Rémi Représentant (représentation métier).\n\n"
        "À apporter :\n- votre carnet de suivi des compétences, avec les attestations de votre tuteur et de votre "
        "manager ;\n- une pièce d'identité.\n"
    )
    html = text_of(candidate, "html")
    assert "le mardi 10 juin 2025 à 09h00 (heure de Paris)" in html
    assert "<img" not in html

    calendar, event = calendar_of(candidate)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"epreuve-{convened.pk}@certification.example.fr"
    assert event["SEQUENCE"] == 0
    assert event.DTSTART == datetime.datetime(2025, 6, 10, 9, 0, tzinfo=PARIS)
    assert event.DTSTART.tzinfo.key == "Europe/Paris"
    assert event.DTEND - event.DTSTART == datetime.timedelta(minutes=minutes)
    assert event["LOCATION"] == "CPAM de Paris, 21 rue Georges Auric, 75019 Paris"
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["ATTENDEE"]) == f"mailto:{world.candidate.email}"
    assert event["ATTENDEE"].params["CN"] == "Léa Martin"

    representative = mails[world.representative.email]
    assert subject(representative) == (
        f"Jury professionnel : Épreuve du bloc GDU « {gdu.title} » de Léa Martin, le 10 juin 2025 à 09h00"
    )
    text = text_of(representative)
    assert "Vous siégez au jury professionnel de l'épreuve suivante du CQP Gestionnaire conseil de la Sécurité " in (
        text
    )
    assert ", comme représentant métier :\n\n- Candidat : Léa Martin, CPAM de Paris\n" in text
    assert "\nLa grille d'évaluation se remplit en ligne, pendant ou après l'épreuve :\n" in text
    assert f"https://certification.example.fr/jury/epreuves/{convened.pk}/\n" in text
    assert calendar_of(representative)[1]["UID"] == event["UID"]


def test_a_new_date_sends_the_update_under_the_same_uid_with_a_higher_sequence(
    world, convened, smtp, ucanss_admin, django_capture_on_commit_callbacks
):
    first_uid = calendar_of(smtp.received()[0])[1]["UID"]
    smtp.mailbox.envelopes.clear()
    save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world, scheduled_at_1="14:30"), exam=convened)
    mails = by_address(smtp.received())
    assert len(mails) == 3
    for mail in mails.values():
        calendar, event = calendar_of(mail)
        assert (calendar["METHOD"], event["UID"], event["SEQUENCE"]) == ("REQUEST", first_uid, 1)
        assert event.DTSTART == datetime.datetime(2025, 6, 10, 14, 30, tzinfo=PARIS)
    candidate = mails[world.candidate.email]
    assert subject(candidate).startswith("Convocation modifiée : Épreuve du bloc GDU")
    assert text_of(candidate).startswith(
        "Bonjour Léa Martin,\n\nVotre convocation a changé. Voici la convocation à jour, qui remplace la précédente."
    )

    smtp.mailbox.envelopes.clear()
    save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world, scheduled_at_1="10:00"), exam=convened)
    assert {calendar_of(mail)[1]["SEQUENCE"] for mail in smtp.received()} == {2}


def test_saving_an_exam_unchanged_sends_nothing(
    world, convened, smtp, ucanss_admin, django_capture_on_commit_callbacks
):
    smtp.mailbox.envelopes.clear()
    response = save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world), exam=convened)
    assert smtp.received() == []
    assert Message.objects.count() == 3
    assert not any("convocation" in str(m) for m in response.context["messages"])


def test_a_replaced_jury_member_receives_the_cancellation_and_the_new_one_the_invitation(
    world, convened, smtp, ucanss_admin, django_capture_on_commit_callbacks
):
    newcomer = RepresentativeFactory(first_name="Nadia", last_name="Nouvelle", organisation=world.lyon)
    smtp.mailbox.envelopes.clear()
    save_exam(
        ucanss_admin, django_capture_on_commit_callbacks, exam_form(world, representative=newcomer.pk), exam=convened
    )
    mails = by_address(smtp.received())
    assert set(mails) == {world.candidate.email, world.president.email, newcomer.email, world.representative.email}

    removed = mails[world.representative.email]
    calendar, event = calendar_of(removed)
    assert (calendar["METHOD"], event["SEQUENCE"], event["STATUS"]) == ("CANCEL", 1, "CANCELLED")
    assert subject(removed).startswith("Convocation retirée : Épreuve du bloc GDU")
    assert "Vous ne siégez plus au jury de l'épreuve suivante : votre convocation est retirée." in (text_of(removed))
    calendar, event = calendar_of(mails[newcomer.email])
    assert (calendar["METHOD"], event["SEQUENCE"]) == ("REQUEST", 1)
    assert "Votre jury : Paul Président (présidence du jury) et Nadia Nouvelle (représentation métier)." in (
        text_of(mails[world.candidate.email])
    )


def test_deleting_an_exam_cancels_it_for_everyone(
    world, convened, smtp, ucanss_admin, django_capture_on_commit_callbacks
):
    uid = f"epreuve-{convened.pk}@certification.example.fr"
    smtp.mailbox.envelopes.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = ucanss_admin.post(
            reverse("admin:candidates_exam_delete", args=[convened.pk]), {"post": "yes"}, follow=True
        )
    assert "3 messages de convocation partent par courriel." in [str(m) for m in response.context["messages"]]
    assert not Exam.objects.exists()
    mails = by_address(smtp.received())
    assert len(mails) == 3
    for mail in mails.values():
        calendar, event = calendar_of(mail)
        assert (calendar["METHOD"], event["UID"], event["SEQUENCE"], event["STATUS"]) == ("CANCEL", uid, 1, "CANCELLED")
    candidate = mails[world.candidate.email]
    assert subject(candidate) == (
        f"Épreuve annulée : Épreuve du bloc GDU « {world.blocs['GDU'].title} », le 10 juin 2025"
    )
    assert "L'épreuve suivante est annulée." in text_of(candidate)


def test_a_vae_candidate_is_asked_for_the_livret_2(world, ucanss_admin, mailoutbox, django_capture_on_commit_callbacks):
    world.candidate.route = Route.VAE
    world.candidate.livret2_received_on = datetime.date(2025, 5, 2)
    world.candidate.save()
    save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world, bloc=""))
    (mail,) = [mail for mail in mailoutbox if mail.to == [world.candidate.email]]
    assert mail.subject == "Convocation : Entretien avec le jury VAE — CQP GC, le 10 juin 2025 à 09h00"
    assert "par la validation des acquis de l'expérience (VAE)" in mail.body
    assert "- votre livret 2, dont le jury VAE s'entretiendra avec vous ;\n" in mail.body
    assert f"(durée : {world.gc.vae_interview_minutes} minutes)" in mail.body


def test_a_candidate_without_address_is_still_convened_and_the_administrator_told(
    world, ucanss_admin, mailoutbox, django_capture_on_commit_callbacks
):
    world.candidate.email = ""
    world.candidate.save()
    response = save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world))
    assert Exam.objects.count() == 1
    assert [str(m) for m in response.context["messages"]][:2] == [
        "2 messages de convocation partent par courriel.",
        "1 message de convocation n'a pu partir, faute d'adresse électronique utilisable : prévenez la personne "
        "autrement et complétez son adresse.",
    ]
    assert Message.objects.get(kind="convocation").status == MessageStatus.NOT_SENDABLE
    assert len(mailoutbox) == 2


def test_with_the_mail_server_down_twenty_convocations_and_a_signature_succeed_then_each_arrives_once(
    world, ucanss_admin, smtp, django_capture_on_commit_callbacks
):
    """The server is away: exams are added all the same, their messages wait; once back, every message
    arrives exactly once, under its own Message-ID."""
    for number in range(20):
        candidate = CandidateFactory(
            organisation=world.paris, certification=world.gc, email=f"candidat{number}@example.fr"
        )
        save_exam(ucanss_admin, django_capture_on_commit_callbacks, exam_form(world, candidate=candidate.pk))
    assert Exam.objects.count() == 20
    assert Message.objects.count() == 60
    assert set(Message.objects.values_list("status", "attempts")) == {(MessageStatus.WAITING, 1)}

    smtp.start()
    Message.objects.update(next_attempt_at=Message.objects.values("created_at")[:1])
    while outbox.send_due_now():
        pass
    received = smtp.received()
    assert len(received) == 60
    assert sorted(mail["Message-ID"] for mail in received) == sorted(
        Message.objects.values_list("message_id", flat=True)
    )
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert outbox.send_due_now() == 0
    assert len(smtp.received()) == 60
