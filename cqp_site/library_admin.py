"""django-otp's admin page of TOTP devices, in French: its titles and help texts are plain English
strings in the library, which no catalog translates. The site's own TOTP admin (cqp_site/otp_admin.py)
builds on this one."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin

SECTIONS = {
    "Identity": _("Identité"),
    "Timestamps": _("Dates"),
    "Configuration": _("Configuration"),
    "State": _("État"),
    "Throttling": _("Limitation des essais"),
}

HELP_TEXTS = {
    "user": _("Le compte qui utilise cet appareil."),
    "name": _("Un nom pour reconnaître l'appareil."),
    "confirmed": _("L'appareil est prêt à servir."),
    "key": _("Clé secrète en hexadécimal, 40 octets au plus."),
    "step": _("La durée de validité d'un code, en secondes."),
    "t0": _("L'instant (temps Unix) à partir duquel les pas sont comptés."),
    "digits": _("Le nombre de chiffres d'un code."),
    "tolerance": _("Le nombre de pas acceptés avant ou après l'heure exacte."),
    "drift": _("Le décalage connu, en pas, entre l'horloge de l'appareil et celle du serveur."),
    "throttling_failure_timestamp": _("Le dernier code erroné ; vide si le dernier code était juste."),
    "throttling_failure_count": _("Le nombre de codes erronés successifs."),
}

# Read-only dates, shown without the library's English help texts.
DATES = {"created_at": "created", "last_used_at": "last_used"}


class FrenchTOTPDeviceAdmin(TOTPDeviceAdmin):
    readonly_fields = ["created", "last_used", "qrcode_link"]
    search_help_text = _("Recherche par identifiant ou adresse électronique du compte.")

    def get_fieldsets(self, request, obj=None):
        return [
            (
                SECTIONS.get(title, title),
                {**options, "fields": [DATES.get(name, name) for name in options["fields"]]},
            )
            for title, options in super().get_fieldsets(request, obj)
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        for name, help_text in HELP_TEXTS.items():
            if name in form.base_fields:
                form.base_fields[name].help_text = help_text
        return form

    @admin.display(description=_("créé le"))
    def created(self, device):
        return device.created_at

    @admin.display(description=_("dernière utilisation le"))
    def last_used(self, device):
        return device.last_used_at
