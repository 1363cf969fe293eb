from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from candidates.models import CorrectionRequest

from . import corrections


class CorrectionAnswerForm(forms.ModelForm):
    answer = forms.CharField(
        label=_("réponse"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=corrections.TEXT_LIMIT,
        help_text=_(
            "Ce qui a été corrigé, ou pourquoi rien ne l'a été. Enregistrer la réponse marque la demande comme "
            "traitée, par vous, maintenant ; le candidat la lit dans son espace."
        ),
        error_messages={"required": _("Écrivez la réponse faite au candidat pour marquer la demande comme traitée.")},
    )

    class Meta:
        model = CorrectionRequest
        fields = ["answer"]


class HandledFilter(admin.SimpleListFilter):
    title = _("traitement")
    parameter_name = "traitee"

    def lookups(self, request, model_admin):
        return [("non", _("à traiter")), ("oui", _("traitées"))]

    def queryset(self, request, queryset):
        if self.value() == "non":
            return queryset.filter(handled_at__isnull=True)
        if self.value() == "oui":
            return queryset.filter(handled_at__isnull=False)
        return queryset


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):
    """The candidates' requests from their space: read, corrected where the data lives, answered here once."""

    form = CorrectionAnswerForm
    list_display = ["asked_at", "candidate", "summary", "handled_at", "handled_by"]
    list_filter = [HandledFilter]
    list_select_related = ["candidate", "handled_by"]
    search_fields = ["candidate__last_name", "candidate__first_name", "text"]
    date_hierarchy = "asked_at"
    readonly_fields = ["candidate", "text", "asked_by", "asked_at", "handled_at", "handled_by"]
    fields = ["candidate", "text", "asked_by", "asked_at", "answer", "handled_at", "handled_by"]

    @admin.display(description=_("demande"))
    def summary(self, correction):
        return correction.text if len(correction.text) <= 80 else f"{correction.text[:79]}…"

    def has_add_permission(self, request):
        return False  # the candidate asks, from their space

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.handled_at is not None:
            return False  # answered once: shown, no longer changed
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        """The answer marks the request handled, through the service (who, when); nothing else is written."""
        try:
            corrections.handle_correction(obj, form.cleaned_data["answer"], acting_user=request.user)
        except corrections.CorrectionError as error:
            messages.error(request, str(error))
