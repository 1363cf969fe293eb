"""Issue 17: candidates, tutors and managers get an account from the admin and an invitation to choose their
password (a link that works once, never a password by mail); the account's username is their address. Once
the password chosen, each lands on their own space."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from candidates.models import Candidate, Person
from outbox.models import Message
from tests.test_accounts_mail import LINK, NEW_PASSWORD, set_password

pytestmark = pytest.mark.django_db

User = get_user_model()


def invite(client, model, records, capture):
    client.force_login(User.objects.get(username="gestionnaire"))
    changelist = reverse(f"admin:candidates_{model}_changelist")
    with capture(execute=True):
        return client.post(
            changelist,
            {"action": "invite_to_space", "_selected_action": [record.pk for record in records]},
            follow=True,
        )


def test_a_candidate_without_account_is_invited_and_lands_on_their_space(
    client, demo_exams, django_capture_on_commit_callbacks
):
    manon = Candidate.objects.get(last_name="Perrin")
    assert manon.user is None
    response = invite(client, "candidate", [manon], django_capture_on_commit_callbacks)
    assert "Invitation envoyée à 1 personne : Manon Perrin." in response.content.decode()
    manon.refresh_from_db()
    assert (manon.user.username, manon.user.email, manon.user.has_usable_password()) == (
        manon.email,
        manon.email,
        False,
    )
    message = Message.objects.get(kind="invitation")
    assert message.to == manon.email
    assert f"Votre identifiant : {manon.email}" in message.text
    assert "mot de passe" in message.text and NEW_PASSWORD not in message.text

    client.logout()
    set_password(client, LINK.search(message.text).group(1), NEW_PASSWORD)
    assert client.login(username=manon.email, password=NEW_PASSWORD)
    assert client.get(reverse("home"))["Location"] == reverse("spaces:candidate_home")


def test_a_candidate_without_address_is_named_and_nothing_is_created(
    client, demo_exams, django_capture_on_commit_callbacks
):
    manon = Candidate.objects.get(last_name="Perrin")
    Candidate.objects.filter(pk=manon.pk).update(email="")
    accounts = User.objects.count()
    response = invite(client, "candidate", [manon], django_capture_on_commit_callbacks)
    assert (
        "Aucune invitation, faute d&#x27;adresse électronique utilisable (vide, ou déjà celle d&#x27;un autre "
        "compte) : Manon Perrin." in response.content.decode()
    )
    assert User.objects.count() == accounts
    assert not Message.objects.exists()


def test_a_tutor_is_invited_and_lands_on_the_candidates_they_follow(
    client, demo_exams, django_capture_on_commit_callbacks
):
    ines = Person.objects.get(last_name="Blanc")  # Hugo Lambert's and Yanis Robert's tutor, no account yet
    response = invite(client, "person", [ines], django_capture_on_commit_callbacks)
    assert "Invitation envoyée à 1 personne : Inès Blanc." in response.content.decode()
    message = Message.objects.get(kind="invitation")
    client.logout()
    set_password(client, re.search(LINK, message.text).group(1), NEW_PASSWORD)
    assert client.login(username=ines.email, password=NEW_PASSWORD)
    assert client.get(reverse("home"))["Location"] == reverse("spaces:companion_home")


def test_someone_who_has_an_account_is_invited_again_on_the_same_one(
    client, demo_exams, django_capture_on_commit_callbacks
):
    lea = Candidate.objects.get(last_name="Martin")
    before = lea.user_id
    invite(client, "candidate", [lea], django_capture_on_commit_callbacks)
    lea.refresh_from_db()
    assert lea.user_id == before
    assert Message.objects.get(kind="invitation").to == lea.user.email
