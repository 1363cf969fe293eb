"""The public pages' rate limits (certificates/throttle.py, django-ratelimit): counted per client address, as
the login throttle reads it behind our proxies; the request past the limit reads a French page saying how long
to wait; another address is not affected."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from certificates import services, throttle
from certificates.models import Certificate

ADDRESS, OTHER_ADDRESS = "198.51.100.7", "198.51.100.8"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def no_counted_requests(fresh_rate_limits):
    pass


@pytest.fixture
def certificate(spring):
    services.number_certificates(spring)
    return Certificate.objects.get(bloc__code="GRU")


@pytest.fixture
def limits(settings):
    """Small limits, so that a test reaches them: 5 public requests, 3 guesses, 2 PDF checks per 10 minutes."""
    settings.CERTIFICATE_RATE_LIMITS = {
        throttle.PUBLIC: "5/10m",
        throttle.GUESSES: "3/10m",
        throttle.PDF_CHECKS: "2/10m",
    }
    return settings


def lookup(client, address=ADDRESS, **extra):
    query = {"number": "CCP-GC-2026-999999", "holder": "Léa MARTIN"}
    return client.get(reverse("certificates:lookup"), query, REMOTE_ADDR=address, **extra)


def refusal(response):
    """The 429 page's sentence, and the seconds Retry-After asks to wait."""
    content = response.content.decode()
    sentence = content[
        content.index('id="verdict">') + len('id="verdict">') : content.index("</div>", content.index('id="verdict"'))
    ]
    return sentence, int(response["Retry-After"])


def test_the_21st_lookup_of_an_address_reads_how_long_to_wait(client, db):
    for _attempt in range(20):
        assert lookup(client).status_code == 404
    refused = lookup(client)
    assert refused.status_code == 429
    sentence, wait = refusal(refused)
    minutes = -(-wait // 60)
    assert 0 < wait <= 600
    assert (
        sentence
        == f"Trop de vérifications depuis votre adresse : réessayez dans {minutes} minute{'s' if minutes > 1 else ''}."
    )
    assert (
        "une même adresse peut faire 20 recherches de certificat par période de 10 minutes" in refused.content.decode()
    )
    assert lookup(client, OTHER_ADDRESS).status_code == 404  # another address is not affected


def test_behind_our_proxy_the_forwarded_address_counts_and_a_forged_one_does_not(client, db, settings):
    """PROXY_COUNT=1: the address our proxy appended to X-Forwarded-For is the client's; what a client wrote
    before it is not read, so writing another each time gives no fresh counter."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    for attempt in range(20):
        forged = f"192.0.2.{attempt}, {ADDRESS}"
        assert lookup(client, PROXY, HTTP_X_FORWARDED_FOR=forged).status_code == 404
    assert lookup(client, PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ADDRESS}").status_code == 429
    # Another client behind the same proxy has its own counter.
    assert lookup(client, PROXY, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS).status_code == 404


def test_an_ipv6_client_counts_by_its_network(client, db, limits):
    for attempt in range(3):
        assert lookup(client, f"2001:db8:1:2::{attempt + 1}").status_code == 404
    assert lookup(client, "2001:db8:1:2:ffff::9").status_code == 429  # the same /64
    assert lookup(client, "2001:db8:1:3::1").status_code == 404  # another network


def test_known_codes_count_only_against_the_public_limit(client, certificate, limits):
    url = reverse("certificates:verify", kwargs={"code": certificate.code})
    for _attempt in range(5):
        assert client.get(url, REMOTE_ADDR=ADDRESS).status_code == 200
    refused = client.get(url, REMOTE_ADDR=ADDRESS)
    assert refused.status_code == 429
    assert (
        "une même adresse peut faire 5 recherches de certificat par période de 10 minutes" in refused.content.decode()
    )
    assert client.get(url, REMOTE_ADDR=OTHER_ADDRESS).status_code == 200


def test_unknown_codes_and_lookups_share_the_guesses(client, db, limits):
    assert client.get(f"/verifier/{'A' * 22}/", REMOTE_ADDR=ADDRESS).status_code == 404
    assert client.get(f"/verifier/{'B' * 22}/", REMOTE_ADDR=ADDRESS).status_code == 404
    assert lookup(client).status_code == 404
    assert lookup(client).status_code == 429
    assert client.get(f"/verifier/{'C' * 22}/", REMOTE_ADDR=ADDRESS).status_code == 429


def test_the_third_pdf_check_of_an_address_is_refused(client, db, limits):
    def check(address=ADDRESS):
        upload = SimpleUploadedFile("autre.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
        return client.post(reverse("certificates:lookup"), {"pdf": upload}, REMOTE_ADDR=address)

    assert [check().status_code for _attempt in range(2)] == [200, 200]
    refused = check()
    assert refused.status_code == 429
    assert (
        "une même adresse peut faire 2 recherches de certificat par période de 10 minutes" in refused.content.decode()
    )
    assert check(OTHER_ADDRESS).status_code == 200


def test_the_decorator_limits_any_public_view(db, limits):
    """`public_rate_limit`, for the other public views (credentials, status lists): its own counter per address."""

    @throttle.public_rate_limit
    def status_list(request):
        return HttpResponse("liste")

    factory = RequestFactory()
    answers = [status_list(factory.get("/statuts/", REMOTE_ADDR=ADDRESS)).status_code for _attempt in range(6)]
    assert answers == [200] * 5 + [429]
    assert status_list(factory.get("/statuts/", REMOTE_ADDR=OTHER_ADDRESS)).status_code == 200


def test_a_request_without_an_address_is_counted_not_failed(db, limits):
    @throttle.public_rate_limit
    def page(request):
        return HttpResponse("page")

    request = RequestFactory().get("/", REMOTE_ADDR="")
    assert throttle.client_key(throttle.PUBLIC, request) == "unknown"
    assert page(request).status_code == 200
