from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from candidates.admin import SessionFilter
from candidates.models import CertificationSession
from candidates.roles import NATIONAL_JURY
from cqp_site.admin import ReadOnlyAdminMixin, related_count
from cqp_site.admin_guards import GuardedAdminMixin
from outputs.admin import BackgroundResultsExportMixin

from . import selectors
from .models import CandidateFile, Deliberation, DeliberationMember, Grid, GridEvent, Signature


def national_jury_accounts():
    return get_user_model().objects.filter(groups__name=NATIONAL_JURY).order_by("last_name", "first_name")


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
class GridAdmin(GuardedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Grids are written by the jury on their screens only: administrators follow them here, read-only."""

    list_display = ["exam", "exam__session", "status", "revision", "submitted_at", "signed_at"]
    list_filter = ["status", ("exam__session", SessionFilter), "exam__session__certification__code"]
    list_select_related = ["exam__candidate", "exam__bloc", "exam__session__certification"]
    search_fields = ["exam__candidate__last_name", "exam__candidate__first_name"]
    date_hierarchy = "exam__scheduled_at"
    fields = ["exam", "status", "revision", "submitted_at", "signed_at", "digest", "updated_at"]
    readonly_fields = fields
    inlines = [SignatureInline, GridEventInline]


class DeliberationForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        president, members = cleaned_data.get("president"), cleaned_data.get("members")
        if president is not None and members is not None and president not in members:
            self.add_error(
                "members",
                _("Le ou la président(e) de la délibération (%(name)s) doit être parmi les membres présents.")
                % {"name": president.get_full_name() or president.get_username()},
            )
        return cleaned_data


class DeliberationMemberFormSet(forms.BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        return _("Un membre n'est inscrit qu'une fois : corrigez les noms en double.")


class DeliberationMemberInline(admin.TabularInline):
    """The members present, each with their college and the organisation they represent: the composition
    the rules check before the signature and the minutes print by college. Frozen once signed."""

    model = DeliberationMember
    formset = DeliberationMemberFormSet
    fields = ["name", "college", "organisation"]
    ordering = ["-college", "name"]  # by college, employers first ("employers" > "employees"), as printed
    verbose_name_plural = _("membres présents, par collège")

    def get_extra(self, request, obj=None, **kwargs):
        """A new deliberation offers the lines of the smallest jury the settings allow."""
        if obj is None:
            return 2 * settings.NATIONAL_JURY_MIN_PER_COLLEGE
        return 0 if obj.is_signed else 1

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and obj.is_signed) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and obj.is_signed) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_signed) and super().has_delete_permission(request, obj)


@admin.register(Deliberation)
class DeliberationAdmin(GuardedAdminMixin, BackgroundResultsExportMixin, admin.ModelAdmin):
    """Administrators prepare deliberations (date, members present by college, the accounts that reach it,
    president, sessions); the national joint jury holds and signs them on its own screens, each member
    only those they sit on. A signed deliberation is read-only."""

    form = DeliberationForm
    inlines = [DeliberationMemberInline]
    list_display = ["title", "held_on", "president", "status", "file_count"]
    list_filter = ["status"]
    search_fields = ["title"]
    date_hierarchy = "held_on"
    filter_horizontal = ["members", "sessions"]
    fields = [
        "title",
        "held_on",
        "members_present",
        "composition",
        "members",
        "president",
        "sessions",
        "status",
        "signed_at",
        "digest",
    ]
    readonly_fields = ["members_present", "composition", "status", "signed_at", "digest"]

    actions = ["issue_certificates", "export_results_csv", "export_results_xlsx"]
    results_kind = "deliberation_results"
    results_title = _("Résultats des délibérations")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("president")
            .annotate(file_total=related_count(CandidateFile.objects, "deliberation"))
        )

    def get_object(self, request, object_id, from_field=None):
        """With its sessions and their CQP read at once: a signed deliberation shows them as text."""
        deliberation = super().get_object(request, object_id, from_field)
        if deliberation is not None:
            sessions = CertificationSession.objects.select_related("certification")
            prefetch_related_objects([deliberation], Prefetch("sessions", queryset=sessions))
        return deliberation

    @admin.action(description=_("Délivrer les certificats (CCP et CQP) des délibérations signées"))
    def issue_certificates(self, request, queryset):
        from certificates import services as certificate_services

        run = None
        for deliberation in queryset:
            try:
                run = certificate_services.start_issuing(deliberation)
            except certificate_services.CertificateError as error:
                self.message_user(request, f"{deliberation} : {error}", messages.ERROR)
        if run is not None:
            return redirect("admin:certificates_issuingrun_progress", run.pk)
        return None

    @admin.display(description=_("dossiers"), ordering="file_total")
    def file_count(self, deliberation):
        return deliberation.file_total

    def get_fields(self, request, obj=None):
        """The free text of the members present only on the older deliberations that have one (read-only);
        what the composition lacks once the deliberation exists."""
        fields = super().get_fields(request, obj)
        hidden = set()
        if obj is None or not obj.members_present:
            hidden.add("members_present")
        if obj is None or obj.is_signed:
            hidden.add("composition")
        return [field for field in fields if field not in hidden]

    @admin.display(description=_("composition du jury"))
    def composition(self, deliberation):
        problems = selectors.composition(deliberation).problems
        if not problems:
            return _("Complète : la délibération peut être signée.")
        return format_html_join(mark_safe("<br>"), "{}", ([problem] for problem in problems))

    def save_related(self, request, form, formsets, change):
        """Saved: the administrator is told at once what the composition still lacks for the signature."""
        super().save_related(request, form, formsets, change)
        problems = selectors.composition(form.instance).problems
        if problems:
            incomplete = _("Composition du jury incomplète : la délibération ne peut pas encore être signée.")
            self.message_user(request, " ".join([str(incomplete), *problems]), messages.WARNING)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "president":
            kwargs["queryset"] = national_jury_accounts()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            kwargs["queryset"] = national_jury_accounts()
        if db_field.name == "sessions":  # each named with its CQP: read with them
            kwargs["queryset"] = CertificationSession.objects.select_related("certification")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_signed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.files.exists():
            return False
        return super().has_delete_permission(request, obj)
