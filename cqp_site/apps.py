from django.contrib.admin.apps import AdminConfig


class CertificationAdminConfig(AdminConfig):
    default_site = "cqp_site.admin.CertificationAdminSite"
