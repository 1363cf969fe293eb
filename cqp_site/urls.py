from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from cqp_site import admin_guards, help_views, otp_admin
from cqp_site.views import alive, health, login_code
from evaluations.views import home

# Once every app has registered its admins (pghistory's last), before their URLs are read: the TOTP
# devices' admin answering 404 for an unknown device, then every admin guarded against hostile filter
# values, dates and ids (400 or the admin's ?e=1, never 500).
otp_admin.register()
admin_guards.guard_site()

urlpatterns = [
    path("", home, name="home"),
    path("sante/", health, name="health"),
    path("sante/vivant/", alive, name="alive"),
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("connexion/code/", login_code, name="login_code"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accessibilite/",
        TemplateView.as_view(
            template_name="accessibility.html", extra_context={"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL}
        ),
        name="accessibility",
    ),
    path("aide/", help_views.help_index, name="help"),
    path("aide/images/<slug:name>.png", help_views.help_image, name="help_image"),
    path("aide/<slug:slug>/", help_views.help_guide, name="help_guide"),
    path("", include("accounts.urls")),
    path("", include("evaluations.urls")),
    path("", include("certificates.urls")),
    path("", include("outputs.urls")),
    path("", include("spaces.urls")),
    path("admin/", admin.site.urls),
    path("_nested_admin/", include("nested_admin.urls")),
]

# A database lost anywhere in a request: 503 « rien n'est enregistré »; any other error, the 500 page.
handler500 = "cqp_site.outage.server_error"
