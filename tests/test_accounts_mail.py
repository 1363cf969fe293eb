"""Passwords by mail: the reset an account asks for at the login page and the invitation an administrator
sends, both through the outbox, both a link to Django's confirmation that works once, never a password."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from outbox.models import Message

pytestmark = pytest.mark.django_db

User = get_user_model()

OLD_PASSWORD = "ancien-Secret-de-Marie-42"
NEW_PASSWORD = "Rillettes-du-Mans-1907"
SITE_URL = "https://certification.example.fr"  # tests/settings.py
LINK = re.compile(re.escape(SITE_URL) + r"(/mot-de-passe/nouveau/[^/\s]+/[^/\s]+/)")
SAME_ANSWER = (
    "Si un compte actif correspond à cette adresse, un message vient de lui être envoyé avec un lien pour "
    "choisir un nouveau mot de passe. Le lien ne sert qu'une fois et reste valable 3 jours."
)
USED_LINK = "Ce lien n'est plus valable : il a déjà servi, ou son délai est passé."


@pytest.fixture
def marie():
    return User.objects.create_user(
        "marie.dupont", "marie.dupont@example.fr", OLD_PASSWORD, first_name="Marie", last_name="Dupont"
    )


def ask_reset(client, address, capture):
    with capture(execute=True):
        return client.post(reverse("password_reset"), {"email": address}, follow=True)


def link_in(text):
    return LINK.search(text).group(1)


def set_password(client, link, password):
    """Follows the link (Django moves the token into the session) and posts the password twice."""
    response = client.get(link)
    assert response.status_code == 302
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


def logs_in(username, password):
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_the_login_page_links_to_the_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert '<a class="btn btn-link" href="/mot-de-passe/oublie/">Mot de passe oublié ?</a>' in html


def test_a_forgotten_password_is_reset_through_a_link_that_works_once(
    client, marie, mailoutbox, django_capture_on_commit_callbacks
):
    elsewhere = Client()
    elsewhere.force_login(marie)

    response = ask_reset(client, "Marie.Dupont@example.fr", django_capture_on_commit_callbacks)
    assert response.redirect_chain == [("/mot-de-passe/oublie/envoye/", 302)]
    assert SAME_ANSWER in response.content.decode()

    message = Message.objects.get()
    assert (message.kind, message.to, message.status) == ("password_reset", "marie.dupont@example.fr", "sent")
    assert message.subject == "Réinitialisation de votre mot de passe — Certification CQP Ucanss"
    [mail] = mailoutbox
    assert (mail.to, mail.subject) == (["marie.dupont@example.fr"], message.subject)
    assert mail.body == message.text
    link = link_in(mail.body)
    assert mail.body.startswith("Bonjour Marie Dupont,\n\n")
    assert "(identifiant : marie.dupont)" in mail.body
    assert "Le lien ne sert qu'une fois et reste valable 3 jours." in mail.body

    response = client.get(client.get(link)["Location"])
    assert "Choisir un mot de passe" in response.content.decode()
    response = set_password(client, link, NEW_PASSWORD)
    assert response["Location"] == "/mot-de-passe/nouveau/fait/"
    assert "Mot de passe enregistré" in client.get(response["Location"]).content.decode()
    assert [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(marie.pk)] == []

    assert logs_in("marie.dupont", NEW_PASSWORD)
    assert not logs_in("marie.dupont", OLD_PASSWORD)
    assert elsewhere.get(reverse("home"))["Location"] == "/connexion/?next=/"  # the other browser's session ended

    response = client.get(link)
    assert (response.status_code, USED_LINK in response.content.decode()) == (200, True)
    assert NEW_PASSWORD not in mail.body and OLD_PASSWORD not in mail.body


def test_an_unknown_address_reads_the_same_answer(client, marie, mailoutbox, django_capture_on_commit_callbacks):
    known = ask_reset(client, "marie.dupont@example.fr", django_capture_on_commit_callbacks)
    unknown = ask_reset(Client(), "personne@example.fr", django_capture_on_commit_callbacks)
    assert unknown.redirect_chain == known.redirect_chain == [("/mot-de-passe/oublie/envoye/", 302)]
    assert SAME_ANSWER in unknown.content.decode()
    assert [mail.to for mail in mailoutbox] == [["marie.dupont@example.fr"]]


def test_asking_again_within_five_minutes_sends_no_second_mail(
    client, marie, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(3):
        answer = ask_reset(client, "marie.dupont@example.fr", django_capture_on_commit_callbacks)
        assert SAME_ANSWER in answer.content.decode()
    assert [mail.to for mail in mailoutbox] == [["marie.dupont@example.fr"]]
    Message.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=6))
    ask_reset(client, "marie.dupont@example.fr", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_inactive_and_passwordless_accounts_get_no_reset(client, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.create_user("ancien", "ancien@example.fr", OLD_PASSWORD, is_active=False)
    User.objects.create_user("nouveau", "nouveau@example.fr")  # no password yet: an invitation's work
    for address in ("ancien@example.fr", "nouveau@example.fr"):
        response = ask_reset(client, address, django_capture_on_commit_callbacks)
        assert SAME_ANSWER in response.content.decode()
    assert (Message.objects.count(), mailoutbox) == (0, [])


def test_a_weak_password_is_refused_in_french(client, marie, mailoutbox, django_capture_on_commit_callbacks):
    ask_reset(client, marie.email, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0].body)
    response = set_password(client, link, "motdepasse12")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce mot de passe est trop courant." in html
    response = client.post(response.wsgi_request.path, {"new_password1": "court1", "new_password2": "court1"})
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in response.content.decode()
    marie.refresh_from_db()
    assert marie.check_password(OLD_PASSWORD)


def test_a_reset_lifts_the_lockout_of_the_account(
    client, marie, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        assert not logs_in("marie.dupont", "pas-le-bon-mot-de-passe")
    assert not logs_in("marie.dupont", OLD_PASSWORD)  # locked

    ask_reset(client, marie.email, django_capture_on_commit_callbacks)
    set_password(client, link_in(mailoutbox[0].body), NEW_PASSWORD)
    assert logs_in("marie.dupont", NEW_PASSWORD)


# --- Invitations ------------------------------------------------------------------------------------


@pytest.fixture
def newcomers():
    return [
        User.objects.create_user("claire.martin", "claire.martin@example.fr", first_name="Claire", last_name="Martin"),
        User.objects.create_user("paul.leroy", "paul.leroy@example.fr", OLD_PASSWORD),
        User.objects.create_user("sans.adresse"),
        User.objects.create_user("parti", "parti@example.fr", is_active=False),
    ]


def invite_in_admin(admin_client, users, capture):
    with capture(execute=True):
        return admin_client.post(
            reverse("admin:auth_user_changelist"),
            {"action": "send_invitations", "_selected_action": [user.pk for user in users]},
            follow=True,
        )


def test_the_invitation_action_sends_one_message_per_account_with_an_address(
    admin_client, newcomers, mailoutbox, django_capture_on_commit_callbacks
):
    response = invite_in_admin(admin_client, newcomers, django_capture_on_commit_callbacks)
    assert [str(message) for message in response.context["messages"]] == [
        "Invitation envoyée à 2 comptes : claire.martin, paul.leroy.",
        "Aucune invitation, faute d'adresse électronique : sans.adresse.",
        "Aucune invitation, compte désactivé : parti.",
    ]
    assert list(Message.objects.order_by("to").values_list("kind", "to", "status")) == [
        ("invitation", "claire.martin@example.fr", "sent"),
        ("invitation", "paul.leroy@example.fr", "sent"),
    ]
    mail = next(mail for mail in mailoutbox if mail.to == ["claire.martin@example.fr"])
    assert mail.subject == "Votre compte sur la plateforme de certification CQP Ucanss"
    assert mail.body.startswith("Bonjour Claire Martin,\n\nUn compte vous a été ouvert")
    assert "Votre identifiant : claire.martin" in mail.body
    assert "Le lien ne sert qu'une fois et reste valable 3 jours." in mail.body
    assert all(OLD_PASSWORD not in mail.body for mail in mailoutbox)

    # The account without a password chooses one through the link, then logs in with it.
    client = Client()
    set_password(client, link_in(mail.body), NEW_PASSWORD)
    assert logs_in("claire.martin", NEW_PASSWORD)
    assert USED_LINK in client.get(link_in(mail.body)).content.decode()


def test_inviting_reads_the_accounts_once_and_writes_the_messages_at_once(newcomers, django_assert_num_queries):
    with django_assert_num_queries(2):  # the accounts; one INSERT of the messages
        invited, without_address, inactive = services.invite(User.objects.order_by("username"))
    assert [user.username for user in invited] == ["claire.martin", "paul.leroy"]


def test_an_account_created_without_password_is_invited(admin_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:auth_user_add"),
            {"username": "lea.roux", "email": "lea.roux@example.fr", "usable_password": "false"},
            follow=True,
        )
    assert "Invitation envoyée à 1 compte : lea.roux." in [str(message) for message in response.context["messages"]]
    assert not User.objects.get(username="lea.roux").has_usable_password()
    [mail] = mailoutbox
    assert mail.to == ["lea.roux@example.fr"] and Message.objects.get().kind == "invitation"
