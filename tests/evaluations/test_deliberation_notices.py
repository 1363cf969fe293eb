"""The national joint jury's notices (issue 15): its members are told when a deliberation has files ready,
and when it is signed, in the transaction of the change, in a fixed number of queries."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.roles import NATIONAL_JURY
from evaluations import notices, services
from outbox import previews
from outbox.models import Message, MessageKind, MessageStatus
from outbox.services import send_due_now

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

SITE = "https://certification.example.fr"


def national_member(username, first_name, last_name, *, email="", active=True):
    account = get_user_model().objects.create_user(
        username, email=email, first_name=first_name, last_name=last_name, is_active=active
    )
    account.groups.add(Group.objects.get(name=NATIONAL_JURY))
    return account


@pytest.fixture
def deliberation(demo_exams):
    """The spring deliberation, presided by `jpn` (Jean Paritaire), with two more members: Marie Syndicat, and
    Louis Collège, whose account is deactivated. Léa Martin's grids are signed, Chloé Fontaine's is not."""
    deliberation = deliberation_for(SPRING)
    deliberation.members.add(
        national_member("marie.syndicat", "Marie", "Syndicat", email="marie.syndicat@demo.invalid"),
        national_member("louis.college", "Louis", "Collège", email="louis.college@demo.invalid", active=False),
    )
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    return deliberation


def notices_of(kind):
    return list(Message.objects.filter(kind=kind).order_by("pk"))


READY = """Bonjour Marie Syndicat,

Jean Paritaire a ajouté les dossiers prêts à la délibération « Délibération du jury paritaire national » du {date}.

Dossiers ajoutés : {added}
Dossiers présentés au total : {total}
{missing}
Les dossiers, leurs grilles signées et les résultats calculés sont sur la page de la délibération :
https://certification.example.fr/jury-national/deliberations/{pk}/

L'équipe Certification CQP — Ucanss
https://certification.example.fr

"""


def test_each_member_and_the_president_are_told_of_each_addition_of_ready_files(deliberation):
    date = f"{deliberation.held_on:%d/%m/%Y}"
    assert services.add_ready_files(deliberation, user("jpn")) == 1
    first = notices_of(MessageKind.DELIBERATION_READY)
    # Every active member, the president (who added them) included; the deactivated account gets nothing.
    assert [(notice.to, notice.status) for notice in first] == [
        ("jpn@demo.invalid", MessageStatus.WAITING),
        ("marie.syndicat@demo.invalid", MessageStatus.WAITING),
    ]
    marie = first[1]
    assert (marie.subject, marie.topic, marie.deliberation_id, marie.candidate_id) == (
        f"Dossiers prêts — délibération du jury paritaire national du {date}",
        f"deliberation:{deliberation.pk}",
        deliberation.pk,
        None,
    )
    assert marie.text == READY.format(
        date=date,
        added=1,
        total=1,
        missing="Candidats dont une grille n'est pas encore signée : 1\n",
        pk=deliberation.pk,
    )
    assert first[0].text.startswith("Bonjour Jean Paritaire,\n\nJean Paritaire a ajouté les dossiers prêts")

    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    assert services.add_ready_files(deliberation, user("marie.syndicat")) == 1
    second = notices_of(MessageKind.DELIBERATION_READY)[2:]
    assert [notice.to for notice in second] == ["jpn@demo.invalid", "marie.syndicat@demo.invalid"]
    assert second[1].text == READY.format(date=date, added=1, total=2, missing="", pk=deliberation.pk).replace(
        "Jean Paritaire a ajouté", "Marie Syndicat a ajouté"
    )

    assert services.add_ready_files(deliberation, user("jpn")) == 0  # nothing added: nobody is told
    assert Message.objects.count() == 4


def test_the_president_is_told_even_when_not_listed_among_the_members(deliberation):
    deliberation.members.remove(user("jpn"))
    services.add_ready_files(deliberation, user("marie.syndicat"))
    assert [notice.to for notice in notices_of(MessageKind.DELIBERATION_READY)] == [
        "jpn@demo.invalid",
        "marie.syndicat@demo.invalid",
    ]


def test_a_member_without_an_address_is_kept_as_not_sendable_and_the_files_are_added(deliberation):
    deliberation.members.add(national_member("sans.adresse", "Paul", "Sansadresse"))
    assert services.add_ready_files(deliberation, user("jpn")) == 1
    statuses = {notice.to: (notice.status, notice.last_error) for notice in notices_of("deliberation_ready")}
    assert statuses[""] == (MessageStatus.NOT_SENDABLE, "Aucune adresse électronique.")
    assert len(statuses) == 3


SIGNED = """Bonjour Marie Syndicat,

La délibération « Délibération du jury paritaire national » du {date} a été signée le {signed} par Jean \
Paritaire. Ses décisions ne changent plus.

Dossiers décidés : 2
CCP délivrés : 2
CQP délivrés : 0

Chaque candidat reçoit ses résultats par message. Les décisions et le procès-verbal sont sur la page de la \
délibération :
https://certification.example.fr/jury-national/deliberations/{pk}/

L'équipe Certification CQP — Ucanss
https://certification.example.fr

