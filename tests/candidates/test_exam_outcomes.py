"""What becomes of an exam beyond its grid (issue 16): the candidate absent, the absence excused, the exam
postponed or cancelled. The services, their refusals and their trail; the admin's forms and actions; the
president's button on the grid page; and each outcome played through to the national jury's signature."""

import base64
import contextlib
import datetime
import html
from unittest import mock

import icalendar
import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from candidates import convocations, demo
from candidates import services as exam_services
from candidates.demo import PASSWORD
from candidates.models import (
    AcquiredBloc,
    CertificationSession,
    Exam,
    ExamAction,
    ExamEvent,
    ExamStatus,
)
from cqp_site.frozen import FrozenError
from evaluations import exports, reminders, selectors, services, statistics
from evaluations.models import BlocDecision, BlocTally, FileOutcome, Ruling
from outbox.models import Message, MessageKind
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, WINTER, deliberation_for, file_of, run_exam, user
from tests.evaluations.test_services import all_validated

pytestmark = pytest.mark.django_db

COS_WINTER = "CQP COS — session d'hiver"
GRADED = "La grille de cette épreuve est soumise ou signée"
ONLY_ADMINISTRATORS = "Seul un administrateur Ucanss enregistre l'issue d'une épreuve."


@pytest.fixture
def coming_exams(shipped_referential):
    """The demo world as of today: the winter sessions and their exams are still to come."""
    demo.load_demo()


