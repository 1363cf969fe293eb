"""Settings for the test suite: the project's own, with a test secret and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-not-for-any-deployment")

from cqp_site.settings import *  # noqa: E402,F403

HTTPS = SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False  # the test client speaks HTTP
SECURE_HSTS_SECONDS = 0

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# Tasks run at once, in the test's own process (a test of the RQ backend overrides it).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Files the suite writes (certificates, their signing key) go to a directory of its own.
TEST_FILES = Path(tempfile.mkdtemp(prefix="cqp-tests-"))
MEDIA_ROOT = TEST_FILES / "media"
CERTIFICATE_P12_PATH = TEST_FILES / "signing" / "test.p12"
CERTIFICATE_P12_PASSPHRASE = "test-suite-passphrase"
SITE_URL = "https://certification.example.fr"

# The test client's login() gives no request, which django-axes needs: tests of login throttling put
# axes back (tests/test_security.py); the others log in with Django's own backend.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]

STATIC_ROOT = TEST_FILES / "static"  # WhiteNoise looks there; the suite serves from the apps' folders
STATIC_ROOT.mkdir()
# Static files as found in the apps' folders: no collectstatic for the suite (the production test runs it).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# On SQLite the test database is a file, so that the processes a test starts (the task worker) see it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(TEST_FILES / "test.sqlite3")}  # noqa: F405
