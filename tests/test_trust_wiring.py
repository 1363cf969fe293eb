"""The site as it starts: every ModelAdmin guarded against hostile parameters, django-otp's device admin
answering 404 for an unknown device, and the outage page as the handler of server errors.

Checked in a fresh process: the other tests may have guarded the admin themselves."""

import os
import subprocess
import sys

CHECK = """
import django
django.setup()
from django.contrib import admin
from django.urls import get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice
from cqp_site import admin_guards, otp_admin, outage
get_resolver().url_patterns  # what the first request does: the admins are guarded as the URLs are read
print("guarded" if admin_guards.is_guarded(admin.site) else "not guarded")
print("otp" if isinstance(admin.site._registry[TOTPDevice], otp_admin.TOTPDeviceAdmin) else "not otp")
print("outage" if get_resolver().resolve_error_handler(500) is outage.server_error else "not outage")
"""


def test_the_site_starts_guarded_and_with_the_outage_page():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run([sys.executable, "-c", CHECK], env=environment, capture_output=True, text=True)
    assert result.stdout.split("\n")[:3] == ["guarded", "otp", "outage"], result.stdout + result.stderr