@contextlib.contextmanager
def travel_to(moment):
    """Time as every service reads it (`django.utils.timezone.now`)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def fresh(exam):
    return Exam.objects.get(pk=exam.pk)


def events_of(exam):
    return list(
        ExamEvent.objects.filter(exam=exam).values_list(
            "action", "previous_scheduled_at", "scheduled_at", "reason", "user__username"
        )
    )


def calendar_event(message):
    (attachment,) = message.attachments
    calendar = icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))
    return calendar["METHOD"], calendar.walk("VEVENT")[0]


def messages_about(exam, **filters):
    return list(Message.objects.filter(exam_id=exam.pk, **filters).order_by("pk"))


def text(response):
    """The page as a reader sees its characters: entities decoded, white space collapsed."""
    return " ".join(html.unescape(response.content.decode()).split())


def admin_client(client):
    client.force_login(user("gestionnaire"))
    return client


def session(name):
    return CertificationSession.objects.get(name=name)


# --- The services -----------------------------------------------------------------------------------------


def test_the_president_records_an_absence_once_the_exam_has_begun(coming_exams):
    exam = exam_of("Martin", "GDU")  # in ten days
    with pytest.raises(exam_services.ExamOutcomeError, match="L'épreuve n'a pas encore commencé"):
        exam_services.record_absence(exam, acting_user=user("president"))
    with travel_to(exam.scheduled_at + datetime.timedelta(minutes=20)):
        for other in ("jury.maladie", "jury.famille", "jpn"):  # the representative, another jury, the national jury
            with pytest.raises(
                exam_services.ExamOutcomeError, match="Seuls le président du jury et les administrateurs Ucanss"
            ):
                exam_services.record_absence(exam, acting_user=user(other))
        exam_services.record_absence(exam, acting_user=user("president"))
        with pytest.raises(exam_services.ExamOutcomeError, match="Cette épreuve est déjà close : candidat absent."):
            exam_services.record_absence(exam, acting_user=user("president"))
    exam = fresh(exam)
    assert (exam.status, exam.status_reason, exam.is_closed) == (ExamStatus.ABSENT, "", True)
    assert events_of(exam) == [(ExamAction.ABSENT, None, None, "", "president")]
    assert not messages_about(exam, kind=MessageKind.CONVOCATION_CANCELLED)  # it took place, without the candidate


def test_an_absence_is_excused_later_with_its_reason_kept(demo_exams):
    exam = exam_of("Martin", "GRU")
    exam_services.record_absence(exam, acting_user=user("gestionnaire"))  # an administrator may, too
    with pytest.raises(exam_services.ExamOutcomeError, match=ONLY_ADMINISTRATORS):
        exam_services.excuse_absence(exam, "Arrêt maladie", acting_user=user("president"))
    with pytest.raises(exam_services.ExamOutcomeError, match="Indiquez le motif."):
        exam_services.excuse_absence(exam, "   ", acting_user=user("gestionnaire"))
    _exam, sent = exam_services.excuse_absence(
        exam, "  Arrêt maladie du 3 au 10 (certificat reçu)  ", acting_user=user("gestionnaire")
    )
    assert sent == []  # the exam is past: no calendar to clear
    exam = fresh(exam)
    assert (exam.status, exam.status_reason) == (ExamStatus.EXCUSED, "Arrêt maladie du 3 au 10 (certificat reçu)")
    assert events_of(exam) == [
        (ExamAction.ABSENT, None, None, "", "gestionnaire"),
        (ExamAction.EXCUSED, None, None, "Arrêt maladie du 3 au 10 (certificat reçu)", "gestionnaire"),
    ]
    for refused in (
        lambda: exam_services.excuse_absence(exam, "Encore", acting_user=user("gestionnaire")),
        lambda: exam_services.cancel_exam(exam, "Salle fermée", acting_user=user("gestionnaire")),
        lambda: exam_services.record_absence(exam, acting_user=user("gestionnaire")),
    ):
        with pytest.raises(exam_services.ExamOutcomeError, match="Cette épreuve est déjà close : absence excusée."):
            refused()


def test_an_exam_excused_or_cancelled_before_it_takes_place_is_withdrawn_from_every_calendar(coming_exams):
    excused, cancelled = exam_of("Martin", "GDU"), exam_of("Robert", "GRU")
    _exam, sent = exam_services.excuse_absence(excused, "Hospitalisation", acting_user=user("gestionnaire"))
    _exam, sent_too = exam_services.cancel_exam(cancelled, "Grève des transports", acting_user=user("gestionnaire"))
    for exam, messages in ((excused, sent), (cancelled, sent_too)):
        assert [message.to for message in messages] == [
            exam.candidate.email,
            exam.president.email,
            exam.representative.email,
        ]
        method, event = calendar_event(messages[0])
        assert (method, str(event["UID"]), event["SEQUENCE"], str(event["STATUS"])) == (
            "CANCEL",
            convocations.uid(exam),
            1,
            "CANCELLED",
        )
        assert messages[0].subject.startswith("Épreuve annulée : ")
    assert fresh(cancelled).status_reason == "Grève des transports"


def test_a_graded_or_deliberated_exam_refuses_every_outcome(demo_exams):
    graded = exam_of("Martin", "GRU")
    run_exam(graded)
    later = timezone.now() + datetime.timedelta(days=1)
    for refused in (
        lambda exam: exam_services.record_absence(exam, acting_user=user("president")),
        lambda exam: exam_services.excuse_absence(exam, "Malade", acting_user=user("gestionnaire")),
        lambda exam: exam_services.postpone_exam(exam, later, "Salle", acting_user=user("gestionnaire")),
        lambda exam: exam_services.cancel_exam(exam, "Salle", acting_user=user("gestionnaire")),
    ):
        with pytest.raises(exam_services.ExamOutcomeError, match=GRADED):
            refused(graded)
    absent = exam_of("Fontaine", "GRU")
    exam_services.record_absence(absent, acting_user=user("president"))
    services.add_ready_files(deliberation_for(SPRING), user("jpn"))
    with pytest.raises(exam_services.ExamOutcomeError, match="déjà présentée au jury paritaire national"):
        exam_services.excuse_absence(absent, "Certificat arrivé trop tard", acting_user=user("gestionnaire"))
    assert fresh(absent).status == ExamStatus.ABSENT
    assert not ExamEvent.objects.filter(exam=graded).exists()


def test_a_postponement_moves_the_same_exam_and_convenes_its_people_again(coming_exams):
    exam = exam_of("Martin", "GDU")
    first = exam.scheduled_at
    second = first + datetime.timedelta(days=3, hours=2)
    third = first + datetime.timedelta(days=8)
    exam_services.postpone_exam(exam, second, "Salle indisponible", acting_user=user("gestionnaire"))
    _exam, sent = exam_services.postpone_exam(exam, third, "Présidente empêchée", acting_user=user("gestionnaire"))
    exam = fresh(exam)
    assert (exam.scheduled_at, exam.status, exam.convocation_sequence) == (third, ExamStatus.SCHEDULED, 2)
    assert events_of(exam) == [
        (ExamAction.POSTPONED, first, second, "Salle indisponible", "gestionnaire"),
        (ExamAction.POSTPONED, second, third, "Présidente empêchée", "gestionnaire"),
    ]
    assert [message.to for message in sent] == [exam.candidate.email, exam.president.email, exam.representative.email]
    method, event = calendar_event(sent[0])
    assert (method, str(event["UID"]), event["SEQUENCE"], event["DTSTART"].dt) == (
        "REQUEST",
        convocations.uid(exam),
        2,
        third,
    )
    assert "Votre convocation a changé" in sent[0].text


@pytest.mark.parametrize(
    ("moment", "refusal"),
    [
        (lambda exam: timezone.now() - datetime.timedelta(hours=1), "Une épreuve se reporte à une date à venir."),
        (lambda exam: exam.scheduled_at, "L'épreuve est déjà prévue à cette date."),
        (lambda exam: exam.scheduled_at + datetime.timedelta(days=60), "L'épreuve doit avoir lieu pendant la session."),
    ],
)
def test_a_postponement_refuses_what_makes_no_sense(coming_exams, moment, refusal):
    exam = exam_of("Martin", "GDU")
    with pytest.raises(exam_services.ExamOutcomeError, match=refusal):
        exam_services.postpone_exam(exam, moment(exam), "Motif", acting_user=user("gestionnaire"))
    with pytest.raises(exam_services.ExamOutcomeError, match=ONLY_ADMINISTRATORS):
        exam_services.postpone_exam(
            exam, exam.scheduled_at + datetime.timedelta(days=1), "Motif", acting_user=user("president")
        )
    assert (fresh(exam).scheduled_at, fresh(exam).convocation_sequence) == (exam.scheduled_at, 0)
    assert not ExamEvent.objects.exists()


def test_an_excused_or_cancelled_exam_makes_way_for_a_new_one_an_absent_one_does_not(demo_exams):
    gru = exam_of("Martin", "GRU")
    exam_services.record_absence(gru, acting_user=user("president"))

    def same_again(exam):
        again = Exam(
            session=exam.session,
            candidate=exam.candidate,
            bloc=exam.bloc,
            scheduled_at=exam.scheduled_at + datetime.timedelta(days=2),
            place=exam.place,
            president=exam.president,
            representative=exam.representative,
        )
        again.full_clean()
        return again

    with pytest.raises(ValidationError, match="Ce candidat a déjà une épreuve pour ce bloc dans cette session."):
        same_again(gru)
    exam_services.excuse_absence(gru, "Certificat médical", acting_user=user("gestionnaire"))
    same_again(gru).save()
    mdr = exam_of("Martin", "MDR")
    exam_services.cancel_exam(mdr, "Jury indisponible", acting_user=user("gestionnaire"))
    same_again(mdr).save()
    assert Exam.objects.filter(candidate=gru.candidate, session=gru.session).counting().count() == 2


def test_a_closed_exam_keeps_its_subject_and_takes_no_grid(demo_exams):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)  # begun, then the candidate left
    exam_services.record_absence(exam, acting_user=user("president"))
    exam = fresh(exam)
    exam.scheduled_at += datetime.timedelta(hours=1)
    with pytest.raises(FrozenError, match="Cette épreuve est close"):
        exam.save()
    with pytest.raises(FrozenError, match="Cette épreuve est close"):
        Exam.objects.filter(pk=exam.pk).update(scheduled_at=exam.scheduled_at)
    Exam.objects.filter(pk=exam.pk).update(place="Salle 12")  # what a convocation says beside is free
    with pytest.raises(services.GridError, match="Épreuve close \\(candidat absent\\)"):
        services.save_grid(fresh(exam), user("president"), all_validated(exam), 1)
    with pytest.raises(services.GridError, match="Épreuve close \\(candidat absent\\)"):
        services.submit_grid(fresh(exam), user("president"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers live in PostgreSQL")
def test_postgresql_keeps_a_closed_exam_and_its_events_whatever_the_sql(demo_exams):
    exam = exam_of("Martin", "GRU")
    exam_services.record_absence(exam, acting_user=user("president"))
    for sql, refusal in (
        ("UPDATE candidates_exam SET scheduled_at = scheduled_at + interval '1 hour' WHERE id = %s", "épreuve close"),
        ("UPDATE candidates_examevent SET reason = 'réécrit' WHERE exam_id = %s", "exam_events_are_append_only"),
        ("DELETE FROM candidates_examevent WHERE exam_id = %s", "exam_events_are_append_only"),
    ):
        with pytest.raises(DatabaseError, match=refusal), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [exam.pk])
    assert events_of(exam) == [(ExamAction.ABSENT, None, None, "", "president")]


def test_a_grid_service_reads_the_exam_again_once_locked(demo_exams):
    """A member's page loaded before the absence was recorded cannot submit a grid after it."""
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    stale = fresh(exam)
    exam_services.record_absence(exam, acting_user=user("president"))
    assert stale.status == ExamStatus.SCHEDULED
    with pytest.raises(services.GridError, match="Épreuve close"):
        services.submit_grid(stale, user("jury.maladie"))


