"""Deposits to the Caisse des Dépôts: each register file the admin produces is kept with who produced it, when,
its digest and the certificates it declares; the certificates' list filters those deposited or not, and warns
as the legal deadline (three months after the issue, Code du travail, art. R. 6113-17-2) comes or passes."""

import datetime
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from certificates import admin_deposits, register, services
from certificates.models import Certificate, RegisterDeposit
from tests.evaluations.test_deliberations import user

D = datetime.date


@pytest.mark.parametrize(
    ("issued_on", "deadline"),
    [
        (D(2026, 1, 15), D(2026, 4, 15)),
        (D(2026, 1, 31), D(2026, 4, 30)),  # April has no 31st
        (D(2026, 11, 30), D(2027, 2, 28)),  # into the next year, February
        (D(2027, 11, 30), D(2028, 2, 29)),  # a leap year
        (D(2026, 12, 31), D(2027, 3, 31)),
    ],
)
def test_the_deadline_is_three_months_after_the_issue(issued_on, deadline):
    assert register.deposit_deadline(issued_on) == deadline


@pytest.mark.parametrize(
    ("day", "last_overdue"),
    [
        (D(2026, 4, 16), D(2026, 1, 15)),  # the deadline's own day (15 April) was still in time
        (D(2026, 5, 1), D(2026, 1, 31)),  # issued 29, 30, 31 January: due 30 April, overdue on 1 May
        (D(2026, 4, 30), D(2026, 1, 29)),
        (D(2027, 3, 1), D(2026, 11, 30)),
    ],
)
def test_the_last_issue_overdue_on_a_day(day, last_overdue):
    assert register.last_issue_due_before(day) == last_overdue
    assert (
        register.deposit_deadline(last_overdue) < day <= register.deposit_deadline(last_overdue + datetime.timedelta(1))
    )


# Deposits recorded by the register actions -----------------------------------------------------------------


@pytest.fixture
def issued(winter, spring, settings):
    """Léa Martin (born Durand): CCP GRU and MDR in the spring, CCP GDU and the CQP GC in the winter."""
    settings.CDC_CLIENT_ID, settings.CDC_CONTRACT_ID = "03VML243", "MCFCER000209"
    services.number_certificates(spring)
    services.number_certificates(winter)
    return Certificate.objects.order_by("number")


