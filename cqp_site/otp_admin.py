"""The admin of TOTP devices (django-otp's), answering 404 for a device that does not exist.

django-otp's own pages « config » and « qrcode » read the device with `objects.get()`, which turns
an unknown id into a server error. Registered in place of django-otp's by `register()`, once its
admin module is loaded (`CertificationAdminConfig.ready()`, after the admin's autodiscovery)."""

from django.contrib import admin
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp.models import TOTPDevice

from .library_admin import FrenchTOTPDeviceAdmin


class TOTPDeviceAdmin(FrenchTOTPDeviceAdmin):
    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)


def register(site=None):
    """Puts this admin in place of django-otp's on the site (the default one); once is enough."""
    site = site or admin.site
    if isinstance(site._registry.get(TOTPDevice), TOTPDeviceAdmin):
        return
    if site.is_registered(TOTPDevice):
        site.unregister(TOTPDevice)
    site.register(TOTPDevice, TOTPDeviceAdmin)
