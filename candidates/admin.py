from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm

from cqp_site.admin import related_count
from cqp_site.admin_a11y import LabelledCellsInline, LabelledSplitDateTimeAdmin
from cqp_site.downloads import attachment
from outbox.models import MessageStatus
from outputs.admin import BackgroundResultsExportMixin
from outputs.services import request_output
from outputs.views import output_response

from . import convocations, invitations, privacy
from . import services as exam_services
from .formats import EXPORT_FORMATS, IMPORT_FORMATS, FileRefused, check_upload_size
from .models import (
    EXAM_GRADED_FIELDS,
    EXAM_WITHDRAWN_STATUSES,
    AcquiredBloc,
    Candidate,
    CertificationSession,
    CompetenceAttestation,
    CqpAward,
    Exam,
    ExamStatus,
    JuryMember,
    Organisation,
    Person,
)
from .resources import CandidateResource


class SessionFilter(admin.RelatedFieldListFilter):
    """The sessions, named with their CQP, read in one query."""

    def field_choices(self, field, request, model_admin):
        return [(session.pk, str(session)) for session in CertificationSession.objects.select_related("certification")]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "branch", "send_results_to_manager", "candidate_count"]
    list_filter = ["branch", "kind", "send_results_to_manager"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(candidate_total=related_count(Candidate.objects, "organisation"))

    @admin.display(description=_("candidats"), ordering="candidate_total")
    def candidate_count(self, organisation):
        return organisation.candidate_total


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "organisation", "branch", "manager", "jury_role", "user"]
    list_filter = ["jury_role", "organisation__branch", "organisation"]
    search_fields = ["last_name", "first_name", "email", "organisation__name"]
    list_select_related = ["organisation", "manager__organisation", "user"]
    autocomplete_fields = ["organisation", "manager", "user"]
    fieldsets = [
        (None, {"fields": [("first_name", "last_name"), "email", "organisation", "manager", "user"]}),
        (_("Jurys"), {"fields": ["jury_role", "jury_trained_on"]}),
    ]

    actions = ["invite_to_space"]

    @admin.display(description=_("branche"), ordering="organisation__branch")
    def branch(self, person):
        return person.organisation.get_branch_display()

    @admin.action(description=_("Inviter (tuteurs, managers : le carnet de suivi en ligne)"))
    def invite_to_space(self, request, queryset):
        report_invitations(self, request, *invitations.invite(queryset.order_by("last_name", "first_name")))


@admin.register(JuryMember)
class JuryMemberAdmin(PersonAdmin):
    list_display = ["last_name", "first_name", "jury_role", "organisation", "branch", "jury_trained_on", "exam_count"]
    list_filter = ["jury_role", "organisation__branch", ("jury_trained_on", admin.EmptyFieldListFilter)]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .jury_members()
            .annotate(
                exam_total=related_count(Exam.objects, "president") + related_count(Exam.objects, "representative")
            )
        )

    @admin.display(description=_("épreuves"), ordering="exam_total")
    def exam_count(self, person):
        return person.exam_total


