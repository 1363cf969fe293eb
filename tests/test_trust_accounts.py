"""Attacks on accounts, tried against the system: passwords guessed at the signature, lockouts as denial
of service, addresses forged, second factors that miss open sessions, common French passwords, and what
is kept of failed logins."""

import datetime
import gzip
import io

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from candidates.demo import PASSWORD
from cqp_site import passwords
from cqp_site.management.commands import purge_login_attempts, unlock_account
from cqp_site.security import LOCKED_OUT_MESSAGE, client_ip_address
from evaluations import services
from evaluations.models import Deliberation, DeliberationStatus, Signature
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user
from tests.evaluations.test_services import all_validated

pytestmark = pytest.mark.django_db

WRONG_LOGIN = "Saisissez un nom d’utilisateur et un mot de passe valides."


@pytest.fixture(autouse=True)
def axes_on(settings):
    """django-axes back in the login (tests/settings.py takes it out for the other tests)."""
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def log_in(username, password, **address):
    """A login from a fresh browser; True when it went through."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, **address)
    assert response.status_code == 302 or WRONG_LOGIN in response.content.decode()
    return "_auth_user_id" in client.session


def messages_of(response):
    """The messages the page after a redirect shows."""
    return [str(message) for message in response.context["messages"]]


def member(username, **address):
    client = Client(**address)
    client.force_login(user(username))
    return client


# --- 8. The password re-entered to sign is no oracle ---------------------------------------------------


@pytest.fixture
def submitted_grid(demo_exams):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    services.submit_grid(exam, user("president"))
    return exam


def sign_grid(client, exam, password):
    return client.post(reverse("evaluations:sign", kwargs={"pk": exam.pk}), {"password": password}, follow=True)


def test_wrong_signature_passwords_count_with_the_logins_and_lock_the_account(submitted_grid):
    address = {"REMOTE_ADDR": "192.0.2.10"}
    president = member("president", **address)
    for _attempt in range(3):
        assert not log_in("president", "devine", **address)
    for _attempt in range(2):
        assert messages_of(sign_grid(president, submitted_grid, "devine")) == [
            "Mot de passe incorrect : la grille n'est pas signée."
        ]
    # Five failures: the right password no longer signs, nor logs in from there.
    assert messages_of(sign_grid(president, submitted_grid, PASSWORD)) == [str(LOCKED_OUT_MESSAGE)]
    assert str(LOCKED_OUT_MESSAGE) == (
        "Trop de mots de passe erronés : votre compte est bloqué pendant une heure. "
        "Un administrateur peut le débloquer."
    )
    assert not Signature.objects.exists()
    assert not log_in("president", PASSWORD, **address)
    # The other member of the jury signs as before.
    assert messages_of(sign_grid(member("jury.maladie", **address), submitted_grid, PASSWORD)) == [
        "Votre signature est enregistrée ; l'autre membre du jury doit signer."
    ]


def test_a_locked_president_cannot_sign_the_deliberation_even_with_the_password(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    president = member("jpn", REMOTE_ADDR="192.0.2.20")
    url = reverse("evaluations:sign_deliberation", kwargs={"pk": deliberation.pk})
    for _attempt in range(5):
        assert messages_of(president.post(url, {"password": "devine"}, follow=True)) == [
            "Mot de passe incorrect : la délibération n'est pas signée."
        ]
    assert messages_of(president.post(url, {"password": PASSWORD}, follow=True)) == [str(LOCKED_OUT_MESSAGE)]
    assert Deliberation.objects.get(pk=deliberation.pk).status != DeliberationStatus.SIGNED
    assert AccessAttempt.objects.get(username="jpn").failures_since_start == 5


# --- 14. A lockout is no denial of service; a way out -------------------------------------------------


def lock(username, address):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        assert not log_in(username, "devine", REMOTE_ADDR=address)


def test_five_failures_lock_the_account_from_their_address_only(demo_exams):
    lock("president", "192.0.2.30")
    assert not log_in("president", PASSWORD, REMOTE_ADDR="192.0.2.30")
    assert log_in("president", PASSWORD, REMOTE_ADDR="192.0.2.31")
    assert log_in("jury.maladie", PASSWORD, REMOTE_ADDR="192.0.2.30")


def test_failures_from_many_addresses_lock_the_account_everywhere_at_fifty(demo_exams):
    assert settings.AXES_FAILURE_LIMIT_PER_ACCOUNT == 50
    for attempt in range(49):
        assert not log_in("president", "devine", REMOTE_ADDR=f"198.51.100.{attempt}")
    assert log_in("president", PASSWORD, REMOTE_ADDR="203.0.113.1")
    assert not log_in("president", "devine", REMOTE_ADDR="198.51.100.200")
    assert not log_in("president", PASSWORD, REMOTE_ADDR="203.0.113.2")
    assert log_in("jury.maladie", PASSWORD, REMOTE_ADDR="203.0.113.2")


def test_a_forwarded_for_written_by_the_client_gives_no_fresh_address(demo_exams):
    for attempt in range(5):
        assert not log_in("president", "devine", REMOTE_ADDR="192.0.2.40", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")
    assert not log_in("president", PASSWORD, REMOTE_ADDR="192.0.2.40", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.40"}


def test_behind_our_proxy_the_address_it_appended_counts_not_the_clients_own(demo_exams, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for attempt in range(5):
        forged = f"10.0.0.{attempt}, 203.0.113.7"  # the client's own header, then what our proxy appended
        assert not log_in("president", "devine", HTTP_X_FORWARDED_FOR=forged, **proxy)
    assert not log_in("president", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99, 203.0.113.7", **proxy)
    assert log_in("president", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_an_address_is_read_from_the_proxy_only_when_there_is_one(settings):
    factory = RequestFactory()
    forwarded = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.7")
    assert client_ip_address(forwarded) == "127.0.0.1"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client_ip_address(forwarded) == "203.0.113.7"
    # Not through the proxy (no header), or a header that is no address: the connection's own.
    assert client_ip_address(factory.get("/", REMOTE_ADDR="192.0.2.50")) == "192.0.2.50"
    garbage = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="'; DROP TABLE")
    assert client_ip_address(garbage) == "127.0.0.1"
    settings.AXES_IPWARE_PROXY_COUNT = 2
    assert client_ip_address(forwarded) == "10.1.1.1"


def test_an_administrator_unlocks_an_account_from_the_admin(demo_exams, admin_client):
    lock("president", "192.0.2.60")
    attempts = list(AccessAttempt.objects.filter(username="president").values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert log_in("president", PASSWORD, REMOTE_ADDR="192.0.2.60")


def test_unlock_account_lifts_the_lock_from_every_address(demo_exams):
    lock("president", "192.0.2.70")
    lock("president", "192.0.2.71")
    output = io.StringIO()
    call_command(unlock_account.Command(), "president", stdout=output)
    assert output.getvalue() == "Compte « president » débloqué (2 enregistrements de tentatives échouées effacés).\n"
    assert log_in("president", PASSWORD, REMOTE_ADDR="192.0.2.70")
    assert log_in("president", PASSWORD, REMOTE_ADDR="192.0.2.71")
    with pytest.raises(CommandError, match="Aucun compte ne porte l'identifiant « inconnu »."):
        call_command(unlock_account.Command(), "inconnu")


# --- 9. A second factor reaches the sessions already open --------------------------------------------


def test_a_new_second_factor_ends_the_accounts_open_sessions(demo_exams):
    office, home, other = member("jpn"), member("jpn"), member("president")
    assert office.get(reverse("evaluations:deliberation_list")).status_code == 200
    TOTPDevice.objects.create(user=user("jpn"), name="Téléphone", confirmed=True)
    for client in (office, home):
        response = client.get(reverse("home"))
        assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/")
    assert other.get(reverse("evaluations:jury_home")).status_code == 200


def test_an_unconfirmed_device_ends_sessions_when_confirmed_and_routine_saves_end_nothing(demo_exams):
    client = member("jpn")
    device = TOTPDevice.objects.create(user=user("jpn"), name="Téléphone", confirmed=False)
    assert client.get(reverse("evaluations:deliberation_list")).status_code == 200
    device.confirmed = True
    device.save()
    assert client.get(reverse("evaluations:deliberation_list")).status_code == 302
    client = member("jpn")
    device.name = "Téléphone professionnel"
    device.save()  # as django-otp does after each code
    response = client.get(reverse("home"))  # the session stays: to the code page, not to the login
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login_code')}?next=/")


# --- 13. Common French passwords ---------------------------------------------------------------------


@pytest.mark.parametrize("password", ["motdepasse12", "azertyuiop12", "Marseille2024!", "doudou123456"])
def test_common_french_passwords_are_refused(password):
    with pytest.raises(ValidationError) as refusal:
        validate_password(password)
    assert refusal.value.messages == ["Ce mot de passe est trop courant."]


def test_django_s_own_list_still_applies_and_other_passwords_pass():
    with pytest.raises(ValidationError) as refusal:
        validate_password("qwerty123456")
    assert refusal.value.messages == ["Ce mot de passe est trop courant."]
    validate_password("marmotte-Vercors-42-ardoise")


def test_the_french_list_is_what_its_generator_writes():
    with gzip.open(passwords.LIST_PATH, "rt", encoding="utf-8") as file:
        shipped = file.read().splitlines()
    assert shipped == passwords.french_common_passwords()
    assert len(shipped) > 5000
    assert all(len(password) >= 12 and password == password.lower() for password in shipped)


# --- 17. What is kept of logins ---------------------------------------------------------------------


def test_purge_deletes_login_records_older_than_thirty_days_and_keeps_the_others(db):
    now = timezone.now()
    old, recent = now - datetime.timedelta(days=31), now - datetime.timedelta(days=29)
    fields = {"user_agent": "Navigateur", "ip_address": "192.0.2.80", "http_accept": "*/*", "path_info": "/"}
    for when, name in ((old, "ancien"), (recent, "recent")):
        AccessAttempt.objects.create(username=name, failures_since_start=1, **fields)
        AccessLog.objects.create(username=name, **fields)
        AccessFailureLog.objects.create(username=name, locked_out=False, **fields)
        for model in (AccessAttempt, AccessLog, AccessFailureLog):  # the time is set on creation: moved back
            model.objects.filter(username=name).update(attempt_time=when)
    output = io.StringIO()
    call_command(purge_login_attempts.Command(), stdout=output)
    assert output.getvalue() == (
        "Plus de 30 jours, effacés : tentatives échouées : 1, connexions : 1, échecs journalisés : 1.\n"
    )
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["recent"]
