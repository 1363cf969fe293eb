"""The outbox, read-only: what was sent to whom, what waits, what failed and why. A candidate's, an exam's or
a deliberation's messages: search their topic ("exam:12") or filter by id (`?exam_id=12`)."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("to", "subject", "kind", "status", "attempts", "last_error", "created_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to", "=topic")
    date_hierarchy = "created_at"
    actions = ["resend"]
    list_per_page = 100
    show_full_result_count = False  # a count of millions of rows for each page is a waste
    fields = (
        ("to", "kind", "status"),
        ("attempts", "next_attempt_at", "sent_at"),
        "last_error",
        "subject",
        "rendered_text",
        "attachment_names",
        ("topic", "candidate_id", "exam_id", "deliberation_id"),
        ("message_id", "created_at"),
    )
    readonly_fields = fields[0] + fields[1] + ("last_error", "subject", "rendered_text", "attachment_names")
    readonly_fields += fields[6] + fields[7]

    @admin.display(description=_("texte"))
    def rendered_text(self, message):
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', message.text)

    @admin.display(description=_("pièces jointes"))
    def attachment_names(self, message):
        return ", ".join(attachment["filename"] for attachment in message.attachments) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("outbox.change_message")

    @admin.action(description=_("Renvoyer"), permissions=["resend"])
    def resend(self, request, queryset):
        count = services.resend(queryset)
        if not count:
            self.message_user(request, _("Aucun message en échec dans la sélection."), messages.WARNING)
            return
        self.message_user(
            request,
            ngettext("%d message remis en attente d’envoi.", "%d messages remis en attente d’envoi.", count) % count,
            messages.SUCCESS,
        )
