from django import forms
from django.utils.translation import gettext_lazy as _


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
