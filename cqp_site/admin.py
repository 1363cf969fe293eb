from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy

from candidates.roles import is_jury_member


class CertificationAdminSite(admin.AdminSite):
    site_header = "Certification CQP — Ucanss"
    site_title = "Certification CQP"
    index_title = "Administration des certifications"
    site_url = reverse_lazy("evaluations:statistics")  # « Voir le site »: "/" would send an administrator back here

    def has_permission(self, request):
        """Ucanss administrators only: a jury member never reaches the admin, even if made staff."""
        user = request.user
        if not super().has_permission(request):
            return False
        return user.is_superuser or not is_jury_member(user)


class ReadOnlyAdminMixin:
    """Records written by the application's own steps (grids, certificates, runs): shown, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def viewable_or_404(self, request, queryset, pk):
        """The object, for whoever may view it in the admin; « not found » for anyone else, signed in or
        not, a staff account without the permission included (for the views that hand out files)."""
        obj = get_object_or_404(queryset, pk=pk)
        if not (self.admin_site.has_permission(request) and self.has_view_permission(request, obj)):
            raise Http404
        return obj


def related_count(queryset, key, counted="pk"):
    """How many rows of `queryset` (distinct values of `counted`) point at the listed object through
    `key`, as a scalar subquery: a list page computes it for its own rows only, and counting the list
    counts its objects only (a JOIN with GROUP BY would first count for every row of the table)."""
    counts = (
        queryset.filter(**{key: OuterRef("pk")})
        .order_by()
        .values(key)
        .annotate(count=Count(counted, distinct=counted != "pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts), 0)
