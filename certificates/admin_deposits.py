"""Deposits to the Caisse des Dépôts in the admin.

Each register file the certificates' actions produce is a deposit (`register.record_deposit`): listed here with
who produced it and when, its file to download again and its digest, and the certificates it declares. On the
certificates' list, a filter « déposé / non déposé » and, above the list, how many certificates are past the
legal deadline or near it (`register.deposit_deadline`: three months after the issue, Code du travail,
art. R. 6113-17-2).
"""

import datetime
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import admin, messages
from django.http import FileResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from cqp_site.admin import ReadOnlyAdminMixin, related_count
from cqp_site.admin_guards import GuardedAdminMixin

from . import register
from .models import Certificate, RegisterDeposit


def today():
    """Today, in French time: the day deadlines are counted on."""
    return timezone.localdate()


@admin.register(RegisterDeposit)
class RegisterDepositAdmin(GuardedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by the certificates' register actions only; never edited nor deleted here."""

    list_display = ["produced_at", "format", "produced_by", "declared_count", "download"]
    list_filter = ["format"]
    list_select_related = ["produced_by"]
    date_hierarchy = "produced_at"
    fields = ["produced_at", "produced_by", "format", "download", "sha256", "declared"]
    readonly_fields = fields

    def get_queryset(self, request):
        declarations = RegisterDeposit.certificates.through.objects.all()
        return super().get_queryset(request).annotate(declared_total=related_count(declarations, "registerdeposit"))

    @admin.display(description=_("certificats déclarés"), ordering="declared_total")
    def declared_count(self, deposit):
        return deposit.declared_total

    @admin.display(description=_("fichier"))
    def download(self, deposit):
        url = reverse("admin:certificates_registerdeposit_file", args=[deposit.pk])
        return format_html('<a href="{}">{}</a>', url, PurePosixPath(deposit.file.name).name)

    @admin.display(description=_("certificats déclarés"))
    def declared(self, deposit):
        certificates = deposit.certificates.order_by("number")
        return (
            format_html_join(
                mark_safe("<br>"),
                '<a href="{}">{}</a> — {}',
                (
                    (reverse("admin:certificates_certificate_change", args=[c.pk]), c.number, c.holder_name)
                    for c in certificates
                ),
            )
            or "—"
        )

    def get_urls(self):
        return [
            path("<int:pk>/fichier/", never_cache(self.file_view), name="certificates_registerdeposit_file"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk):
        """The file as it was produced, to whoever may view deposits in the admin; 404 to anyone else."""
        deposit = self.viewable_or_404(request, RegisterDeposit.objects.all(), pk)
        name = PurePosixPath(deposit.file.name).name
        return FileResponse(deposit.file.open("rb"), as_attachment=True, filename=name)


class DepositFilter(admin.SimpleListFilter):
    """« déposé / non déposé » on the certificates' list. The list builds it on every display: it is there that
    the list says, above itself, how many certificates to declare are overdue or due within
    CDC_DEPOSIT_WARNING_DAYS days (one query)."""

    title = _("dépôt à la Caisse des Dépôts")
    parameter_name = "depot"

    def lookups(self, request, model_admin):
        days = settings.CDC_DEPOSIT_WARNING_DAYS
        if request.method == "GET":
            warn_of_deadlines(request, register.deposits_due(Certificate.objects.all(), today(), days))
        return [
            ("oui", _("déposé")),
            ("non", _("non déposé (à déclarer)")),
            ("bientot", _("à déclarer dans les %(days)s jours") % {"days": days}),
            ("retard", _("à déclarer, délai dépassé")),
        ]

    def queryset(self, request, queryset):
        day = today()
        if self.value() == "oui":
            return queryset.filter(register.is_deposited())
        if self.value() not in ("non", "bientot", "retard"):
            return queryset
        due = register.undeposited(queryset, day)
        overdue_up_to = register.last_issue_due_before(day)
        if self.value() == "retard":
            return due.filter(issued_on__lte=overdue_up_to)
        if self.value() == "bientot":
            warning = datetime.timedelta(days=settings.CDC_DEPOSIT_WARNING_DAYS + 1)
            soon_up_to = register.last_issue_due_before(day + warning)
            return due.filter(issued_on__gt=overdue_up_to, issued_on__lte=soon_up_to)
        return due


def warn_of_deadlines(request, due: register.DepositsDue):
    changelist = reverse("admin:certificates_certificate_changelist")
    see = _("les voir et produire le registre")
    if due.overdue:
        text = ngettext(
            "%(count)s certificat n'est pas déclaré à la Caisse des Dépôts alors que sa délivrance date de plus "
            "de trois mois (Code du travail, art. R. 6113-17-2) :",
            "%(count)s certificats ne sont pas déclarés à la Caisse des Dépôts alors que leur délivrance date de "
            "plus de trois mois (Code du travail, art. R. 6113-17-2) :",
            due.overdue,
        ) % {"count": due.overdue}
        messages.error(
            request,
            format_html('{} <a href="{}?depot=retard">{}</a>', text, changelist, see),
        )
    if due.due_soon:
        text = ngettext(
            "%(count)s certificat est à déclarer à la Caisse des Dépôts dans les %(days)s jours (trois mois après "
            "sa délivrance) :",
            "%(count)s certificats sont à déclarer à la Caisse des Dépôts dans les %(days)s jours (trois mois après "
            "leur délivrance) :",
            due.due_soon,
        ) % {"count": due.due_soon, "days": due.warning_days}
        messages.warning(
            request,
            format_html('{} <a href="{}?depot=bientot">{}</a>', text, changelist, see),
        )
