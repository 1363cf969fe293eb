"""Security settings, headers, CSRF, login throttling, passwords and sessions, tried against the system."""

import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from candidates.demo import PASSWORD
from evaluations.models import Grid
from tests.evaluations.conftest import exam_of

pytestmark = pytest.mark.django_db


def test_deploy_check_is_clean_with_production_settings():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cqp_site.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x7Qp2-production-like-secret-key-that-is-long-and-random-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "certification.example.fr",
        "DATABASE_URL": "sqlite:///:memory:",
        "TSA_URL": "https://horodatage.example.fr/tsa",  # production signs PAdES B-LTA (certificates.W009 otherwise)
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Without a time-stamping authority, the deployment check says so.
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**environment, "TSA_URL": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "(certificates.W009) TSA_URL n'est pas configuré" in result.stderr


def assert_security_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_every_page_carries_the_security_headers(client, demo_exams, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    anonymous = client.get(reverse("login"), secure=True)
    assert_security_headers(anonymous)
    assert anonymous["Strict-Transport-Security"].startswith("max-age=31536000")
    client.login(username="president", password=PASSWORD)
    grid = client.get(reverse("evaluations:grid", kwargs={"pk": exam_of("Martin", "GRU").pk}), secure=True)
    assert_security_headers(grid)
    assert "no-store" in grid["Cache-Control"] and "private" in grid["Cache-Control"]


def post_views(exam, deliberation_pk=1, file_pk=1):
    return [
        reverse("login"),
        reverse("logout"),
        reverse("evaluations:grid", kwargs={"pk": exam.pk}),
        reverse("evaluations:preview", kwargs={"pk": exam.pk}),
        reverse("evaluations:sign", kwargs={"pk": exam.pk}),
        reverse("evaluations:reopen", kwargs={"pk": exam.pk}),
        reverse("evaluations:add_files", kwargs={"pk": deliberation_pk}),
        reverse("evaluations:candidate_file", kwargs={"pk": deliberation_pk, "file_pk": file_pk}),
        reverse("evaluations:sign_deliberation", kwargs={"pk": deliberation_pk}),
        reverse("admin:candidates_candidate_add"),
    ]


def test_every_form_refuses_a_post_without_its_csrf_token(demo_exams):
    exam = exam_of("Martin", "GRU")
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="president"))
    for url in post_views(exam):
        response = client.post(url, {"revision": 0, "password": PASSWORD})
        assert response.status_code == 403, url
    assert not Grid.objects.exists()
    # With the token the page gives, the same save goes through.
    page = client.get(reverse("evaluations:grid", kwargs={"pk": exam.pk}))
    token = page.context["csrf_token"]
    saved = client.post(
        reverse("evaluations:grid", kwargs={"pk": exam.pk}), {"revision": 0, "csrfmiddlewaretoken": token}
    )
    assert saved.status_code == 302


@pytest.fixture
def axes_on(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def test_passwords_long_ones_accepted_common_ones_refused(db):
    validate_password("une phrase de passe de soixante-quatre caractères, très longue !!" * 1)
    with pytest.raises(ValidationError, match="trop courant"):
        validate_password("password1234")
    with pytest.raises(ValidationError):
        validate_password("court")


def test_production_hashes_passwords_with_a_slow_hash():
    from cqp_site import settings as production

    assert not hasattr(production, "PASSWORD_HASHERS")  # Django's default: PBKDF2-SHA256 first
    from django.conf import global_settings

    assert global_settings.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")


def test_logout_ends_the_session_on_the_server(client, demo_exams):
    client.login(username="president", password=PASSWORD)
    key = client.session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("evaluations:jury_home")).status_code == 302


def test_login_failures_are_logged_without_personal_data(client, demo_exams, axes_on, caplog):
    caplog.set_level("INFO")
    client.post(
        reverse("login"),
        {"username": "president", "password": "wrong"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="NavigateurDeTest",
    )
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "AXES: New login failure" in logged
    for personal in ("president", "203.0.113.7", "NavigateurDeTest", "wrong"):
        assert personal not in logged
