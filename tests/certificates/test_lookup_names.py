"""The lookup by number and name takes the name as printed on the certificate, or as someone types it: first
name and surname in any order, case and accents ignored; the whole name, no more, no less; the number still
required."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from certificates import services
from certificates.models import Certificate
from certificates.views import is_same_name, name_words


@pytest.mark.parametrize(
    "typed",
    ["Léa MARTIN", "léa martin", "MARTIN Léa", "Martin Lea", "  LEA   martin ", "MARTIN, Léa", "martin\tléa"],
)
def test_the_name_as_printed_in_any_order_case_and_accents_ignored(typed):
    assert is_same_name(typed, "Léa MARTIN")


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Jean Pierre DUPONT", "Jean-Pierre DUPONT"),
        ("dupont jean-pierre", "Jean-Pierre DUPONT"),
        ("Laetitia Coeur", "Lætitia CŒUR"),
        ("Anaïs N'DIAYE", "Anais N'Diaye"),
        ("Zoé Ørsted", "Zoe ORSTED"),
        ("ÉLODIE Bénard", "Elodie BENARD"),
    ],
)
def test_hyphens_apostrophes_and_ligatures_read_as_typed(typed, printed):
    assert is_same_name(typed, printed)


@pytest.mark.parametrize("typed", ["Martin", "Léa", "Léa Martine", "Léa Martin Dupont", "Léo Martin", "", " , ", "-"])
def test_a_part_of_the_name_or_another_name_does_not_match(typed):
    assert not is_same_name(typed, "Léa MARTIN")


def test_the_words_of_a_name_are_sorted_plain_letters():
    assert name_words("MARTIN-DURAND, Léa Œnone") == ["durand", "lea", "martin", "oenone"]


# The lookup page --------------------------------------------------------------------------------------------


@pytest.fixture
def certificate(spring):
    """Léa Martin's CCP GRU, printed « Léa MARTIN »; no lookup counted yet."""
    services.number_certificates(spring)
    caches["default"].clear()
    return Certificate.objects.get(bloc__code="GRU")


def lookup(client, **query):
    return client.get(reverse("certificates:lookup"), query, REMOTE_ADDR="203.0.113.30")


@pytest.mark.parametrize("holder", ["léa martin", "MARTIN Léa", "Martin Lea"])
def test_the_lookup_finds_the_certificate_by_its_number_and_the_name_as_typed(client, certificate, holder):
    assert certificate.holder_name == "Léa MARTIN"
    response = lookup(client, number=certificate.number, holder=holder)
    assert (response.status_code, response.url) == (
        302,
        reverse("certificates:verify", kwargs={"code": certificate.code}),
    )


def test_the_name_alone_finds_nothing(client, certificate):
    response = lookup(client, holder="Léa MARTIN")
    assert response.status_code == 400 and response.context["form"].errors == {"number": ["Ce champ est obligatoire."]}


def test_the_name_of_another_holder_finds_nothing(client, certificate):
    response = lookup(client, number=certificate.number, holder="Martin Léo")
    assert response.status_code == 404 and "Certificat introuvable." in response.content.decode()