def test_closed_exams_are_never_reminded(demo_exams, settings):
    now = timezone.now()
    past = [exam_of("Martin", "GRU"), exam_of("Martin", "MDR"), exam_of("Fontaine", "GRU")]
    assert {draft.exam_id for draft in reminders.grid_reminder_drafts(now)} >= {exam.pk for exam in past}
    exam_services.record_absence(past[0], acting_user=user("president"))
    exam_services.excuse_absence(past[1], "Malade", acting_user=user("gestionnaire"))
    exam_services.cancel_exam(past[2], "Salle fermée", acting_user=user("gestionnaire"))
    assert not {draft.exam_id for draft in reminders.grid_reminder_drafts(now)} & {exam.pk for exam in past}


def test_closed_exams_coming_are_not_reminded_before_they_would_have_taken_place(coming_exams):
    exam = exam_of("Martin", "GDU")
    eve = exam.scheduled_at - datetime.timedelta(days=1)
    assert exam.pk in {draft.exam_id for draft in reminders.exam_reminder_drafts(eve)}
    exam_services.excuse_absence(exam, "Hospitalisation", acting_user=user("gestionnaire"))
    assert exam.pk not in {draft.exam_id for draft in reminders.exam_reminder_drafts(eve)}


# --- The grid page: the president declares the candidate absent --------------------------------------------


