"""The audit trail in the admin, at national scale (millions of rows): one list per audited table, and
pghistory's aggregate page for one object's history only.

pghistory's aggregate « Events » page computes the previous row and the diff of every event of every
table before it sorts them and keeps a page: 51 s on 2.96 M rows. Here each audit table has its own
read-only list, newest first by its primary key, that reads one page of rows, their previous versions
and their authors, and counts lazily (`LazyCountPaginator`); it filters by object (`?pgh_obj=`, an
indexed column) and by kind of change. The aggregate page answers only for one object
(`?obj=app.Model:pk&method=tracks|references`), which filters every table before it aggregates;
without an object it lists the tables' histories instead of reading them all.

An Ucanss administrator finds there who changed a candidate's file and when (the object's history,
with the account and the page of each change), and the last changes of each table.
"""

import json

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import BigIntegerField, F, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _
from pghistory import config, core
from pghistory.admin import EventsAdmin
from pghistory.admin.core import MethodFilter, ObjFilter, _get_model
from pghistory.models import Event

from .admin import ReadOnlyAdminMixin
from .admin_guards import is_object_id

LABELS = {"insert": _("création"), "update": _("modification"), "delete": _("suppression")}
PAGE_SIZE = 100


class LazyCountPaginator(Paginator):
    """Counts the rows up to `exact_up_to` exactly, and beyond reads PostgreSQL's estimate (EXPLAIN, from
    the table's statistics) rather than a COUNT(*) of millions of rows. Always the same two queries."""

    exact_up_to = 10_000

    @cached_property
    def count(self):
        rows = self.object_list.order_by().values("pk")
        counted = rows[: self.exact_up_to + 1].count()
        estimated = estimated_count(rows)
        return counted if counted <= self.exact_up_to else max(counted, estimated)


