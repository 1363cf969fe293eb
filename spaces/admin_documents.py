"""The documents of the candidates' files in the admin: listed with their download link (a file handed out by the
admin to whoever may view them, 404 to anyone else); the livret 2's receipt recorded from the document deposited;
a document deposited for a candidate (a paper carnet's scan received by post). Registered when the spaces app is
ready (spaces/apps.py)."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from candidates.models import CandidateDocument, DocumentKind
from cqp_site.admin_guards import GuardedAdminMixin

from . import documents


class CandidateDocumentForm(forms.ModelForm):
    """A document deposited by an administrator: checked as the candidate's own (`documents.document_problems`),
    then stored by `documents.upload_document`."""

    class Meta:
        model = CandidateDocument
        fields = ["candidate", "kind", "file"]
        labels = {"candidate": gettext_lazy("Candidat")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            self.fields["file"].help_text = documents.accepted_text(list(DocumentKind))
            self.fields["file"].allow_empty_file = True  # refused by the service, with the file's name

    def clean(self):
        cleaned_data = super().clean()
        candidate, kind, uploaded_file = (cleaned_data.get(key) for key in ("candidate", "kind", "file"))
        if candidate is not None and kind and uploaded_file:
            for problem in documents.document_problems(candidate, kind=kind, uploaded_file=uploaded_file):
                self.add_error(None, problem)
        return cleaned_data


@admin.register(CandidateDocument)
class CandidateDocumentAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """Documents are deposited (here or by the candidate) and may be removed; never edited."""

    form = CandidateDocumentForm
    list_display = ["candidate_name", "kind", "name", "file_size", "uploaded_at", "download_link", "livret2_state"]
    list_filter = ["kind"]
    list_select_related = ["candidate"]
    search_fields = ["candidate__last_name", "candidate__first_name", "name"]
    date_hierarchy = "uploaded_at"
    autocomplete_fields = ["candidate"]
    actions = ["record_livret2_receipt"]
    readonly_fields = [
        "candidate_name",
        "kind",
        "name",
        "file_size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
        "download_link",
        "livret2_state",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["candidate", "kind", "file"]
        return self.readonly_fields  # the stored name stays unknown: the file is reached by its download link

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("candidate", "uploaded_by")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Through the service, which checks again under lock and computes the size and the digest."""
        document = documents.upload_document(
            form.cleaned_data["candidate"],
            kind=form.cleaned_data["kind"],
            uploaded_file=form.cleaned_data["file"],
            acting_user=request.user,
        )
        obj.pk, obj.name, obj.file = document.pk, document.name, document.file

    def save_related(self, request, form, formsets, change):
        pass  # no relation is edited here

    def delete_model(self, request, obj):
        self.delete_queryset(request, CandidateDocument.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        """The rows, then their files once the deletion is committed."""
        names = list(queryset.values_list("file", flat=True))
        queryset.delete()
        storage = CandidateDocument._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])

    @admin.display(description=_("candidat"), ordering="candidate__last_name")
    def candidate_name(self, document):
        return document.candidate

    @admin.display(description=_("taille"), ordering="size")
    def file_size(self, document):
        return filesizeformat(document.size)

    @admin.display(description=_("télécharger"))
    def download_link(self, document):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:candidates_candidatedocument_download", args=[document.pk]),
            document.name,
        )

    @admin.display(description=_("réception du livret 2"))
    def livret2_state(self, document):
        if document.kind != DocumentKind.LIVRET2:
            return "—"
        received_on = document.candidate.livret2_received_on
        if received_on:
            return _("reçu le %(date)s") % {"date": received_on.strftime("%d/%m/%Y")}
        return _("à enregistrer")

    def get_urls(self):
        return [
            path(
                "<int:pk>/telecharger/",
                never_cache(self.download_view),
                name="candidates_candidatedocument_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, pk):
        """The document, to whoever may view the documents in the admin; 404 to anyone else, signed in or not."""
        if not (self.admin_site.has_permission(request) and self.has_view_permission(request)):
            raise Http404
        document = get_object_or_404(CandidateDocument, pk=pk)
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)

    def has_record_receipt_permission(self, request):
        return request.user.has_perm("candidates.change_candidate")

    @admin.action(description=_("Enregistrer la réception du livret 2"), permissions=["record_receipt"])
    def record_livret2_receipt(self, request, queryset):
        """Each livret 2 selected: its candidate's livret 2 received on the day it was deposited."""
        for document in queryset.select_related("candidate").order_by("candidate__last_name", "uploaded_at"):
            try:
                candidate = documents.record_livret2_receipt(document, acting_user=request.user)
            except documents.DocumentRefused as refused:
                for problem in refused.messages:
                    self.message_user(request, problem, messages.ERROR)
                continue
            date = candidate.livret2_received_on.strftime("%d/%m/%Y")
            self.log_change(request, candidate, _("Livret 2 reçu le %(date)s (document déposé).") % {"date": date})
            self.message_user(
                request,
                _("Livret 2 de %(candidate)s reçu le %(date)s : son entretien VAE peut être programmé.")
                % {"candidate": candidate, "date": date},
                messages.SUCCESS,
            )
