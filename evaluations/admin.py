from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from candidates.admin import SessionFilter
from candidates.models import CertificationSession
from candidates.roles import NATIONAL_JURY
from cqp_site.admin import ReadOnlyAdminMixin, related_count
from cqp_site.admin_a11y import LabelledCellsInline
from cqp_site.admin_guards import GuardedAdminMixin
from outputs.admin import BackgroundResultsExportMixin

from . import appeals, rules, selectors
from .models import (
    Appeal,
    AppealDocument,
    BlocDecision,
    CandidateFile,
    Deliberation,
    DeliberationMember,
    DeliberationStatus,
    Grid,
    GridEvent,
    Signature,
)


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

    list_display = ["exam", "session", "status", "revision", "submitted_at", "signed_at"]
    list_filter = ["status", ("exam__session", SessionFilter), "exam__session__certification__code"]
    list_select_related = ["exam__candidate", "exam__bloc", "exam__session__certification"]
    search_fields = ["exam__candidate__last_name", "exam__candidate__first_name"]
    date_hierarchy = "exam__scheduled_at"
    fields = ["exam", "status", "revision", "submitted_at", "signed_at", "digest", "updated_at"]
    readonly_fields = fields
    inlines = [SignatureInline, GridEventInline]

    @admin.display(description=_("session"), ordering="exam__session")
    def session(self, grid):
        return grid.exam.session


class DeliberationForm(forms.ModelForm):
    def clean(self):
        cleaned_data = super().clean()
        president, members = cleaned_data.get("president"), cleaned_data.get("members")
        if president is not None and members is not None and president not in members:
            self.add_error(
                "members",
                _("Le président de la délibération (%(name)s) doit être parmi les membres présents.")
                % {"name": president.get_full_name() or president.get_username()},
            )
        return cleaned_data


