from django import forms
from django.utils.translation import gettext_lazy as _

from candidates.models import Branch, Route

from .models import FileOutcome, Opinion, Ruling
from .statistics import DIMENSIONS

VALIDATED, NOT_VALIDATED = "oui", "non"
MARK_CHOICES = [(VALIDATED, _("Validé")), (NOT_VALIDATED, _("Non validé"))]
MARK_VALUES = {VALIDATED: True, NOT_VALIDATED: False, "": None}
MARK_CHOICE_OF = {True: VALIDATED, False: NOT_VALIDATED, None: ""}
TEXT_LIMIT = 5000
LARGEST_ID = 2**63 - 1  # ids are 64-bit integers: a larger number names nothing
CHECKBOX = forms.CheckboxInput(attrs={"class": "form-check-input"})


class GridForm(forms.Form):
    """Every field of a grid, named as in its state (see evaluations/grids.py)."""

    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, layout, *args, state=None, revision=0, **kwargs):
        initial = {"revision": revision}
        for key, value in (state or {}).items():
            initial[key] = (
                {True: VALIDATED, False: NOT_VALIDATED}.get(value, value) if key.startswith("crit") else value
            )
        super().__init__(*args, initial=initial, **kwargs)
        self.layout = layout
        for bloc in layout.blocs:
            for competence in bloc.competences:
                for criterion in competence.criteria:
                    self.fields[criterion.key] = forms.ChoiceField(
                        label=criterion.text, choices=MARK_CHOICES, required=False, widget=forms.RadioSelect
                    )
                self.fields[competence.comment_key] = forms.CharField(
                    label=_("Commentaire sur %(code)s") % {"code": competence.code},
                    required=False,
                    max_length=TEXT_LIMIT,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
                if bloc.oral_presentation:
                    self.fields[competence.presented_key] = forms.BooleanField(
                        label=_("Couverte par la présentation orale"), required=False, widget=CHECKBOX
                    )
                    self.fields[competence.discussed_key] = forms.BooleanField(
                        label=_("Évaluée lors de l'échange"), required=False, widget=CHECKBOX
                    )
            self.fields[bloc.verdict_key] = forms.ChoiceField(
                label=_("Avis du jury sur le bloc %(code)s") % {"code": bloc.code},
                choices=Opinion.choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[bloc.opinion_key] = forms.CharField(
                label=_("Commentaire du jury sur le bloc %(code)s") % {"code": bloc.code},
                required=False,
                max_length=TEXT_LIMIT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[bloc.recommendations_key] = forms.CharField(
                label=_("Préconisations pour le candidat et l'employeur (ce qui n'est pas acquis)"),
                required=False,
                max_length=TEXT_LIMIT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    def state(self):
        """The grid's state from the cleaned form."""
        state = {}
        for key, value in self.cleaned_data.items():
            if key == "revision":
                continue
            state[key] = MARK_VALUES[value] if key.startswith("criterion-") else value
        return self.layout.normalise(state)


class SignatureForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour signer"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class DeliberationFilterForm(forms.Form):
    cqp = forms.ChoiceField(label=_("CQP"), required=False, choices=[("", _("Tous")), ("GC", "GC"), ("COS", "COS")])
    session = forms.ModelChoiceField(label=_("Session"), required=False, queryset=None, empty_label=_("Toutes"))
    outcome = forms.ChoiceField(label=_("Issue"), required=False)
    disagreement = forms.BooleanField(label=_("Avis différent du résultat calculé"), required=False)
    overridden = forms.BooleanField(label=_("Décision différente du résultat calculé"), required=False)

    def __init__(self, deliberation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = deliberation.sessions.select_related("certification")
        self.fields["session"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["outcome"].choices = [("", _("Toutes")), *FileOutcome.choices]

    def filters(self):
        return self.cleaned_data if self.is_valid() else {}


class BlocDecisionForm(forms.Form):
    ruling = forms.ChoiceField(
        label=_("Décision du jury paritaire national"), choices=Ruling.choices, widget=forms.RadioSelect
    )
    justification = forms.CharField(
        label=_("Justification (obligatoire si la décision diffère du résultat calculé)"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    recommendations = forms.CharField(
        label=_("Préconisations pour le candidat et l'employeur"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StatisticsFilterForm(forms.Form):
    """The filters of the statistics page, read from its address; each value is one the page offers."""

    cqp = forms.ChoiceField(required=False, choices=[("", _("Tous")), ("GC", "GC"), ("COS", "COS")])
    session = forms.IntegerField(required=False, min_value=1, max_value=LARGEST_ID)
    branche = forms.ChoiceField(required=False, choices=[("", _("Toutes")), *Branch.choices])
    voie = forms.ChoiceField(required=False, choices=[("", _("Toutes")), *Route.choices])
    par = forms.ChoiceField(required=False, choices=[(key, label) for key, (_field, label) in DIMENSIONS.items()])

    def filters(self):
        """The filters as the statistics read them and the page shows them back (strings, "" for none)."""
        data = self.cleaned_data
        session = data.get("session")
        return {
            "cqp": data.get("cqp", ""),
            "session": "" if session is None else str(session),
            "branche": data.get("branche", ""),
            "voie": data.get("voie", ""),
        }

    def dimension(self):
        return self.cleaned_data.get("par") or "cqp"
