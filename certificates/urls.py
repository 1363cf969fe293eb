from django.urls import path

from . import credential_views, views

app_name = "certificates"

urlpatterns = [
    path("verifier/", views.lookup, name="lookup"),
    path("verifier/<path:code>/", views.verify, name="verify"),
    # The machine-readable credential (issue 18): a certificate's, the revocations' list, the key verifying both.
    path("verifier/<str:code>/credential.jwt", credential_views.credential, name="credential"),
    path("verifier/cles.jwks", credential_views.signing_keys, name="signing_keys"),
    path("statuts/revocation", credential_views.status_revocation, name="status_list"),
]
