import tempfile

from django.conf import settings
from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from cqp_site.admin import ReadOnlyAdminMixin
from cqp_site.admin_guards import GuardedAdminMixin
from cqp_site.downloads import attachment
from cqp_site.spreadsheets import dataset_response

from . import register, services, signing
from .admin_deposits import DepositFilter
from .forms import ReissueForm, RevocationForm
from .models import Certificate, IssuingRun


@admin.register(Certificate)
class CertificateAdmin(GuardedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Certificates are issued from a signed deliberation and never edited nor deleted; they may be revoked,
    or re-issued when the holder's name is corrected (a new certificate replaces the old one)."""

    list_display = ["number", "kind", "holder_name", "issued_on", "validity"]
    list_filter = [
        "kind",
        ("certification", admin.RelatedOnlyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
        ("replaced_at", admin.EmptyFieldListFilter),
        "deliberation",
        DepositFilter,
    ]
    search_fields = ["number", "holder_name"]
    list_select_related = ["deliberation"]
    date_hierarchy = "issued_on"
    fields = [
        "number",
        "kind",
        "holder_name",
        "certification",
        "bloc",
        "deliberation",
        "issued_on",
        "pdf_download",
        "sha256",
        "renewals",
        "verification",
        "revoked_at",
        "revocation_reason",
        "revoked_by",
        "revocation",
        "replacement",
        "history",
    ]
    readonly_fields = fields
    actions = ["register_csv", "register_xml"]

    def changelist_view(self, request, extra_context=None):
        """Says above the list when certificates are signed without long-term validation data (issue 18)."""
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and not signing.is_long_term():
            messages.warning(request, signing.NOT_LONG_TERM)
        return response

    @admin.action(description=_("Registre des titulaires pour la Caisse des Dépôts (CSV)"))
    def register_csv(self, request, queryset):
        """Every entry, CQP and CCP; the file is kept as a deposit declaring them (« Dépôts au registre »)."""
        if not request.user.has_perm("certificates.add_registerdeposit"):
            self.message_user(request, register.NOT_ALLOWED_TO_DEPOSIT, messages.ERROR)
            return None
        try:
            entries = register.entries(queryset)
            dataset = register.as_dataset(entries)
        except register.RegisterError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        name = f"registre-titulaires-{timezone.localdate():%Y-%m-%d}"
        response = dataset_response(dataset, "csv", name)
        register.record_deposit(entries, response.content, "csv", f"{name}.csv", acting_user=request.user)
        return response

    @admin.action(description=_("Registre des titulaires pour la Caisse des Dépôts (XML, CQP)"))
    def register_xml(self, request, queryset):
        """The CQP entries as the Caisse des Dépôts' flux; the file is kept as a deposit declaring them."""
        if not request.user.has_perm("certificates.add_registerdeposit"):
            self.message_user(request, register.NOT_ALLOWED_TO_DEPOSIT, messages.ERROR)
            return None
        try:
            entries = register.entries(queryset)
            data = register.as_cdc_xml(entries, settings.CDC_CLIENT_ID, settings.CDC_CONTRACT_ID, timezone.localtime())
        except register.RegisterError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        name = f"flux-cdc-{timezone.localdate()}.xml"
        register.record_deposit(register.flux_entries(entries), data, "xml", name, acting_user=request.user)
        return attachment(HttpResponse(data, content_type="application/xml"), name)

    @admin.display(description=_("validité"))
    def validity(self, certificate):
        if certificate.is_revoked:
            return _("révoqué")
        return _("remplacé") if certificate.is_replaced else _("valide")

    @admin.display(description=_("PDF signé"))
    def pdf_download(self, certificate):
        if not certificate.pdf:
            return _("en cours de production")
        url = reverse("admin:certificates_certificate_pdf", args=[certificate.pk])
        return format_html('<a href="{}">{}</a>', url, _("Télécharger %(number)s.pdf") % {"number": certificate.number})

    @admin.display(description=_("horodatages renouvelés"))
    def renewals(self, certificate):
        """Each renewal of the PDF's document timestamp (`manage.py renew_timestamps`); the download serves the
        latest. Without TSA_URL there is none, and the list says so (check certificates.W009)."""
        rows = certificate.renewals.all()
        if not rows:
            return _("aucun") if signing.is_long_term() else signing.NOT_LONG_TERM
        return format_html_join(
            mark_safe("<br>"),
            "{} ({})",
            (
                (
                    date_format(timezone.localtime(row.renewed_at), "j F Y"),
                    _("horodatage valable jusqu'au %(day)s")
                    % {"day": date_format(timezone.localtime(row.timestamp_valid_until), "j F Y")},
                )
                for row in rows
            ),
        )

    @admin.display(description=_("page de vérification"))
    def verification(self, certificate):
        url = reverse("certificates:verify", kwargs={"code": certificate.code})
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description=_("révocation"))
    def revocation(self, certificate):
        if not certificate.is_valid:
            return "—"
        url = reverse("admin:certificates_certificate_revoke", args=[certificate.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Révoquer ce certificat"))

    @admin.display(description=_("réédition"))
    def replacement(self, certificate):
        """The certificate this one replaces, the one that replaces it, or the button to re-issue it."""
        parts = []
        if certificate.replaces_id:
            parts.append(
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Remplace le certificat"),
                    reverse("admin:certificates_certificate_change", args=[certificate.replaces_id]),
                    certificate.replaces.number,
                )
            )
        if certificate.is_replaced:
            parts.append(
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Remplacé le %(date)s par le certificat")
                    % {"date": date_format(timezone.localtime(certificate.replaced_at))},
                    reverse("admin:certificates_certificate_change", args=[certificate.replaced_by.pk]),
                    certificate.replaced_by.number,
                )
            )
        elif not certificate.is_revoked:
            url = reverse("admin:certificates_certificate_reissue", args=[certificate.pk])
            parts.append(format_html('<a class="button" href="{}">{}</a>', url, _("Rééditer (nom corrigé)")))
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts))

    @admin.display(description=_("historique"))
    def history(self, certificate):
        events = certificate.events.select_related("user", "replacement")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{} — {} par {} : {}",
                (
                    (
                        date_format(timezone.localtime(event.at), "DATETIME_FORMAT"),
                        event.get_action_display() + (f" ({event.replacement.number})" if event.replacement_id else ""),
                        (event.user.get_full_name() or event.user.get_username()) if event.user else _("(sans compte)"),
                        event.reason,
                    )
                    for event in events
                ),
            )
            or "—"
        )

    def get_urls(self):
        revoke = self.admin_site.admin_view(self.revoke_view)
        reissue = self.admin_site.admin_view(self.reissue_view)
        pdf = never_cache(self.pdf_view)
        return [
            path("<int:pk>/revoquer/", revoke, name="certificates_certificate_revoke"),
            path("<int:pk>/reediter/", reissue, name="certificates_certificate_reissue"),
            path("<int:pk>/pdf/", pdf, name="certificates_certificate_pdf"),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk):
        """The signed PDF, streamed from storage to whoever may view certificates in the admin; 404 to
        anyone else, signed in or not."""
        certificate = self.viewable_or_404(request, Certificate.objects.all(), pk)
        if not certificate.pdf:
            raise Http404
        pdf = certificate.latest_pdf()  # its timestamp renewed, if it was
        return FileResponse(pdf.open("rb"), as_attachment=True, filename=f"{certificate.number}.pdf")

    def _changeable_or_404(self, request, pk):
        certificate = get_object_or_404(Certificate.objects.select_related("candidate"), pk=pk)
        if not self.has_view_permission(request, certificate) or not request.user.has_perm(
            "certificates.change_certificate"
        ):
            raise Http404
        return certificate

    def reissue_view(self, request, pk):
        """The holder's name corrected in the candidate's record: a new certificate in that name replaces this one."""
        certificate = self._changeable_or_404(request, pk)
        form = ReissueForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                new = services.reissue_certificate(certificate, form.cleaned_data["reason"], acting_user=request.user)
            except services.CertificateError as error:
                messages.error(request, str(error))
                return redirect("admin:certificates_certificate_change", certificate.pk)
            messages.success(
                request,
                _(
                    "Certificat %(old)s remplacé par le certificat %(new)s, au nom de %(name)s : il est produit "
                    "et envoyé à son titulaire en arrière-plan."
                )
                % {"old": certificate.number, "new": new.number, "name": new.holder_name},
            )
            return redirect("admin:certificates_certificate_change", new.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Rééditer le certificat %(number)s") % {"number": certificate.number},
            "certificate": certificate,
            "original": certificate,
            "new_name": services.holder_name_of(certificate.candidate),
            "candidate_url": reverse("admin:candidates_candidate_change", args=[certificate.candidate_id]),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/certificates/reissue.html", context)

    def revoke_view(self, request, pk):
        certificate = self._changeable_or_404(request, pk)
        form = RevocationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.revoke(certificate, request.user, form.cleaned_data["reason"])
            except services.CertificateError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Certificat %(number)s révoqué.") % {"number": certificate.number})
            return redirect("admin:certificates_certificate_change", certificate.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Révoquer le certificat %(number)s") % {"number": certificate.number},
            "certificate": certificate,
            "original": certificate,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/certificates/revoke.html", context)


@admin.register(IssuingRun)
class IssuingRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The progress of each deliberation's certificates, and their ZIP."""

    list_display = ["deliberation", "progress", "started_at", "finished_at"]
    list_select_related = ["deliberation"]
    readonly_fields = ["deliberation", "total", "done", "started_at", "finished_at", "archive", "error"]

    @admin.display(description=_("avancement"))
    def progress(self, run):
        return format_html(
            '<progress max="{}" value="{}" aria-label="{}"></progress> {} / {}',
            run.total,
            run.done,
            _("certificats produits"),
            run.done,
            run.total,
        )

    @admin.display(description=_("archive"))
    def archive(self, run):
        if not run.finished_at:
            return _("quand tous les certificats seront produits")
        url = reverse("admin:certificates_issuingrun_archive", args=[run.pk])
        return format_html('<a href="{}">{}</a>', url, services.archive_name(run))

    def get_urls(self):
        view = self.admin_site.admin_view(self.progress_view)
        archive = never_cache(self.archive_view)
        return [
            path("<int:pk>/avancement/", view, name="certificates_issuingrun_progress"),
            path("<int:pk>/archive/", archive, name="certificates_issuingrun_archive"),
            *super().get_urls(),
        ]

    def _viewable_run(self, request, pk):
        return self.viewable_or_404(request, IssuingRun.objects.select_related("deliberation"), pk)

    def progress_view(self, request, pk):
        run = self._viewable_run(request, pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Certificats de « %(deliberation)s »") % {"deliberation": run.deliberation},
            "run": run,
            "original": run,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/certificates/progress.html", context)

    def archive_view(self, request, pk):
        """The ZIP of the deliberation's certificates, made from storage when asked: a temporary file
        (on disk past 16 MB) streamed, then gone; nothing is stored twice, nothing is left behind."""
        run = self._viewable_run(request, pk)
        if not run.finished_at:
            raise Http404(_("L'archive n'est pas encore prête."))
        output = services.write_archive(run, tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024))
        output.seek(0)
        return FileResponse(output, as_attachment=True, filename=services.archive_name(run))


import cqp_site.audit_admin  # noqa: E402,F401  the audit trail's lists, once the audited apps' admins exist