def test_the_president_declares_the_candidate_absent_from_the_grid_page(client, demo_exams):
    exam = exam_of("Martin", "GRU")
    url = reverse("evaluations:grid", kwargs={"pk": exam.pk})
    absent_url = reverse("evaluations:record_absence", kwargs={"pk": exam.pk})
    client.force_login(user("jury.maladie"))
    assert "Déclarer le candidat absent" not in client.get(url).content.decode()  # the representative: no button
    response = client.post(absent_url, {"confirm": "yes"}, follow=True)
    assert "Seuls le président du jury et les administrateurs Ucanss" in response.content.decode()
    client.force_login(user("president"))
    assert "Déclarer le candidat absent" in client.get(url).content.decode()
    response = client.post(absent_url, follow=True)  # the box left unticked
    assert "Cochez la case pour confirmer que le candidat ne s'est pas présenté." in text(response)
    assert fresh(exam).status == ExamStatus.SCHEDULED
    response = client.post(absent_url, {"confirm": "yes"}, follow=True)
    page = text(response)
    assert "Absence du candidat enregistrée" in page
    assert "Le bloc GRU est présenté au jury paritaire national comme non validé, « absent à l'épreuve »" in page
    assert "Enregistré par Claire Dumas" in page
    assert 'id="grid-form"' not in page
    assert fresh(exam).status == ExamStatus.ABSENT


def test_a_closed_exam_leaves_the_jurys_lists_but_its_day(demo_exams):
    exam = exam_of("Martin", "GRU")
    assert exam in selectors.jury_home(user("president")).to_grade
    exam_services.record_absence(exam, acting_user=user("president"))
    lists = selectors.jury_home(user("president"))
    assert exam not in lists.today + lists.upcoming + lists.to_grade + lists.to_sign
    assert exam in selectors.jury_home(user("president"), today=timezone.localdate(exam.scheduled_at)).today


