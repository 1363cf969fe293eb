"""The results exports of the admin, made in the background."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .services import request_output
from .views import output_response


class BackgroundResultsExportMixin:
    """Two admin actions that export the selected objects' results, as CSV or as Excel, made by the task
    worker. The admin names them in its `actions` and gives `results_kind`, a producer of the outputs app."""

    results_kind = None
    results_title = _("Export des résultats")

    @admin.action(description=_("Exporter les résultats (CSV)"))
    def export_results_csv(self, request, queryset):
        return self._export_results(request, queryset, "csv")

    @admin.action(description=_("Exporter les résultats (Excel)"))
    def export_results_xlsx(self, request, queryset):
        return self._export_results(request, queryset, "xlsx")

    def _export_results(self, request, queryset, file_format):
        selected = sorted(queryset.values_list("pk", flat=True))
        output = request_output(
            self.results_kind,
            user=request.user,
            title=f"{self.results_title} ({file_format.upper()}, {timezone.localdate():%d/%m/%Y})",
            parameters={"pks": selected, "format": file_format},
            back_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"),
        )
        return output_response(output)
