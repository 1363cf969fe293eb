"""The outbox, read-only: what was sent to whom, what waits, what failed and why. A candidate's, an exam's or
a deliberation's messages: search their topic ("exam:12") or filter by id (`?exam_id=12`).

Two pages beside the list, linked from it: « Aperçus des messages », every kind of message filled with demo data
(outbox/previews.py), and « Personnes sans adresse utilisable »: a missing or invalid address never blocks an
exam or a deliberation, the message is kept as not sendable, and the administrator finds here whom to ask for
an address."""

from csp.decorators import csp
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin

from . import previews, services
from .models import Message, MessageKind, MessageStatus

# An address shaped like one: something, one @, a domain with a dot, no space. The database tests it (a regular
# expression on PostgreSQL and on SQLite alike), so that the page reads only the rows it lists.
PLAUSIBLE_ADDRESS = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PER_PAGE = 50

# The HTML part of a preview is shown in a sandboxed frame of the admin: its own policy lets the mail's inline
# styles apply, and nothing else (no script, no request anywhere); only a page of this site may frame it.
MAIL_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["'self'"],
}


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

    # --- The pages beside the list ------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        mail = xframe_options_sameorigin(csp(MAIL_POLICY)(self.preview_html_view))
        return [
            path("apercus/", view(self.previews_view), name="outbox_message_previews"),
            path("apercus/<str:kind>/", view(self.preview_view), name="outbox_message_preview"),
            path("apercus/<str:kind>/html/", view(mail), name="outbox_message_preview_html"),
            path("sans-adresse/", view(self.without_address_view), name="outbox_message_without_address"),
            *super().get_urls(),
        ]

    def _check_view_permission(self, request):
        if not request.user.has_perm("outbox.view_message"):
            raise PermissionDenied

    def _page_context(self, request, title):
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta}

    def previews_view(self, request):
        self._check_view_permission(request)
        rows = [
            {"kind": kind, "label": kind.label, "subject": preview_message(kind).subject} for kind in previews.kinds()
        ]
        context = {**self._page_context(request, _("Aperçus des messages")), "rows": rows}
        return TemplateResponse(request, "admin/outbox/previews.html", context)

    def preview_view(self, request, kind):
        self._check_view_permission(request)
        kind = previewed_kind(kind)
        message = preview_message(kind)
        context = {
            **self._page_context(request, _("Aperçu : %(kind)s") % {"kind": kind.label}),
            "kind": kind,
            "message": message,
            "attachment_names": [attachment["filename"] for attachment in message.attachments],
        }
        return TemplateResponse(request, "admin/outbox/preview.html", context)

    def preview_html_view(self, request, kind):
        """The HTML part itself, the source of the preview page's sandboxed frame."""
        self._check_view_permission(request)
        return HttpResponse(preview_message(previewed_kind(kind)).html)

    def without_address_view(self, request):
        self._check_view_permission(request)
        sections = [
            section(request, "candidats", _("Candidats"), candidates_without_address(), "candidates", "candidate"),
            section(
                request,
                "personnes",
                _("Jurés, tuteurs, managers et formateurs"),
                people_without_address(),
                "candidates",
                "person",
            ),
            section(request, "adresses", _("Adresses refusées par la messagerie"), refused_addresses()),
        ]
        context = {**self._page_context(request, _("Personnes sans adresse utilisable")), "sections": sections}
        return TemplateResponse(request, "admin/outbox/without_address.html", context)


# --- Previews --------------------------------------------------------------------------------------------


def previewed_kind(kind):
    """The MessageKind of a URL's `kind`, if it has a preview; 404 otherwise."""
    if kind not in previews.kinds():
        raise Http404(_("Aucun aperçu pour ce type de message."))
    return MessageKind(kind)


def preview_message(kind) -> Message:
    """The message a preview's Draft would be written as (subject on one line, HTML part, attachments), by the
    outbox's own function: unsaved, never queued."""
    return services._message_of(previews.render(kind))


# --- People without a usable address ---------------------------------------------------------------------


def refused():
    return Message.objects.filter(status=MessageStatus.NOT_SENDABLE)


def candidates_without_address():
    """The candidates whose address is missing, not shaped like an address (PLAUSIBLE_ADDRESS), or refused by the
    outbox when a message was queued to it (Django's `validate_email`: `a@b..fr` is shaped like an address and
    refused all the same).

    Why not Django's validator over every stored address: it would read every candidate at each visit, tens of
    thousands of rows to list a handful. The database tests the pattern and looks up the refused messages, and
    the page reads only the rows it shows: two queries per list (its count, its page), however many candidates.
    What the pattern lets through and the validator refuses appears with the first message refused (the
    addresses come through the admin's forms and the import, which validate them: such a case is rare).
    A candidate's refused messages are those queued for them (candidate_id) at their current address: once it is
    corrected, they leave the list."""
    Candidate = apps.get_model("candidates", "Candidate")
    theirs = refused().filter(candidate_id=OuterRef("pk"), to=OuterRef("email"))
    return (
        Candidate.objects.filter(~Q(email__regex=PLAUSIBLE_ADDRESS) | Exists(theirs))
        .annotate(not_sent=count_of(theirs, "candidate_id"))
        .only("pk", "first_name", "last_name", "email")
        .order_by("last_name", "first_name", "pk")
    )


def people_without_address():
    """Jury members, tutors, managers and trainers, found as candidates are. A message keeps no person's id, so
    only the messages refused at a person's current address count as theirs: those queued with no address at
    all are listed among the refused addresses, under « aucune adresse »."""
    Person = apps.get_model("candidates", "Person")
    theirs = refused().exclude(to="").filter(to=OuterRef("email"))
    return (
        Person.objects.filter(~Q(email__regex=PLAUSIBLE_ADDRESS) | Exists(theirs))
        .annotate(not_sent=count_of(theirs, "to"))
        .only("pk", "first_name", "last_name", "email")
        .order_by("last_name", "first_name", "pk")
    )


def refused_addresses():
    """Every address the outbox refused, with its number of messages and the last one's date."""
    return refused().order_by("to").values("to").annotate(count=Count("pk"), last=Max("created_at"))


def count_of(queryset, key):
    counted = queryset.order_by().values(key).annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def section(request, parameter, title, queryset, app_label=None, model_name=None):
    """One list of the page, paged on its own (`?candidats=2`), the other lists staying on their page."""
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get(parameter))
    rows = list(page.object_list)
    changelist = reverse("admin:outbox_message_changelist")
    if model_name is None:
        for row in rows:
            filters = {"status__exact": MessageStatus.NOT_SENDABLE, "to": row["to"]}
            row["messages_url"] = f"{changelist}?{urlencode(filters)}"
    else:
        for row in rows:
            row.change_url = reverse(f"admin:{app_label}_{model_name}_change", args=[row.pk])
            if model_name == "candidate":
                filters = {"status__exact": MessageStatus.NOT_SENDABLE, "candidate_id": row.pk, "to": row.email}
                row.messages_url = f"{changelist}?{urlencode(filters)}"
            elif row.email:
                filters = {"status__exact": MessageStatus.NOT_SENDABLE, "to": row.email}
                row.messages_url = f"{changelist}?{urlencode(filters)}"

    def page_url(number):
        query = request.GET.copy()
        query[parameter] = number
        return f"?{query.urlencode()}"

    return {
        "id": parameter,
        "title": title,
        "page": page,
        "rows": rows,
        "people": model_name is not None,
        "previous_url": page_url(page.previous_page_number()) if page.has_previous() else "",
        "next_url": page_url(page.next_page_number()) if page.has_next() else "",
    }
