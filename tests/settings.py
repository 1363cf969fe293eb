"""Settings for the test suite: the project's own, with a test secret and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-secret-key-not-for-any-deployment")

from cqp_site.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