def estimated_count(queryset):
    if connections[queryset.db].vendor != "postgresql":
        return 0
    plan = json.loads(queryset.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def audit_models():
    """The event models pghistory generates for the audited models (cqp_site.audit.audited)."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and model.pgh_tracked_model is not None and hasattr(model, "pgh_obj")
    ]


def with_author(queryset, metadata):
    """The events with their context (`pgh_context_metadata`) and the username of the account it names
    (pghistory's middleware records its id), in the list's own query: none when a command or a migration
    made the change."""
    return queryset.annotate(
        pgh_context_metadata=F(metadata), author_id=Cast(KeyTextTransform("user", metadata), BigIntegerField())
    ).annotate(author_name=Subquery(get_user_model().objects.filter(pk=OuterRef("author_id")).values("username")[:1]))


class EventColumns:
    """The columns both event lists show: the kind of change, who made it, from which page."""

    @admin.display(description=_("changement"))
    def kind(self, event):
        return LABELS.get(event.pgh_label, event.pgh_label)

    @admin.display(description=_("par"))
    def author(self, event):
        return author_cell(event)

    @admin.display(description=_("page"))
    def page(self, event):
        return (event.pgh_context_metadata or {}).get("url") or "—"


def author_cell(event):
    user_id = (event.pgh_context_metadata or {}).get("user")
    if user_id is None:
        return "—"
    return event.author_name or _("compte n° %(id)s supprimé") % {"id": user_id}


def changes_cell(changes):
    """« field: before → after », one line each."""
    return format_html_join(
        mark_safe("<br>"), "<strong>{}</strong> : {} → {}", ((name, before, after) for name, before, after in changes)
    )


def shown(value, field=None):
    """A recorded value as the admin shows it: a choice by its French label (« signée », not « signed »)."""
    if field is not None and field.choices:
        value = dict(field.flatchoices).get(value, value)
    return "∅" if value in (None, "") else localize(value)


def object_history_url(tracked_model, pk, method="references"):
    """The aggregate page of one object: its own changes and those of the rows that refer to it."""
    query = urlencode({"method": method, "obj": f"{tracked_model._meta.label}:{pk}"})
    return f"{reverse('admin:pghistory_events_changelist')}?{query}"


# --- One list per audit table ---------------------------------------------------------------------


class KindFilter(admin.SimpleListFilter):
    title = _("type de changement")
    parameter_name = "pgh_label"

    def lookups(self, request, model_admin):
        return list(LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in LABELS:
            return queryset.filter(pgh_label=self.value())
        return queryset


class AuditChangeList(ChangeList):
    """Reads, for the page's rows only, their previous versions: one query, whatever the page holds."""

    def get_results(self, request):
        super().get_results(request)
        model = self.model
        rows = list(self.result_list)
        if not rows:
            return
        updates = model.objects.filter(pk__in=[row.pk for row in rows], pgh_label="update").annotate(
            previous=Subquery(
                model.objects.filter(pgh_obj=OuterRef("pgh_obj"), pk__lt=OuterRef("pk"))
                .order_by("-pk")
                .values("pk")[:1]
            )
        )
        previous = list(model.objects.filter(pk__in=Subquery(updates.values("previous"))))
        for row in rows:
            row.previous = max(
                (before for before in previous if before.pgh_obj_id == row.pgh_obj_id and before.pk < row.pk),
                key=lambda before: before.pk,
                default=None,
            )


class AuditEventAdmin(EventColumns, ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only list of one audit table, newest first by its (indexed) primary key."""

    ordering = ("-pgh_id",)
    list_per_page = PAGE_SIZE
    list_max_show_all = PAGE_SIZE  # « Tout afficher » would read the whole table
    show_full_result_count = False
    paginator = LazyCountPaginator
    list_filter = (KindFilter,)
    list_display = ("when", "kind", "audited_object", "author", "page", "changes")
    list_display_links = ("when",)
    readonly_fields = ("kind",)

    def get_fields(self, request, obj=None):
        """An event's page names its kind in French (« création »), where pghistory stores « insert »."""
        names = [name for name in super().get_fields(request, obj) if name != "kind"]
        return ["kind" if name == "pgh_label" else name for name in names]

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

    def get_queryset(self, request):
        return with_author(super().get_queryset(request), "pgh_context__metadata")

    def changelist_view(self, request, extra_context=None):
        title = _("Historique — %(what)s") % {"what": self.model.pgh_tracked_model._meta.verbose_name_plural}
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in ("pgh_obj", "pgh_obj__exact", "pgh_obj__id__exact") or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=_("date"), ordering="pgh_id")
    def when(self, event):
        return localize(event.pgh_created_at)

    @admin.display(description=_("objet"))
    def audited_object(self, event):
        tracked = self.model.pgh_tracked_model
        name = f"{tracked._meta.verbose_name} n° {event.pgh_obj_id}"
        if getattr(event, "last_name", None):
            name = f"{name} ({event.last_name.upper()} {event.first_name})"
        own = f"?{urlencode({'pgh_obj': event.pgh_obj_id})}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            own,
            name,
            object_history_url(tracked, event.pgh_obj_id),
            _("historique lié"),
        )

    @admin.display(description=_("avant → après"))
    def changes(self, event):
        before = getattr(event, "previous", None)
        if event.pgh_label != "update" or before is None:
            return "—"
        return changes_cell(
            (
                field.verbose_name,
                shown(field.value_from_object(before), field),
                shown(field.value_from_object(event), field),
            )
            for field in self.model._meta.concrete_fields
            if not field.name.startswith("pgh_") and field.value_from_object(before) != field.value_from_object(event)
        )


def register(site=None):
    """One list per audit table, named in French after the table it follows (« Historique — candidats »).
    The generated models' and pghistory's names are English; these French ones are the admin's words
    only (set on the models' options at start, they are not in any migration)."""
    site = site or admin.site
    for model in audit_models():
        tracked = model.pgh_tracked_model._meta
        model._meta.verbose_name = format_lazy(_("historique — {}"), tracked.verbose_name)
        model._meta.verbose_name_plural = format_lazy(_("historique — {}"), tracked.verbose_name_plural)
        if not site.is_registered(model):
            site.register(model, type(f"{model.__name__}Admin", (AuditEventAdmin,), {"__module__": __name__}))
    events = config.admin_model()._meta  # pghistory's aggregate page, and its application in the menu
    events.verbose_name, events.verbose_name_plural = _("historique d'un objet"), _("historique des modifications")
    apps.get_app_config("pghistory").verbose_name = _("Piste d'audit")


# --- pghistory's aggregate page: one object's history ---------------------------------------------


class ScopeFilter(MethodFilter):
    title = _("portée")

    def lookups(self, request, model_admin):
        return (("tracks", _("l'objet seul")), ("references", _("l'objet et ce qui s'y rapporte")))


class ObjectParameter(ObjFilter):
    """The object of the page (`?obj=app.Model:pk`), read by the scope filter; not shown as a filter."""

    template = "pghistory_admin/hidden_filter.html"


class ObjectHistoryAdmin(EventColumns, EventsAdmin):
    """pghistory's aggregate page, for one object (`?obj=app.Model:pk`): the history of that object
    (`method=tracks`) or with the rows that refer to it (`method=references`). Without an object it lists
    the tables' histories: aggregating every table before cutting a page takes minutes at national scale."""

    show_full_result_count = False
    list_max_show_all = PAGE_SIZE
    ordering = ("-pgh_created_at", "-pgh_id")

    def get_queryset(self, request):
        return with_author(super().get_queryset(request), "pgh_context")

    def get_list_display(self, request):
        return ("when", "table", "pgh_obj_id", "kind", "author", "page", "changes")

    def get_list_filter(self, request):
        return [ScopeFilter, ObjectParameter]

    def changelist_view(self, request, extra_context=None):
        if "obj" not in request.GET:
            return self.tables_view(request)
        label, _colon, pk = request.GET["obj"].partition(":")
        model = _get_model(label) if label.count(".") == 1 else None
        if model is None or not core.event_models(tracks_model=model) or not is_object_id(model, pk):
            raise Http404(_("Aucun objet suivi à cette adresse."))
        method = request.GET.get("method")
        # Without a scope, or with pghistory's other filters, the page would aggregate every table.
        if method not in ("tracks", "references") or set(request.GET) - {"obj", "method", "p"}:
            query = urlencode(
                {"method": method if method in ("tracks", "references") else "tracks", "obj": f"{label}:{pk}"}
            )
            return HttpResponseRedirect(f"{request.path}?{query}")
        context = {
            "title": _("Historique de %(what)s n° %(pk)s") % {"what": model._meta.verbose_name, "pk": pk},
            **(extra_context or {}),
        }
        return admin.ModelAdmin.changelist_view(self, request, context)

    def tables_view(self, request):
        tables = sorted(
            (
                (capfirst(model.pgh_tracked_model._meta.verbose_name_plural), url)
                for model in audit_models()
                if (url := changelist_url(self.admin_site, request, model))
            ),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Historique des modifications"),
            "opts": self.model._meta,
            "tables": tables,
        }
        return TemplateResponse(request, "audit_admin/tables.html", context)

    @admin.display(description=_("date"))
    def when(self, event):
        return localize(event.pgh_created_at)

    @admin.display(description=_("table"))
    def table(self, event):
        model = apps.get_model(event.pgh_model)
        return model.pgh_tracked_model._meta.verbose_name_plural

    @admin.display(description=_("avant → après"))
    def changes(self, event):
        if event.pgh_label != "update" or not event.pgh_diff:
            return "—"
        fields = {field.attname: field for field in apps.get_model(event.pgh_model)._meta.concrete_fields}
        return changes_cell(
            (
                fields[name].verbose_name if name in fields else name,
                shown(before, fields.get(name)),
                shown(after, fields.get(name)),
            )
            for name, (before, after) in sorted(event.pgh_diff.items())
        )


def changelist_url(site, request, model):
    model_admin = site._registry.get(model)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


if settings.AUDIT_TRAIL:
    register()