def test_no_absence_button_before_the_exam_nor_once_the_grid_is_submitted(client, coming_exams):
    client.force_login(user("president"))
    coming = exam_of("Martin", "GDU")
    assert 'id="absence"' not in client.get(reverse("evaluations:grid", kwargs={"pk": coming.pk})).content.decode()
    held = exam_of("Martin", "GRU")
    services.save_grid(held, user("president"), all_validated(held), 0)
    assert 'id="absence"' in client.get(reverse("evaluations:grid", kwargs={"pk": held.pk})).content.decode()
    services.submit_grid(held, user("president"))
    assert 'id="absence"' not in client.get(reverse("evaluations:grid", kwargs={"pk": held.pk})).content.decode()


# --- The admin -------------------------------------------------------------------------------------------


def test_the_exam_page_shows_its_outcome_history_and_what_may_be_recorded(client, demo_exams):
    client = admin_client(client)
    exam = exam_of("Fontaine", "GRU")
    page = client.get(reverse("admin:candidates_exam_change", args=[exam.pk])).content.decode()
    for name in ("postpone", "excuse", "cancel", "absence"):
        assert reverse(f"admin:candidates_exam_{name}", args=[exam.pk]) in page
    exam_services.cancel_exam(exam, "Jury indisponible", acting_user=user("gestionnaire"))
    page = client.get(reverse("admin:candidates_exam_change", args=[exam.pk])).content.decode()
    assert "Annulée</strong> — « Jury indisponible »" in page
    assert "Annulée : « Jury indisponible » (Gaëlle Gestionnaire)" in page
    assert 'name="_save"' not in page  # a closed exam is read-only
    assert (
        f"{reverse('admin:candidates_exam_add')}?session={exam.session_id}&amp;candidate={exam.candidate_id}"
        f"&amp;bloc={exam.bloc_id}" in page
    )
    assert reverse("admin:candidates_exam_excuse", args=[exam.pk]) not in page
    assert client.get(reverse("admin:candidates_exam_delete", args=[exam.pk])).status_code == 403


