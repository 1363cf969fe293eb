from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from candidates.admin import SessionFilter

from .models import Grid, GridEvent, Signature


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SignatureInline(ReadOnlyInline):
    model = Signature
    fields = ["member", "signed_at", "digest"]
    readonly_fields = fields


class GridEventInline(ReadOnlyInline):
    model = GridEvent
    fields = ["at", "action", "revision", "user"]
    readonly_fields = fields
    verbose_name_plural = _("historique")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    """Grids are written by the jury on their screens only: administrators follow them here, read-only."""

    list_display = ["exam", "exam__session", "status", "revision", "submitted_at", "signed_at"]
    list_filter = ["status", ("exam__session", SessionFilter), "exam__session__certification__code"]
    list_select_related = ["exam__candidate", "exam__bloc", "exam__session__certification"]
    search_fields = ["exam__candidate__last_name", "exam__candidate__first_name"]
    date_hierarchy = "exam__scheduled_at"
    fields = ["exam", "status", "revision", "submitted_at", "signed_at", "digest", "updated_at"]
    readonly_fields = fields
    inlines = [SignatureInline, GridEventInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
