from django.contrib import admin

from candidates.roles import is_jury_member


class CertificationAdminSite(admin.AdminSite):
    site_header = "Certification CQP — Ucanss"
    site_title = "Certification CQP"
    index_title = "Administration des certifications"

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