def test_the_postponement_form_says_a_refusal_and_writes_nothing(client, coming_exams):
    client = admin_client(client)
    exam = exam_of("Martin", "GDU")
    url = reverse("admin:candidates_exam_postpone", args=[exam.pk])
    assert 'type="datetime-local"' in client.get(url).content.decode()
    response = client.post(url, {"scheduled_at": "2001-01-01T09:00", "reason": "Salle indisponible"})
    assert response.status_code == 200
    assert "Une épreuve se reporte à une date à venir." in response.content.decode()
    response = client.post(url, {"scheduled_at": "", "reason": ""})
    assert response.content.decode().count("Ce champ est obligatoire.") == 2
    assert fresh(exam).scheduled_at == exam.scheduled_at and not ExamEvent.objects.exists()
    new = timezone.localtime(exam.scheduled_at + datetime.timedelta(days=2))
    response = client.post(url, {"scheduled_at": f"{new:%Y-%m-%dT%H:%M}", "reason": "Salle indisponible"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:candidates_exam_change", args=[exam.pk])
    page = response.content.decode()
    assert "Épreuve reportée : la convocation à jour part au candidat et aux deux membres du jury." in page
    assert "3 messages de convocation partent par courriel." in page
    assert fresh(exam).scheduled_at == new


def test_the_admin_actions_record_absences_and_cancel_with_a_reason(client, demo_exams):
    client = admin_client(client)
    changelist = reverse("admin:candidates_exam_changelist")
    gru, graded = exam_of("Fontaine", "GRU"), exam_of("Martin", "GRU")
    run_exam(graded)
    response = client.post(
        changelist, {"action": "record_absences", "_selected_action": [gru.pk, graded.pk]}, follow=True
    )
    page = response.content.decode()
    assert "1 absence enregistrée." in page
    assert GRADED in page
    assert fresh(gru).status == ExamStatus.ABSENT
    mdr = exam_of("Martin", "MDR")
    response = client.post(changelist, {"action": "cancel_exams", "_selected_action": [mdr.pk]})
    assert "Annuler ces épreuves" in response.content.decode()  # the reason is asked first
    assert fresh(mdr).status == ExamStatus.SCHEDULED
    response = client.post(changelist, {"action": "cancel_exams", "_selected_action": [mdr.pk], "reason": ""})
    assert "Ce champ est obligatoire." in response.content.decode()
    response = client.post(
        changelist,
        {"action": "cancel_exams", "_selected_action": [mdr.pk], "reason": "Session réorganisée"},
        follow=True,
    )
    assert "1 épreuve annulée." in response.content.decode()
    assert (fresh(mdr).status, fresh(mdr).status_reason) == (ExamStatus.CANCELLED, "Session réorganisée")
    response = client.get(f"{changelist}?status__exact=cancelled")
    assert response.context["cl"].result_count == 1


def test_the_outcome_pages_are_the_administrators_only(client, demo_exams):
    exam = exam_of("Fontaine", "GRU")
    url = reverse("admin:candidates_exam_excuse", args=[exam.pk])
    client.force_login(user("president"))
    assert client.post(url, {"reason": "Malade"}).status_code == 302  # to the admin's login
    assert fresh(exam).status == ExamStatus.SCHEDULED
    assert django_admin.site._registry[Exam].has_change_permission  # the view asks the model's permission


# --- End to end, through the national jury ---------------------------------------------------------------


def test_absent_goes_before_the_national_jury_as_absent(client, demo_exams):
    gru = exam_of("Martin", "GRU")
    client.force_login(user("president"))
    client.post(reverse("evaluations:record_absence", kwargs={"pk": gru.pk}), {"confirm": "yes"})
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    readiness = selectors.readiness_summary(deliberation)
    assert (readiness.ready, readiness.missing) == (1, 1)  # Léa ready; Chloé's GRU grid is not signed
    assert services.add_ready_files(deliberation, user("jpn")) == 1
    absent = BlocDecision.objects.get(file__candidate__last_name="Martin", bloc__code="GRU")
    assert (absent.exam, absent.grid, absent.computed, absent.decision, absent.computed_reason, absent.opinion) == (
        gru,
        None,
        Ruling.NOT_VALIDATED,
        Ruling.NOT_VALIDATED,
        "absent à l'épreuve",
        "",
    )
    lea = file_of(deliberation, "Martin")
    assert (lea.outcome, lea.disagreement) == (FileOutcome.CCP, False)
    assert lea.outcome_reason.startswith("CCP délivré : MDR · CQP non délivré")
    with pytest.raises(services.DeliberationError, match="absent à l'épreuve du bloc GRU : rien n'a été évalué"):
        services.decide_bloc(absent, user("jpn"), Ruling.VALIDATED, "Le jury le décide.")

    client.force_login(user("jpn"))
    page = text(client.get(reverse("evaluations:deliberation", kwargs={"pk": deliberation.pk})))
    assert '<strong>GRU</strong> : <span class="badge text-bg-dark">absent</span>' in page
    file_url = reverse("evaluations:candidate_file", kwargs={"pk": deliberation.pk, "file_pk": lea.pk})
    page = client.get(file_url).content.decode()
    assert "Épreuves manquées" in page
    assert "<strong>candidat absent</strong>, enregistré par Claire Dumas" in page
    assert f'name="decision-{absent.pk}-ruling" value="not_validated"' in page  # no choice offered
    assert f'name="decision-{absent.pk}-justification"' not in page  # nothing to justify
    prefix = f"decision-{absent.pk}"
    client.post(
        file_url,
        {
            "decision": absent.pk,
            f"{prefix}-ruling": "not_validated",
            f"{prefix}-recommendations": "Se présenter à la prochaine session.",
        },
    )
    absent.refresh_from_db()
    assert (absent.decision, absent.recommendations) == (Ruling.NOT_VALIDATED, "Se présenter à la prochaine session.")

    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert list(AcquiredBloc.objects.filter(deliberation=deliberation).values_list("bloc__code", flat=True)) == ["MDR"]
    assert list(
        BlocTally.objects.filter(deliberation=deliberation)
        .order_by("bloc__code")
        .values_list("bloc__code", "decisions", "validated")
    ) == [("GRU", 1, 0), ("MDR", 1, 1)]
    (results,) = Message.objects.filter(kind=MessageKind.RESULTS, candidate_id=gru.candidate_id)
    assert (
        "- Bloc GRU « Gestion de la relation usagers de la Sécurité sociale » : non validé, absence à l'épreuve. "
        "Une convocation à une prochaine session vous sera adressée." in results.text
    )
    assert "Préconisations du jury paritaire national : Se présenter à la prochaine session." in results.text
    rows = exports.session_results([session(SPRING).pk])
    assert [row[7:] for row in rows if row[1] == "Martin" and row[8] == "GRU"] == [
        (
            timezone.localtime(gru.scheduled_at).strftime("%d/%m/%Y"),
            "GRU",
            "Pas de grille : candidat absent",
            "Bloc non validé",
            "",
            "Bloc non validé",
            str(deliberation),
        )
    ]
    # The bloc not validated, the candidate is convened again at a later session.
    again = Exam(
        session=session(WINTER),
        candidate=gru.candidate,
        bloc=gru.bloc,
        scheduled_at=exam_of("Martin", "GDU").scheduled_at + datetime.timedelta(days=1),
        video_link="https://visio.demo.invalid/gc-martin-gru",
        president=gru.president,
        representative=gru.representative,
    )
    again.full_clean()


def test_excused_then_convened_again_and_validated(client, demo_exams):
    excused = exam_of("Fontaine", "GRU")
    exam_services.excuse_absence(excused, "Arrêt maladie (certificat médical)", acting_user=user("gestionnaire"))
    deliberation = deliberation_for(SPRING)
    readiness = selectors.readiness_summary(deliberation)
    assert [(str(candidate), exams) for candidate, exams in readiness.first_missing] == [
        ("MARTIN Léa", [exam_of("Martin", "GRU"), exam_of("Martin", "MDR")])
    ]  # Chloé's excused exam holds nothing back, and is never named missing
    # Convened again, in the same session, from the admin (its convocations go out).
    client = admin_client(client)
    day = timezone.localtime(excused.scheduled_at) + datetime.timedelta(days=3)
    response = client.post(
        reverse("admin:candidates_exam_add"),
        {
            "session": excused.session_id,
            "candidate": excused.candidate_id,
            "bloc": excused.bloc_id,
            "scheduled_at_0": f"{day:%d/%m/%Y}",
            "scheduled_at_1": "14:00",
            "place": "Ucanss, salle 2",
            "video_link": "",
            "president": excused.president_id,
            "representative": excused.representative_id,
        },
        follow=True,
    )
    assert response.redirect_chain, response.context["adminform"].form.errors
    again = Exam.objects.exclude(pk=excused.pk).get(candidate=excused.candidate, bloc=excused.bloc)
    assert len(messages_about(again, kind=MessageKind.CONVOCATION)) == 1
    run_exam(again)
    assert services.add_ready_files(deliberation, user("jpn")) == 1
    chloe = file_of(deliberation, "Fontaine")
    (decision,) = chloe.blocs.all()
    assert (decision.exam, decision.decision) == (again, Ruling.VALIDATED)
    assert not BlocDecision.objects.filter(exam=excused).exists()
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert list(AcquiredBloc.objects.filter(candidate=excused.candidate).values_list("bloc__code", flat=True)) == [
        "GRU"
    ]


def test_postponed_twice_then_held_and_validated(client, demo_exams):
    exam = exam_of("Martin", "GDU")
    winter = session(WINTER)
    CertificationSession.objects.filter(pk=winter.pk).update(ends_on=timezone.localdate() + datetime.timedelta(30))
    first = exam.scheduled_at
    second = timezone.localtime(timezone.now() + datetime.timedelta(days=5)).replace(hour=9, minute=0, second=0)
    second = second.replace(microsecond=0)
    third = second + datetime.timedelta(days=7, hours=5)
    client = admin_client(client)
    client.post(
        reverse("admin:candidates_exam_postpone", args=[exam.pk]),
        {"scheduled_at": f"{second:%Y-%m-%dT%H:%M}", "reason": "Candidate en formation ce jour-là"},
    )
    exam_services.postpone_exam(exam, third, "Représentante empêchée", acting_user=user("gestionnaire"))
    exam = fresh(exam)
    assert (exam.scheduled_at, exam.convocation_sequence) == (third, 2)
    assert [event[:3] for event in events_of(exam)] == [
        (ExamAction.POSTPONED, first, second),
        (ExamAction.POSTPONED, second, third),
    ]
    sequences = [calendar_event(message)[1]["SEQUENCE"] for message in messages_about(exam, to=exam.candidate.email)]
    assert sequences == [1, 2]
    with travel_to(third + datetime.timedelta(hours=2)):
        run_exam(exam)
        deliberation = deliberation_for(WINTER)
        assert services.add_ready_files(deliberation, user("jpn")) == 1  # Léa; Chloé and Hugo are still to grade
        assert file_of(deliberation, "Martin").blocs.get().decision == Ruling.VALIDATED
        services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert AcquiredBloc.objects.get(deliberation=deliberation).bloc.code == "GDU"
    assert Exam.objects.filter(candidate=exam.candidate, bloc=exam.bloc).count() == 1  # the same exam throughout


def test_cancelled_never_comes_before_the_jury_and_the_candidate_is_convened_again(client, demo_exams):
    gru, mdr = exam_of("Robert", "GRU"), exam_of("Robert", "MDR")
    client = admin_client(client)
    client.post(
        reverse("admin:candidates_exam_changelist"),
        {"action": "cancel_exams", "_selected_action": [gru.pk], "reason": "Lieu d'examen inaccessible"},
    )
    assert fresh(gru).status == ExamStatus.CANCELLED
    deliberation = deliberation_for(COS_WINTER)
    assert selectors.readiness_summary(deliberation).missing == 1  # Yanis's MDR only
    run_exam(mdr)
    assert services.add_ready_files(deliberation, user("jpn")) == 1
    yanis = file_of(deliberation, "Robert")
    assert [decision.bloc.code for decision in yanis.blocs.all()] == ["MDR"]
    client.force_login(user("jpn"))
    page = text(client.get(reverse("evaluations:deliberation", kwargs={"pk": deliberation.pk})))
    assert '<strong>GRU</strong> : <span class="text-secondary">pas d\'épreuve dans cette délibération</span>' in page
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert not BlocDecision.objects.filter(exam=gru).exists()
    again = Exam(
        session=gru.session,
        candidate=gru.candidate,
        bloc=gru.bloc,
        scheduled_at=gru.scheduled_at + datetime.timedelta(days=1),
        place=gru.place,
        president=gru.president,
        representative=gru.representative,
    )
    again.full_clean()


def test_statistics_and_exports_count_the_outcomes(client, demo_exams):
    winter = session(WINTER)
    CertificationSession.objects.filter(pk=winter.pk).update(ends_on=timezone.localdate() + datetime.timedelta(30))
    run_exam(exam_of("Martin", "GRU"))
    exam_services.record_absence(exam_of("Martin", "MDR"), acting_user=user("president"))
    exam_services.excuse_absence(exam_of("Fontaine", "GRU"), "Malade", acting_user=user("gestionnaire"))
    exam_services.cancel_exam(exam_of("Robert", "GRU"), "Salle fermée", acting_user=user("gestionnaire"))
    gdu = exam_of("Martin", "GDU")
    for days in (3, 6):
        exam_services.postpone_exam(
            gdu, timezone.now() + datetime.timedelta(days=days), "Report", acting_user=user("gestionnaire")
        )
    rows = statistics.exam_outcomes("cqp", {})
    assert [
        (row.label, row.exams, row.held, row.absent, row.excused, row.cancelled, row.pending, row.postponed)
        for row in rows
    ] == [("COS", 2, 0, 0, 0, 1, 1, 0), ("GC", 6, 1, 1, 1, 0, 3, 1)]
    assert rows[1].postponements == 2
    by_session = {row.label: row for row in statistics.exam_outcomes("session", {"session": str(winter.pk)})}
    assert list(by_session) == [WINTER] and by_session[WINTER].postponed == 1
    client = admin_client(client)
    page = client.get(reverse("evaluations:statistics")).content.decode()
    assert "<tr><td>GC</td><td>6</td><td>1</td><td>1</td><td>1</td><td>0</td><td>3</td><td>1 (2)</td></tr>" in page
    rows = exports.session_results([session(SPRING).pk, session(COS_WINTER).pk])
    states = {(row[1], row[8]): row[9] for row in rows}
    assert states[("Martin", "MDR")] == "Pas de grille : candidat absent"
    assert states[("Fontaine", "GRU")] == "Pas de grille : absence excusée (Malade)"
    assert states[("Robert", "GRU")] == "Pas de grille : annulée (Salle fermée)"
