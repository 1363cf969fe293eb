from django import forms
from django.utils.translation import gettext_lazy as _


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("Numéro du certificat"), max_length=40, help_text=_("Par exemple CCP-GC-2026-000123")
    )
    holder = forms.CharField(label=_("Nom du titulaire"), max_length=100)


class RevocationForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la révocation"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