"""


def test_each_member_receives_the_signature_notice_with_the_files_and_certificates(deliberation):
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    services.add_ready_files(deliberation, user("jpn"))
    signed = services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    date = f"{deliberation.held_on:%d/%m/%Y}"
    notices_sent = notices_of(MessageKind.DELIBERATION_SIGNED)
    assert [notice.to for notice in notices_sent] == ["jpn@demo.invalid", "marie.syndicat@demo.invalid"]
    marie = notices_sent[1]
    assert (marie.subject, marie.topic, marie.deliberation_id) == (
        f"Délibération signée — jury paritaire national du {date}",
        f"deliberation:{deliberation.pk}",
        deliberation.pk,
    )
    # Léa Martin's GRU and MDR give two CCP; Chloé Fontaine's GRU is not validated; no CQP.
    signed_at = f"{timezone.localtime(signed.signed_at):%d/%m/%Y à %H:%M}"
    assert marie.text == SIGNED.format(date=date, signed=signed_at, pk=deliberation.pk)
    # Written with the results, by the same INSERT.
    assert Message.objects.filter(kind=MessageKind.RESULTS).count() == 2


def test_a_refused_signature_tells_no_one(deliberation):
    services.add_ready_files(deliberation, user("jpn"))
    with pytest.raises(services.DeliberationError, match="Mot de passe incorrect"):
        services.sign_deliberation(deliberation, user("jpn"), "pas le bon")
    assert not Message.objects.filter(kind=MessageKind.DELIBERATION_SIGNED).exists()


def test_a_signature_rolled_back_after_its_notices_were_written_tells_no_one(deliberation):
    """The notices are written in the signature's transaction: a failure after them takes them back."""
    services.add_ready_files(deliberation, user("jpn"))
    before = Message.objects.count()
    with mock.patch("evaluations.statistics.count_signed_deliberation", side_effect=RuntimeError("panne")):
        with pytest.raises(RuntimeError, match="panne"):
            services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    deliberation.refresh_from_db()
    assert deliberation.is_signed is False
    assert Message.objects.count() == before
    assert not Message.objects.filter(kind__in=[MessageKind.DELIBERATION_SIGNED, MessageKind.RESULTS]).exists()


def queries_of(action, *args):
    """The queries of an action, then undone (a savepoint rolled back)."""
    savepoint = transaction.savepoint()
    with CaptureQueriesContext(connection) as captured:
        action(*args)
    transaction.savepoint_rollback(savepoint)
    return len(captured)


def test_the_notices_cost_the_same_queries_whatever_the_number_of_members(deliberation):
    """Adding files: one query reads the members, one INSERT writes their notices. Signing: one query reads
    them, their notices join the results' INSERT."""
    jpn = user("jpn")
    with mock.patch.object(notices, "recipients", return_value=[]):  # no one to tell: no INSERT
        adding_alone = queries_of(services.add_ready_files, deliberation, jpn)
    adding = queries_of(services.add_ready_files, deliberation, jpn)
    deliberation.members.add(
        *(national_member(f"membre{n}", "Membre", f"N{n}", email=f"membre{n}@demo.invalid") for n in range(6))
    )
    assert queries_of(services.add_ready_files, deliberation, jpn) == adding == adding_alone + 2

    services.add_ready_files(deliberation, jpn)
    with mock.patch.object(services.notices, "signed_drafts", return_value=[]):
        signing_without = queries_of(services.sign_deliberation, deliberation, jpn, PASSWORD)
    signing = queries_of(services.sign_deliberation, deliberation, jpn, PASSWORD)
    deliberation.members.remove(*get_user_model().objects.filter(username__startswith="membre"))
    assert queries_of(services.sign_deliberation, deliberation, jpn, PASSWORD) == signing == signing_without + 1


def test_a_notice_arrives_by_mail_with_its_link(deliberation, smtp, django_capture_on_commit_callbacks):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_ready_files(deliberation, user("jpn"))
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp.mailbox.envelopes) == [
        "jpn@demo.invalid",
        "marie.syndicat@demo.invalid",
    ]
    link = f"{SITE}/jury-national/deliberations/{deliberation.pk}/"
    received = smtp.received()[0]
    assert link in received.get_body(("plain",)).get_content()
    assert f'<a href="{link}">{link}</a>' in received.get_body(("html",)).get_content()
    assert send_due_now() == 0


def test_both_notices_have_a_preview_that_reads_and_writes_nothing(django_assert_num_queries):
    assert {MessageKind.DELIBERATION_READY, MessageKind.DELIBERATION_SIGNED} <= set(previews.kinds())
    with django_assert_num_queries(0):
        ready = previews.render(MessageKind.DELIBERATION_READY)
        signed = previews.render(MessageKind.DELIBERATION_SIGNED)
    assert (ready.kind, ready.to) == (MessageKind.DELIBERATION_READY, "jpn@demo.invalid")
    assert ready.text.startswith("Bonjour Jean Paritaire,\n\nMarie Syndicat a ajouté les dossiers prêts")
    assert "Dossiers ajoutés : 12\nDossiers présentés au total : 30\n" in ready.text
    assert ready.subject.startswith("Dossiers prêts — délibération du jury paritaire national du ")
    assert (signed.kind, signed.subject.startswith("Délibération signée — jury paritaire national du ")) == (
        MessageKind.DELIBERATION_SIGNED,
        True,
    )
    assert "Dossiers décidés : 30\nCCP délivrés : 41\nCQP délivrés : 9\n" in signed.text
    assert f"{SITE}/jury-national/deliberations/1/" in signed.text
    assert not Message.objects.exists()
