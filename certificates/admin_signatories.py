"""The signatories of the certificates in the admin: who signs for the Ucanss, and during which dates of
office. A certificate names the one in office on its date of issue (`selectors.signatory_on`); a PDF
already issued keeps the name it was issued with."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cqp_site.admin_guards import GuardedAdminMixin

from .models import Signatory


class SignatoryForm(forms.ModelForm):
    class Meta:
        model = Signatory
        fields = ["name", "title", "place", "from_date", "to_date"]

    def clean(self):
        """Two signatories in office on the same day would leave a certificate's signatory to chance."""
        cleaned = super().clean()
        start, end = cleaned.get("from_date"), cleaned.get("to_date")
        if start is None or (end is not None and end < start):
            return cleaned  # the field's own error, or the model's constraint, says what is wrong
        overlapping = Signatory.objects.filter(Q(to_date__isnull=True) | Q(to_date__gte=start))
        if end is not None:
            overlapping = overlapping.filter(from_date__lte=end)
        other = overlapping.exclude(pk=self.instance.pk).order_by("from_date").first()
        if other is not None:
            office = {"name": other.name, "start": date_format(other.from_date)}
            if other.to_date:
                office = _("%(name)s est en fonction du %(start)s au %(end)s") % (
                    office | {"end": date_format(other.to_date)}
                )
            else:
                office = _("%(name)s est en fonction depuis le %(start)s, sans date de fin") % office
            raise forms.ValidationError(
                _(
                    "%(office)s : les dates de fonction de deux signataires ne se chevauchent pas. Indiquez "
                    "d'abord la fin de ses fonctions."
                )
                % {"office": office}
            )
        return cleaned


@admin.register(Signatory)
class SignatoryAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = SignatoryForm
    list_display = ["name", "title", "place", "from_date", "to_date", "in_office_today"]
    search_fields = ["name", "title"]
    fields = ["name", "title", "place", ("from_date", "to_date")]

    @admin.display(description=_("en fonction aujourd'hui"), boolean=True)
    def in_office_today(self, signatory):
        today = timezone.localdate()
        return signatory.from_date <= today and (signatory.to_date is None or today <= signatory.to_date)
