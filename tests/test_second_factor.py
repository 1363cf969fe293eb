"""The optional second factor (TOTP, django-otp) of administrators and deliberation presidents."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from candidates.demo import PASSWORD
from tests.evaluations.test_deliberations import user

pytestmark = pytest.mark.django_db


def current_code(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


@pytest.fixture
def protected(demo_exams):
    return TOTPDevice.objects.create(user=user("gestionnaire"), name="Téléphone", confirmed=True)


def test_an_account_with_a_device_reaches_nothing_before_its_code(client, protected, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows down retries after a wrong code; not this test's subject
    client.login(username="gestionnaire", password=PASSWORD)
    for url in (reverse("admin:index"), reverse("admin:candidates_candidate_changelist"), reverse("home")):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"{reverse('login_code')}?next={url}")
    wrong = client.post(reverse("login_code"), {"code": "000000" if current_code(protected) != "000000" else "111111"})
    assert "Code incorrect ou déjà utilisé." in wrong.content.decode()
    url = reverse("admin:candidates_candidate_changelist")
    ok = client.post(reverse("login_code"), {"code": current_code(protected), "next": url})
    assert (ok.status_code, ok["Location"]) == (302, url)
    assert client.get(url).status_code == 200


def test_a_code_is_used_once(client, protected):
    code = current_code(protected)
    client.login(username="gestionnaire", password=PASSWORD)
    assert client.post(reverse("login_code"), {"code": code}).status_code == 302
    client.post(reverse("logout"))
    client.login(username="gestionnaire", password=PASSWORD)
    replay = client.post(reverse("login_code"), {"code": code})
    assert "Code incorrect ou déjà utilisé." in replay.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_code_page_sends_nowhere_outside_the_site(client, protected):
    client.login(username="gestionnaire", password=PASSWORD)
    response = client.post(
        reverse("login_code"), {"code": current_code(protected), "next": "https://ailleurs.example/"}
    )
    assert response["Location"] == reverse("home")


def test_accounts_without_a_device_are_not_asked(client, protected):
    client.login(username="president", password=PASSWORD)
    assert client.get(reverse("evaluations:jury_home")).status_code == 200
