"""Finding a certificate by its number needs its holder's whole name or birth date, and each client
address has 20 lookups (and unknown codes) per 10 minutes: numbers follow each other, so anything less
lets anyone list the holders."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import Certificate

ADDRESS, OTHER_ADDRESS = "203.0.113.7", "203.0.113.8"


@pytest.fixture
def certificate(spring, fresh_rate_limits):
    """Léa Martin's CCP GRU (born 17/04/1992, printed « Léa MARTIN »); no attempt counted yet from the addresses."""
    services.number_certificates(spring)
    return Certificate.objects.select_related("candidate").get(bloc__code="GRU")


def lookup(client, address=ADDRESS, **query):
    return client.get(reverse("certificates:lookup"), query, REMOTE_ADDR=address)


def found(response, certificate):
    return response.status_code == 302 and response.url == reverse(
        "certificates:verify", kwargs={"code": certificate.code}
    )


@pytest.mark.parametrize("holder", ["Léa MARTIN", "martin lea", "  LEA   Martin ", "MARTIN, Léa"])
def test_the_whole_name_in_any_order_finds_the_certificate(client, certificate, holder):
    assert certificate.holder_name == "Léa MARTIN"
    assert found(lookup(client, number=certificate.number.lower(), holder=holder), certificate)


@pytest.mark.parametrize("holder", ["Martin", "Léa", "martin lea dupont", "Léa MARTINE", "Dupont"])
def test_a_part_of_the_name_finds_nothing(client, certificate, holder):
    response = lookup(client, number=certificate.number, holder=holder)
    assert response.status_code == 404 and "Certificat introuvable." in response.content.decode()


def test_the_number_and_birth_date_find_the_certificate(client, certificate):
    born = certificate.candidate.birth_date
    assert found(lookup(client, number=certificate.number, birth_date=born.isoformat()), certificate)
    assert found(lookup(client, number=certificate.number, birth_date=born.strftime("%d/%m/%Y")), certificate)
    wrong_day = born.replace(day=born.day % 28 + 1).isoformat()
    assert lookup(client, number=certificate.number, birth_date=wrong_day).status_code == 404
    # Every fact given must be the holder's.
    both = {"number": certificate.number, "birth_date": born.isoformat()}
    assert lookup(client, holder="Léa DUPONT", **both).status_code == 404
    assert found(lookup(client, holder="lea martin", **both), certificate)


def test_a_number_alone_is_not_enough(client, certificate):
    response = lookup(client, number=certificate.number)
    assert response.status_code == 400
    assert "Indiquez le nom complet du titulaire ou sa date de naissance." in response.content.decode()


def test_the_21st_lookup_from_one_address_is_refused_for_a_while(client, certificate):
    for attempt in range(20):
        assert lookup(client, number=f"CCP-GC-2026-{attempt:06d}", holder="Léa MARTIN").status_code in (302, 404)
    refused = lookup(client, number=certificate.number, holder="Léa MARTIN")
    assert refused.status_code == 429
    assert "Trop de vérifications depuis votre adresse : réessayez dans" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 600
    assert found(lookup(client, OTHER_ADDRESS, number=certificate.number, holder="Léa MARTIN"), certificate)


def test_unknown_codes_count_as_lookups_and_known_ones_are_always_shown(client, certificate):
    for attempt in range(20):
        response = client.get(f"/verifier/{'A' * 21}{attempt % 10}/", REMOTE_ADDR=ADDRESS)
        assert response.status_code == 404
    refused = client.get(f"/verifier/{'B' * 22}/", REMOTE_ADDR=ADDRESS)
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert lookup(client, number=certificate.number, holder="Léa MARTIN").status_code == 429
    shown = client.get(reverse("certificates:verify", kwargs={"code": certificate.code}), REMOTE_ADDR=ADDRESS)
    assert shown.status_code == 200 and "Certificat valide" in shown.content.decode()


def test_behind_a_proxy_each_client_counts_alone(client, certificate, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for attempt in range(21):
        response = client.get(
            reverse("certificates:lookup"),
            {"number": f"CCP-GC-2026-{attempt:06d}", "holder": "x"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"198.51.100.9, {ADDRESS}",
        )
    assert response.status_code == 429
    other_client = client.get(
        reverse("certificates:lookup"),
        {"number": certificate.number, "holder": "Léa Martin"},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR=OTHER_ADDRESS,
    )
    assert found(other_client, certificate)
