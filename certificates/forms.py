from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cqp_site.uploads import PDF, upload_problems

from .authenticity import MAX_PDF_BYTES


class LookupForm(forms.Form):
    """A certificate is found by its number and one more fact of its holder: their whole name (every
    word, in any order) or their birth date. Numbers follow each other, so a number alone, or with a
    single word of a name, would let anyone list the holders."""

    number = forms.CharField(
        label=_("Numéro du certificat"), max_length=40, help_text=_("Par exemple CCP-GC-2026-000123")
    )
    holder = forms.CharField(
        label=_("Nom complet du titulaire"),
        max_length=100,
        required=False,
        help_text=_("Prénom et nom, comme sur le certificat"),
    )
    birth_date = forms.DateField(
        label=_("ou sa date de naissance"),
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned_data = super().clean()
        if not self.errors and not cleaned_data.get("holder", "").strip() and not cleaned_data.get("birth_date"):
            raise forms.ValidationError(
                _("Indiquez le nom complet du titulaire ou sa date de naissance."), code="holder_required"
            )
        return cleaned_data


class PdfCheckForm(forms.Form):
    """A PDF someone was shown, to check against the certificates the Ucanss issued (`authenticity.check_pdf`):
    a PDF by its first bytes, whatever its name, within MAX_PDF_BYTES (a certificate weighs some 40 KB)."""

    pdf = forms.FileField(
        label=_("Le certificat reçu, en PDF"),
        error_messages={"required": _("Choisissez le PDF à vérifier.")},
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdf"].help_text = _("Un fichier PDF de %(max)s au plus ; il n'est pas conservé.") % {
            "max": filesizeformat(MAX_PDF_BYTES)
        }
        self.helper = FormHelper()
        self.helper.form_id = "check-pdf-form"
        self.helper.form_action = reverse("certificates:lookup") + "#verifier-pdf"
        self.helper.add_input(Submit("check", _("Vérifier le PDF"), css_class="btn-primary"))

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        problems = upload_problems(upload, formats=(PDF,), max_bytes=MAX_PDF_BYTES)
        if problems:
            raise forms.ValidationError(problems)
        return upload


class RevocationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la révocation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la réédition"),
        help_text=_("Par exemple : erreur de saisie du nom corrigée, changement de nom d'usage."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
