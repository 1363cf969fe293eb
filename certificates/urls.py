from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verifier/", views.lookup, name="lookup"),
    path("verifier/<path:code>/", views.verify, name="verify"),
]