@pytest.fixture
def gestionnaire(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    return client


def run_action(client, action, certificates):
    return client.post(
        reverse("admin:certificates_certificate_changelist"),
        {"action": action, "_selected_action": [c.pk for c in certificates]},
    )


def numbers(certificates):
    return sorted(certificate.number for certificate in certificates)


def test_the_csv_register_is_kept_as_a_deposit_of_what_it_declares(gestionnaire, issued):
    revoked = issued.get(bloc__code="MDR")
    services.revoke(revoked, user("gestionnaire"), "Erreur de saisie du jury.")
    before = timezone.now()
    response = run_action(gestionnaire, "register_csv", issued)
    assert response.status_code == 200

    deposit = RegisterDeposit.objects.get()
    assert (deposit.format, deposit.produced_by.username) == ("csv", "gestionnaire")
    assert before <= deposit.produced_at <= timezone.now()
    with deposit.file.open("rb") as kept:
        assert kept.read() == response.content  # the file downloaded, byte for byte
    assert deposit.sha256 == hashlib.sha256(response.content).hexdigest()
    assert (
        deposit.file.name
        == f"certificates/depots/{timezone.localdate():%Y}/registre-titulaires-{timezone.localdate()}.csv"
    )
    # The revoked certificate is not declared, so not deposited.
    assert numbers(deposit.certificates.all()) == numbers(issued.exclude(pk=revoked.pk))


def test_the_xml_flux_is_kept_as_a_deposit_of_the_cqp_only(gestionnaire, issued):
    response = run_action(gestionnaire, "register_xml", issued)
    deposit = RegisterDeposit.objects.get()
    assert deposit.format == "xml" and deposit.sha256 == hashlib.sha256(response.content).hexdigest()
    assert numbers(deposit.certificates.all()) == numbers(issued.filter(kind="CQP"))


def test_a_register_refused_leaves_no_deposit(gestionnaire, issued, settings):
    settings.CDC_CLIENT_ID = ""
    response = run_action(gestionnaire, "register_xml", issued)
    assert response.status_code == 302
    assert not RegisterDeposit.objects.exists()


def test_producing_the_register_needs_the_permission_to_deposit(client, issued):
    viewer = get_user_model().objects.create_user("lecteur", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_certificate"))
    client.login(username="lecteur", password=PASSWORD)
    response = run_action(client, "register_csv", issued)
    assert response.status_code == 302 and not RegisterDeposit.objects.exists()
    messages = [str(message) for message in response.wsgi_request._messages]
    assert (
        "Produire le registre l'enregistre comme un dépôt à la Caisse des Dépôts, ce que votre compte n'a pas la "
        "permission de faire." in messages
    )


# The deposits' admin --------------------------------------------------------------------------------------


def test_the_deposits_list_their_file_and_the_certificates_they_declare(gestionnaire, issued):
    content = run_action(gestionnaire, "register_csv", issued).content
    deposit = RegisterDeposit.objects.get()

    listing = gestionnaire.get(reverse("admin:certificates_registerdeposit_changelist")).content.decode()
    file_url = reverse("admin:certificates_registerdeposit_file", args=[deposit.pk])
    assert f'<a href="{file_url}">registre-titulaires-{timezone.localdate()}.csv</a>' in listing
    assert '<td class="field-declared_count">4</td>' in listing

    page = gestionnaire.get(reverse("admin:certificates_registerdeposit_change", args=[deposit.pk])).content.decode()
    for certificate in issued:
        change = reverse("admin:certificates_certificate_change", args=[certificate.pk])
        assert f'<a href="{change}">{certificate.number}</a> — Léa MARTIN' in page
    assert deposit.sha256 in page

    download = gestionnaire.get(file_url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert download["Content-Disposition"] == f'attachment; filename="registre-titulaires-{timezone.localdate()}.csv"'


@pytest.mark.parametrize("username", [None, "president", "jpn", "lea.martin"])
def test_a_deposits_file_does_not_exist_for_anyone_else(client, gestionnaire, issued, username):
    run_action(gestionnaire, "register_csv", issued)
    deposit = RegisterDeposit.objects.get()
    client.logout()
    if username:
        client.login(username=username, password=PASSWORD)
    assert client.get(reverse("admin:certificates_registerdeposit_file", args=[deposit.pk])).status_code == 404


def test_a_deposit_is_never_changed_nor_deleted_in_the_admin(gestionnaire, issued):
    run_action(gestionnaire, "register_csv", issued)
    deposit = RegisterDeposit.objects.get()
    assert gestionnaire.get(reverse("admin:certificates_registerdeposit_add")).status_code == 403
    assert gestionnaire.get(reverse("admin:certificates_registerdeposit_delete", args=[deposit.pk])).status_code == 403
    assert (
        gestionnaire.post(reverse("admin:certificates_registerdeposit_change", args=[deposit.pk]), {}).status_code
        == 403
    )


# The certificates' list: deposited or not, and the deadline ----------------------------------------------


def listed(client, **query):
    response = client.get(reverse("admin:certificates_certificate_changelist"), query)
    return numbers(response.context["cl"].result_list), [str(message) for message in response.context["messages"]]


def test_the_list_filters_the_certificates_deposited_or_to_declare(gestionnaire, issued):
    everything = numbers(issued)
    assert listed(gestionnaire, depot="non")[0] == everything
    assert listed(gestionnaire, depot="oui")[0] == []

    run_action(gestionnaire, "register_xml", issued.filter(kind="CQP"))
    cqp = numbers(issued.filter(kind="CQP"))
    assert listed(gestionnaire, depot="oui")[0] == cqp
    assert listed(gestionnaire, depot="non")[0] == [number for number in everything if number not in cqp]


def on(monkeypatch, day):
    """The admin's today moved to `day`."""
    monkeypatch.setattr(admin_deposits, "today", lambda: day)


def test_nothing_is_said_while_the_deadline_is_far(gestionnaire, issued):
    _numbers, messages = listed(gestionnaire)
    assert not [message for message in messages if "Caisse des Dépôts" in message]


def test_the_list_warns_of_certificates_due_within_30_days(gestionnaire, issued, monkeypatch):
    issued_on = issued.first().issued_on
    on(monkeypatch, register.deposit_deadline(issued_on) - datetime.timedelta(days=10))
    run_action(gestionnaire, "register_xml", issued.filter(kind="CQP"))  # the CQP declared, the 3 CCP not
    shown, messages = listed(gestionnaire)
    changelist = reverse("admin:certificates_certificate_changelist")
    assert (
        "3 certificats sont à déclarer à la Caisse des Dépôts dans les 30 jours (trois mois après leur délivrance) : "
        f'<a href="{changelist}?depot=bientot">les voir et produire le registre</a>'
    ) in messages
    assert listed(gestionnaire, depot="bientot")[0] == numbers(issued.filter(kind="CCP"))
    assert listed(gestionnaire, depot="retard")[0] == []


def test_the_list_says_which_certificates_are_overdue(gestionnaire, issued, monkeypatch):
    issued_on = issued.first().issued_on
    on(monkeypatch, register.deposit_deadline(issued_on) + datetime.timedelta(days=1))
    shown, messages = listed(gestionnaire)
    changelist = reverse("admin:certificates_certificate_changelist")
    assert (
        "4 certificats ne sont pas déclarés à la Caisse des Dépôts alors que leur délivrance date de plus de trois "
        f'mois (Code du travail, art. R. 6113-17-2) : <a href="{changelist}?depot=retard">les voir et produire le '
        "registre</a>"
    ) in messages
    assert listed(gestionnaire, depot="retard")[0] == numbers(issued)
    page = gestionnaire.get(changelist).content.decode()
    assert f'<a href="{changelist}?depot=retard">les voir et produire le registre</a>' in page  # a link, not text

    run_action(gestionnaire, "register_csv", issued)
    _shown, messages = listed(gestionnaire)
    assert not [message for message in messages if "Caisse des Dépôts" in message]