class AttestationInline(LabelledCellsInline, admin.TabularInline):
    """The carnet de suivi: one row per competence attested. The competences (a few dozen) are read once
    for every row's list, where an autocomplete would query once per row."""

    model = CompetenceAttestation
    extra = 0
    fields = ["competence", "tutor_attested_on", "manager_attested_on"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate", "competence__bloc")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "competence":
            if not hasattr(request, "_competence_choices"):
                field.queryset = field.queryset.select_related("bloc__version").order_by(
                    "bloc__version", "bloc__code", "order"
                )
                request._competence_choices = list(field.choices)
            field.choices = request._competence_choices
        return field


def report_invitations(model_admin, request, invited, without):
    """What `invitations.invite` did, said to the administrator: who was invited, who could not be and why."""
    if invited:
        model_admin.message_user(
            request,
            ngettext(
                "Invitation envoyée à %(count)d personne : %(names)s.",
                "Invitation envoyée à %(count)d personnes : %(names)s.",
                len(invited),
            )
            % {"count": len(invited), "names": ", ".join(user.get_full_name() for user in invited)},
            messages.SUCCESS,
        )
    if without:
        model_admin.message_user(
            request,
            _(
                "Aucune invitation, faute d'adresse électronique utilisable (vide, ou déjà celle d'un autre "
                "compte) : %(names)s."
            )
            % {"names": ", ".join(f"{record.first_name} {record.last_name}" for record in without)},
            messages.WARNING,
        )


class SignedRecordMixin:
    """What a signed deliberation wrote stays as it was signed: history entered by hand stays editable."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and getattr(obj, "deliberation_id", None):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and getattr(obj, "deliberation_id", None):
            return False
        return super().has_delete_permission(request, obj)


class AcquiredBlocInline(LabelledCellsInline, admin.TabularInline):
    """Blocs acquired before this application (history taken over): entered and corrected by hand."""

    model = AcquiredBloc
    extra = 0
    fields = ["bloc", "acquired_on", "origin"]
    autocomplete_fields = ["bloc"]
    verbose_name_plural = _("blocs acquis repris d'un historique")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deliberation__isnull=True).select_related("bloc")


class DeliberatedBlocInline(admin.TabularInline):
    """Blocs acquired by a signed deliberation: shown, never changed."""

    model = AcquiredBloc
    extra = 0
    fields = ["bloc", "acquired_on", "deliberation"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("blocs acquis par délibération")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deliberation__isnull=False).select_related("bloc", "deliberation")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ProgressFilter(admin.SimpleListFilter):
    title = _("avancement")
    parameter_name = "avancement"

    def lookups(self, request, model_admin):
        return [
            ("aucun", _("Aucun bloc acquis")),
            ("partiel", _("Une partie des blocs acquis")),
            ("tous", _("Tous les blocs acquis")),
        ]

    def queryset(self, request, queryset):
        return {
            "aucun": queryset.filter(blocs_acquired=0),
            "partiel": queryset.filter(blocs_acquired__gt=0, blocs_acquired__lt=F("bloc_total")),
            "tous": queryset.filter(blocs_acquired=F("bloc_total")),
        }.get(self.value(), queryset)


class CandidateImportForm(ImportForm):
    def clean_import_file(self):
        """Too large a file is refused before it is stored or read."""
        import_file = self.cleaned_data["import_file"]
        try:
            check_upload_size(import_file.size)
        except FileRefused as refusal:
            raise forms.ValidationError(str(refusal), code="too_large") from None
        return import_file


@admin.register(Candidate)
class CandidateAdmin(ImportExportMixin, admin.ModelAdmin):
    resource_classes = [CandidateResource]
    import_formats = IMPORT_FORMATS
    export_formats = EXPORT_FORMATS
    import_form_class = CandidateImportForm
    import_error_display = ("message",)  # never "traceback": it shows the server's file paths
    list_display = [
        "last_name",
        "first_name",
        "organisation",
        "branch",
        "certification_code",
        "route",
        "progress",
        "pass_validated_on",
        "premss_validated_on",
    ]
    list_filter = [
        "certification__code",
        "route",
        "organisation__branch",
        ProgressFilter,
        ("exams__session", SessionFilter),
        "organisation",
    ]
    search_fields = ["last_name", "first_name", "email", "organisation__name"]
    list_select_related = ["organisation", "certification"]
    autocomplete_fields = ["organisation", "manager", "tutor", "trainers"]
    inlines = [DeliberatedBlocInline, AcquiredBlocInline, AttestationInline]
    actions = ["invite_to_space", "export_personal_data", "erase_personal_data"]

    fieldsets = [
        (_("Identité"), {"fields": [("last_name", "first_name"), "birth_date", "email"]}),
        (
            _("État civil, pour le registre de la Caisse des Dépôts"),
            {
                "fields": ["birth_name", "sex", "birth_place_code", ("birth_city", "birth_country")],
                "description": _(
                    "Requis pour déclarer un CQP ou un CCP délivré (Code du travail, article L.6113-8). "
                    "Aucun numéro de sécurité sociale."
                ),
            },
        ),
        (_("Emploi"), {"fields": ["organisation", "job_title", ("manager", "tutor"), "trainers"]}),
        (
            _("Parcours"),
            {"fields": ["certification", "route", ("pass_validated_on", "premss_validated_on"), "livret2_received_on"]},
        ),
    ]

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirmed import runs in the task worker over the file the preview read (stored meanwhile), all
        its rows in one transaction or none; its progress page then says what was written, or why nothing was."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)
        data = confirm_form.cleaned_data
        output = request_output(
            "candidate_import",
            user=request.user,
            title=_("Import de candidats : %(name)s") % {"name": data["original_file_name"]},
            parameters={
                "file": data["import_file_name"],
                "format": self.get_import_formats()[int(data["format"])]().get_extension(),
                "original_name": data["original_file_name"],
            },
            back_url=reverse("admin:candidates_candidate_changelist"),
        )
        return output_response(output)

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """The export, made by the task worker (20,000 candidates take seconds): its file, or its progress page."""
        output = request_output(
            "candidate_export",
            user=request.user,
            title=_("Export des candidats (%(format)s)") % {"format": file_format.get_title()},
            parameters={
                "pks": sorted(queryset.values_list("pk", flat=True)),
                "fields": self.get_export_resource_fields_from_form(export_form),
                "format": file_format.get_extension(),
            },
            back_url=reverse("admin:candidates_candidate_changelist"),
        )
        return output_response(output)

    def add_data_read_fail_error_to_form(self, form, e):
        """A file refused whole says why; any other file that cannot be read gets the library's French message."""
        if isinstance(e, FileRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress()

    @admin.display(description=_("branche"), ordering="organisation__branch")
    def branch(self, candidate):
        return candidate.organisation.get_branch_display()

    @admin.display(description=_("CQP"), ordering="certification__code")
    def certification_code(self, candidate):
        return candidate.certification.code

    @admin.display(description=_("blocs acquis"), ordering="blocs_acquired")
    def progress(self, candidate):
        return f"{candidate.blocs_acquired} / {candidate.bloc_total}"

    @admin.action(description=_("Inviter dans l'espace candidat (compte et lien pour choisir le mot de passe)"))
    def invite_to_space(self, request, queryset):
        report_invitations(self, request, *invitations.invite(queryset.order_by("last_name", "first_name")))

    @admin.action(description=_("Exporter les données personnelles (JSON)"))
    def export_personal_data(self, request, queryset):
        data = {str(candidate.pk): privacy.export_candidate(candidate) for candidate in queryset}
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        return attachment(response, "donnees-candidats.json")

    @admin.action(description=_("Effacer les données personnelles (candidats sans certificat)"))
    def erase_personal_data(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Effacer les données personnelles"),
                "candidates": queryset,
                "opts": self.model._meta,
                "action": "erase_personal_data",
            }
            return TemplateResponse(request, "admin/candidates/erase_confirmation.html", context)
        for candidate in queryset:
            try:
                privacy.erase_candidate(candidate)
            except privacy.PrivacyError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, _("Données personnelles effacées (candidat n° %(pk)s).") % {"pk": candidate.pk}
                )
        return None


# The session's page lists this many of its exams; the exam list, filtered on the session, pages through all.
SESSION_EXAMS_SHOWN = 50

# A video link typed without a scheme is taken as https (Django 6's default).
URL_FIELDS_ASSUME_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class ExamForm(forms.ModelForm):
    """Once its grid is submitted, an exam's candidate, bloc, session, date and jury are shown but not
    editable (the model and, on PostgreSQL, a trigger refuse them too). A closed exam (candidate absent,
    absence excused, cancelled) is shown read-only (`ExamAdmin.has_change_permission`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_graded:
            for name in EXAM_GRADED_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("La grille est soumise : ne change plus.")


@admin.register(CertificationSession)
class CertificationSessionAdmin(BackgroundResultsExportMixin, admin.ModelAdmin):
    list_display = ["name", "certification", "starts_on", "ends_on", "place", "remote", "exam_count", "candidate_count"]
    list_filter = ["certification__code", "remote", "starts_on"]
    search_fields = ["name", "place"]
    list_select_related = ["certification"]
    date_hierarchy = "starts_on"
    readonly_fields = ["exam_list"]
    actions = ["export_results_csv", "export_results_xlsx"]
    results_kind = "session_results"
    results_title = _("Résultats des sessions")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                exam_total=related_count(Exam.objects, "session"),
                candidate_total=related_count(Exam.objects, "session", counted="candidate"),
            )
        )

    @admin.display(description=_("épreuves"), ordering="exam_total")
    def exam_count(self, session):
        return session.exam_total

    @admin.display(description=_("épreuves de la session"))
    def exam_list(self, session):
        """The first exams, each a link to its own page, and links to all of them and to add one: two
        queries whatever the size of the session, where inline forms would make thousands."""
        if session.pk is None:
            return _("Les épreuves s'ajoutent une fois la session enregistrée.")
        exams = session.exams.for_listing().with_graded().order_by("scheduled_at", "pk")
        context = {
            "exams": list(exams[:SESSION_EXAMS_SHOWN]),
            "total": session.exam_total,
            "all_url": f"{reverse('admin:candidates_exam_changelist')}?session__id__exact={session.pk}",
            "add_url": f"{reverse('admin:candidates_exam_add')}?session={session.pk}",
        }
        return render_to_string("admin/candidates/session_exams.html", context)

    @admin.display(description=_("candidats"), ordering="candidate_total")
    def candidate_count(self, session):
        return session.candidate_total


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "Conservé avec l'épreuve et dans son historique. Aucun détail médical : « raison de santé, justificatif "
            "reçu » suffit."
        ),
    )


class AbsenceForm(forms.Form):
    confirm = forms.BooleanField(label=_("Je confirme que le candidat ne s'est pas présenté à l'épreuve."))


class PostponementForm(ReasonForm):
    scheduled_at = forms.DateTimeField(
        label=_("Nouvelle date et heure"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("Pendant la session, le jury formé avant cette date ; heure de Paris."),
    )
    field_order = ["scheduled_at", "reason"]


def _postpone(exam, data, user):
    return exam_services.postpone_exam(exam, data["scheduled_at"], data["reason"], acting_user=user)[1]


def _excuse(exam, data, user):
    return exam_services.excuse_absence(exam, data["reason"], acting_user=user)[1]


def _cancel(exam, data, user):
    return exam_services.cancel_exam(exam, data["reason"], acting_user=user)[1]


def _record_absence(exam, data, user):
    exam_services.record_absence(exam, acting_user=user)
    return []


# The pages recording what became of an exam: URL name suffix, path, title, form, service, message once done.
EXAM_OUTCOMES = {
    "postpone": (
        "reporter",
        _("Reporter l'épreuve"),
        PostponementForm,
        _postpone,
        _("Épreuve reportée : la convocation à jour part au candidat et aux deux membres du jury."),
    ),
    "excuse": (
        "excuser",
        _("Excuser l'absence du candidat"),
        ReasonForm,
        _excuse,
        _(
            "Absence excusée : l'épreuve n'est pas présentée au jury paritaire national ; convoquez de nouveau le "
            "candidat."
        ),
    ),
    "cancel": (
        "annuler",
        _("Annuler l'épreuve"),
        ReasonForm,
        _cancel,
        _("Épreuve annulée : convoquez de nouveau le candidat."),
    ),
    "absence": (
        "absence",
        _("Déclarer le candidat absent"),
        AbsenceForm,
        _record_absence,
        _(
            "Absence enregistrée : le bloc est présenté au jury paritaire national comme non validé, «\u00a0absent à "
            "l'épreuve\u00a0»."
        ),
    ),
}


@admin.register(Exam)
class ExamAdmin(LabelledSplitDateTimeAdmin, admin.ModelAdmin):
    form = ExamForm
    formfield_overrides = URL_FIELDS_ASSUME_HTTPS
    list_display = [
        "scheduled_at",
        "candidate",
        "examined",
        "kind",
        "session",
        "president",
        "representative",
        "where",
        "status",
    ]
    list_filter = [
        "status",
        ("session", SessionFilter),
        "session__certification__code",
        "candidate__route",
        "kind",
        "candidate__organisation__branch",
        "candidate__organisation",
    ]
    search_fields = ["candidate__last_name", "candidate__first_name", "session__name", "bloc__code"]
    autocomplete_fields = ["session", "candidate", "bloc", "president", "representative"]
    date_hierarchy = "scheduled_at"
    fields = [
        "session",
        "candidate",
        "bloc",
        "kind",
        "scheduled_at",
        "place",
        "video_link",
        "president",
        "representative",
        "outcome",
    ]
    readonly_fields = ["kind", "outcome"]
    actions = ["record_absences", "cancel_exams"]

    class Media:
        css = {"all": ["candidates/admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).for_listing()

    def has_change_permission(self, request, obj=None):
        """A closed exam (absent, excused, cancelled) is read-only: it is what happened."""
        if obj is not None and obj.is_closed:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_closed:
            return False
        return super().has_delete_permission(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                f"<path:object_id>/{segment}/",
                self.admin_site.admin_view(self.outcome_view),
                {"outcome": outcome},
                name=f"{info[0]}_{info[1]}_{outcome}",
            )
            for outcome, (segment, *_rest) in EXAM_OUTCOMES.items()
        ] + super().get_urls()

    def outcome_view(self, request, object_id, outcome):
        """A small form recording what became of one exam (its reason, its new date) through candidates/services.py;
        a refusal is said on the form, and nothing is written."""
        exam = self.get_object(request, unquote(object_id))
        if exam is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not super().has_change_permission(request):
            raise PermissionDenied
        _segment, title, form_class, record, done = EXAM_OUTCOMES[outcome]
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                sent = record(exam, form.cleaned_data, request.user)
            except exam_services.ExamOutcomeError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, done, messages.SUCCESS)
                self.report_messages(request, sent)
                return redirect("admin:candidates_exam_change", exam.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(exam),
            "exam": exam,
            "form": form,
            "outcome": outcome,
            "opts": self.opts,
            "original": exam,
        }
        return TemplateResponse(request, "admin/candidates/exam_outcome.html", context)

    @admin.display(description=_("issue de l'épreuve"))
    def outcome(self, exam):
        """What became of the exam, its history, and what may still be recorded (links to the small forms)."""
        if exam.pk is None:
            return _("Prévue : l'issue s'enregistre une fois l'épreuve enregistrée.")
        graded, decided = exam.is_graded, exam.decisions.exists()
        available = []
        if not (graded or decided):
            if exam.status == ExamStatus.SCHEDULED:
                available = ["postpone", "excuse", "cancel"]
                if exam.scheduled_at <= timezone.now():
                    available.append("absence")
            elif exam.status == ExamStatus.ABSENT:
                available = ["excuse"]
        context = {
            "exam": exam,
            "graded": graded,
            "decided": decided,
            "events": exam.events.select_related("user"),
            "links": [
                (reverse(f"admin:candidates_exam_{name}", args=[exam.pk]), EXAM_OUTCOMES[name][1]) for name in available
            ],
            "convene_again_url": self._convene_again_url(exam) if exam.status in EXAM_WITHDRAWN_STATUSES else None,
        }
        return render_to_string("admin/candidates/exam_outcome_panel.html", context)

    def _convene_again_url(self, exam):
        """The add page, filled in with this exam's session, candidate, bloc, place and jury."""
        initial = {
            "session": exam.session_id,
            "candidate": exam.candidate_id,
            "bloc": exam.bloc_id or "",
            "place": exam.place,
            "video_link": exam.video_link,
            "president": exam.president_id,
            "representative": exam.representative_id,
        }
        return f"{reverse('admin:candidates_exam_add')}?{urlencode({k: v for k, v in initial.items() if v})}"

    @admin.action(description=_("Déclarer le candidat absent (épreuves commencées)"))
    def record_absences(self, request, queryset):
        recorded = 0
        for exam in queryset:
            try:
                exam_services.record_absence(exam, acting_user=request.user)
            except exam_services.ExamOutcomeError as error:
                self.message_user(request, f"{exam} : {error}", messages.ERROR)
            else:
                recorded += 1
        if recorded:
            self.message_user(
                request,
                ngettext("%(count)d absence enregistrée.", "%(count)d absences enregistrées.", recorded)
                % {"count": recorded},
                messages.SUCCESS,
            )

    @admin.action(description=_("Annuler les épreuves (avec un motif)"))
    def cancel_exams(self, request, queryset):
        """Asks the reason first (an intermediate page), then cancels each exam through the service."""
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Annuler les épreuves"),
                "exams": queryset,
                "form": form,
                "opts": self.opts,
                "action": "cancel_exams",
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            }
            return TemplateResponse(request, "admin/candidates/exam_cancel_confirmation.html", context)
        cancelled = 0
        for exam in queryset:
            try:
                sent = exam_services.cancel_exam(exam, form.cleaned_data["reason"], acting_user=request.user)[1]
            except exam_services.ExamOutcomeError as error:
                self.message_user(request, f"{exam} : {error}", messages.ERROR)
            else:
                cancelled += 1
                self.report_messages(request, sent)
        if cancelled:
            self.message_user(
                request,
                ngettext("%(count)d épreuve annulée.", "%(count)d épreuves annulées.", cancelled)
                % {"count": cancelled},
                messages.SUCCESS,
            )
        return None

    def save_model(self, request, obj, form, change):
        """Saves the exam and convenes its people, or sends them what changed, in the save's transaction."""
        previous = Exam.objects.for_listing().get(pk=obj.pk) if change else None
        super().save_model(request, obj, form, change)
        self.report_messages(request, convocations.convene(obj, previous=previous))

    def delete_model(self, request, obj):
        with transaction.atomic():
            sent = convocations.cancel(obj)
            super().delete_model(request, obj)
        self.report_messages(request, sent)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            sent = [message for exam in queryset.for_listing() for message in convocations.cancel(exam)]
            super().delete_queryset(request, queryset)
        self.report_messages(request, sent)

    def report_messages(self, request, sent):
        """Tells the administrator what was sent, and to whom nothing could be (no usable address)."""
        if not sent:
            return
        unsent = len([message for message in sent if message.status == MessageStatus.NOT_SENDABLE])
        if len(sent) > unsent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message de convocation part par courriel.",
                    "%(count)d messages de convocation partent par courriel.",
                    len(sent) - unsent,
                )
                % {"count": len(sent) - unsent},
                messages.SUCCESS,
            )
        if unsent:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message de convocation n'a pu partir, faute d'adresse électronique utilisable : "
                    "prévenez la personne autrement et complétez son adresse.",
                    "%(count)d messages de convocation n'ont pu partir, faute d'adresse électronique utilisable : "
                    "prévenez les personnes autrement et complétez leur adresse.",
                    unsent,
                )
                % {"count": unsent},
                messages.WARNING,
            )

    @admin.display(description=_("objet"), ordering="bloc__code")
    def examined(self, exam):
        return exam.bloc.code if exam.bloc_id else _("Tous les blocs (VAE)")

    @admin.display(description=_("lieu ou lien"))
    def where(self, exam):
        return exam.place or exam.video_link


@admin.register(AcquiredBloc)
class AcquiredBlocAdmin(SignedRecordMixin, admin.ModelAdmin):
    list_display = ["candidate", "bloc", "acquired_on", "origin"]
    list_filter = ["bloc__code", "acquired_on"]
    search_fields = ["candidate__last_name", "candidate__first_name", "bloc__code"]
    list_select_related = ["candidate", "bloc"]
    autocomplete_fields = ["candidate", "bloc"]
    readonly_fields = ["deliberation"]


@admin.register(CqpAward)
class CqpAwardAdmin(SignedRecordMixin, admin.ModelAdmin):
    list_display = ["candidate", "certification", "awarded_on", "deliberation"]
    list_filter = ["certification__code", "awarded_on"]
    search_fields = ["candidate__last_name", "candidate__first_name"]
    list_select_related = ["candidate", "certification", "deliberation"]
    autocomplete_fields = ["candidate"]
    readonly_fields = ["deliberation"]
