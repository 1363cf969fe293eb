from django import forms
from django.utils.translation import gettext_lazy as _

from .corrections import EMPTY_REQUEST, TEXT_LIMIT


class CorrectionRequestForm(forms.Form):
    """What the candidate asks to correct, in their own words."""

    text = forms.CharField(
        label=_("Ce qui est à corriger"),
        help_text=_(
            "Indiquez la donnée inexacte et la correction attendue (par exemple : « mon nom de naissance est "
            "Durand, pas Durant »). Les administrateurs de l'Ucanss vous répondent dans un délai d'un mois."
        ),
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": EMPTY_REQUEST,
            "max_length": _("La demande dépasse %(limit_value)d caractères (elle en compte %(show_value)d)."),
        },
    )