class DeliberationMemberFormSet(forms.BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        return _("Un membre n'est inscrit qu'une fois : corrigez les noms en double.")


class DeliberationMemberInline(LabelledCellsInline, admin.TabularInline):
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


# Appeals ----------------------------------------------------------------------------------------


@admin.register(BlocDecision)
class BlocDecisionAdmin(GuardedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The national joint jury's decisions on blocs, read-only: where an administrator finds the signed
    decision a candidate appeals, and records the appeal."""

    list_display = ["candidate", "bloc", "deliberation", "decision", "appeal_link"]
    list_filter = ["decision", "file__deliberation__status", "bloc__code"]
    list_select_related = ["file__candidate", "file__deliberation", "bloc", "appeal"]
    search_fields = ["file__candidate__last_name", "file__candidate__first_name", "bloc__code"]

    @admin.display(description=_("candidat"), ordering="file__candidate")
    def candidate(self, decision):
        return decision.file.candidate

    @admin.display(description=_("délibération"), ordering="file__deliberation")
    def deliberation(self, decision):
        return decision.file.deliberation

    fields = [
        "file",
        "bloc",
        "exam",
        "computed",
        "computed_reason",
        "opinion",
        "decision",
        "justification",
        "on_appeal",
        "appeal_link",
    ]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        """For the appeal form's search: only the signed decisions that no appeal contests yet."""
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "appeal" and request.GET.get("field_name") == "contested":
            queryset = queryset.filter(
                file__deliberation__status=DeliberationStatus.SIGNED, appeal__isnull=True, on_appeal__isnull=True
            )
        return queryset, duplicates

    @admin.display(description=_("recours"))
    def appeal_link(self, decision):
        appeal = getattr(decision, "appeal", None)
        if appeal is not None:
            return format_html(
                '<a href="{}">{}</a>',
                reverse("admin:evaluations_appeal_change", args=[appeal.pk]),
                _("reçu le %(date)s") % {"date": date_format(appeal.received_on, "j/m/Y")},
            )
        if decision.file.deliberation.is_signed and not decision.on_appeal_id:
            return format_html(
                '<a href="{}?contested={}">{}</a>',
                reverse("admin:evaluations_appeal_add"),
                decision.pk,
                _("Enregistrer un recours"),
            )
        return "—"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, as Django's documentation shows (« Uploading multiple files »)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class AppealForm(forms.ModelForm):
    documents = MultipleFileField(
        label=_("Pièces jointes"),
        required=False,
        help_text=_("Le courrier du candidat et ses pièces : PDF, PNG ou JPEG, 10 Mo au plus chacune, 10 au plus."),
    )

    class Meta:
        model = Appeal
        fields = ["contested", "received_on", "grounds"]

    def clean(self):
        cleaned_data = super().clean()
        contested = cleaned_data.get("contested")
        if contested is not None:
            problems = appeals.appeal_problems(
                contested,
                received_on=cleaned_data.get("received_on"),
                grounds=cleaned_data.get("grounds") or "",
                documents=cleaned_data.get("documents") or [],
            )
            for problem in problems:
                self.add_error(None, problem)
        return cleaned_data


@admin.register(Appeal)
class AppealAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """Appeals against signed decisions: recorded here (date received, grounds, documents), within the time
    limit; then put before the next deliberation, whose decision on appeal is shown with its link. Once
    recorded, an appeal is read-only: it may be deleted only until a deliberation takes it up."""

    form = AppealForm
    list_display = ["__str__", "contested_deliberation", "received_on", "state"]
    list_filter = [("heard_in", admin.EmptyFieldListFilter), "heard_in__status"]
    list_select_related = ["contested__file__candidate", "contested__file__deliberation", "contested__bloc", "heard_in"]
    search_fields = ["contested__file__candidate__last_name", "contested__file__candidate__first_name"]
    date_hierarchy = "received_on"
    autocomplete_fields = ["contested"]
    readonly_fields = [
        "contested_summary",
        "received_on",
        "grounds",
        "deadline",
        "recorded_by",
        "recorded_at",
        "state",
        "document_links",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["contested", "received_on", "grounds", "documents"]
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("contested__file__deliberation", "contested__bloc", "recorded_by", "ruling__file")
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("received_on", timezone.localdate())
        return initial

    def save_model(self, request, obj, form, change):
        """Through the service, which checks again under lock and stores the documents."""
        form.instance = appeals.record_appeal(
            form.cleaned_data["contested"],
            received_on=form.cleaned_data["received_on"],
            grounds=form.cleaned_data["grounds"],
            documents=form.cleaned_data["documents"],
            acting_user=request.user,
        )
        obj.pk = form.instance.pk

    def save_related(self, request, form, formsets, change):
        pass  # no relation is edited here; the documents were stored with the appeal

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(show_save_and_continue=False, show_save_and_add_another=False)  # read-only once recorded
        return super().render_change_form(request, context, add, change, form_url, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or obj.heard_in_id is None) and super().has_delete_permission(request, obj)

    @admin.display(description=_("décision contestée"))
    def contested_summary(self, appeal):
        decision = appeal.contested
        return _("%(candidate)s, bloc %(bloc)s : %(decision)s par la délibération « %(deliberation)s »") % {
            "candidate": decision.file.candidate,
            "bloc": decision.bloc.code,
            "decision": decision.get_decision_display().lower(),
            "deliberation": decision.file.deliberation,
        }

    @admin.display(description=_("délibération contestée"), ordering="contested__file__deliberation__held_on")
    def contested_deliberation(self, appeal):
        return appeal.contested.file.deliberation

    @admin.display(description=_("date limite de réception"))
    def deadline(self, appeal):
        notified = appeals.notified_on(appeal.contested)
        return _("%(deadline)s (décision notifiée le %(notified)s, délai de %(months)s mois)") % {
            "deadline": rules.long_date(rules.appeal_deadline(notified, settings.APPEAL_DEADLINE_MONTHS)),
            "notified": rules.long_date(notified),
            "months": settings.APPEAL_DEADLINE_MONTHS,
        }

    @admin.display(description=_("état"))
    def state(self, appeal):
        ruling = getattr(appeal, "ruling", None)
        if appeal.heard_in_id is None:
            return _("En attente de la prochaine délibération")
        if not appeal.heard_in.is_signed:
            return _("Devant la délibération « %(deliberation)s »") % {"deliberation": appeal.heard_in}
        verdict = _("réformée") if appeals.is_reversal(ruling) else _("confirmée")
        return _("Décision %(verdict)s (%(decision)s) par la délibération « %(deliberation)s » : %(justification)s") % {
            "verdict": verdict,
            "decision": ruling.get_decision_display().lower(),
            "deliberation": appeal.heard_in,
            "justification": ruling.justification,
        }

    @admin.display(description=_("pièces jointes"))
    def document_links(self, appeal):
        documents = appeal.documents.all()
        if not documents:
            return _("Aucune")
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:evaluations_appeal_document", args=[appeal.pk, document.pk]),
                    document.name,
                    filesizeformat(document.size),
                )
                for document in documents
            ),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/pieces/<int:document_pk>/",
                never_cache(self.document_view),
                name="evaluations_appeal_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, pk, document_pk):
        """A document of an appeal, to whoever may view appeals in the admin; 404 to anyone else."""
        if not (self.admin_site.has_permission(request) and self.has_view_permission(request)):
            raise Http404
        document = get_object_or_404(AppealDocument, pk=document_pk)  # by its own id: any number is safe there
        if document.appeal_id != pk:
            raise Http404
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
