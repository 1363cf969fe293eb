from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import services

User = get_user_model()


def names(users):
    return ", ".join(user.get_username() for user in users)


class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin (the superuser's), with invitations: an account receives a link to choose its
    own password, never a password by mail."""

    actions = ["send_invitations"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
                "description": _(
                    "Avec une adresse électronique et l'authentification par mot de passe désactivée, le compte "
                    "reçoit une invitation à choisir son mot de passe."
                ),
            },
        ),
    )

    @admin.action(description=_("Envoyer une invitation"), permissions=["change"])
    def send_invitations(self, request, queryset):
        self.report_invitations(request, *services.invite(queryset.order_by("username")))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.email and not obj.has_usable_password():
            self.report_invitations(request, *services.invite([obj]))

    def report_invitations(self, request, invited, without_address, inactive):
        if invited:
            self.message_user(
                request,
                ngettext(
                    "Invitation envoyée à %(count)d compte : %(names)s.",
                    "Invitation envoyée à %(count)d comptes : %(names)s.",
                    len(invited),
                )
                % {"count": len(invited), "names": names(invited)},
                messages.SUCCESS,
            )
        if without_address:
            self.message_user(
                request,
                _("Aucune invitation, faute d'adresse électronique : %(names)s.") % {"names": names(without_address)},
                messages.WARNING,
            )
        if inactive:
            self.message_user(
                request,
                _("Aucune invitation, compte désactivé : %(names)s.") % {"names": names(inactive)},
                messages.WARNING,
            )


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
