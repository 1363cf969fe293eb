"""The forms of the carnet de suivi online: attest a competence in one's role, or withdraw that attestation.

The rules (who attests, until when, which dates) are `spaces.carnet`'s, applied by its services: the forms only
read what was typed. Each form posts to its own address (competence and role in the URL), so that a page holding
dozens of them gives each its own ids (`prefix`)."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import AttesterRole

# The role as the addresses say it, in French.
ROLE_SLUGS = {"tuteur": AttesterRole.TUTOR.value, "manager": AttesterRole.MANAGER.value}
SLUG_OF_ROLE = {role: slug for slug, role in ROLE_SLUGS.items()}


class _Submit(Submit):
    """A button whose whole look is its `css_class` (crispy's own always adds « btn-primary »)."""

    field_classes = "btn"


def _helper(action, label, css_class, prefix):
    """Posted to `action`; its button's id made unique with the form's prefix (a page holds dozens of them)."""
    helper = FormHelper()
    helper.form_method = "post"
    helper.form_action = action
    helper.form_class = "carnet-form"
    helper.add_input(_Submit("submit", label, css_class=css_class, css_id=f"{prefix}-submit"))
    return helper


def _url(name, candidate, competence, role):
    return reverse(
        name, kwargs={"candidate_pk": candidate.pk, "competence_pk": competence.pk, "role": SLUG_OF_ROLE[role]}
    )


class AttestationForm(forms.Form):
    attested_on = forms.DateField(
        label=_("Maîtrise constatée le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    comment = forms.CharField(
        label=_("Commentaire (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Ce que vous avez observé en situation de travail ; le jury le lit avec l'attestation."),
    )

    def __init__(self, *args, candidate, competence, role, **kwargs):
        today = timezone.localdate()
        kwargs.setdefault("prefix", f"attester-{competence.pk}-{role}")
        kwargs.setdefault("initial", {"attested_on": today})
        super().__init__(*args, **kwargs)
        self.fields["attested_on"].widget.attrs["max"] = f"{today:%Y-%m-%d}"
        self.helper = _helper(
            _url("spaces:carnet_attest", candidate, competence, role), _("Attester"), "btn-primary", self.prefix
        )


class WithdrawalForm(forms.Form):
    """No field: the button says it all; the attestation withdrawn is the one shown beside it."""

    def __init__(self, *args, candidate, competence, role, **kwargs):
        kwargs.setdefault("prefix", f"retirer-{competence.pk}-{role}")
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _url("spaces:carnet_withdraw", candidate, competence, role),
            _("Retirer mon attestation"),
            "btn-outline-danger btn-sm",
            self.prefix,
        )
