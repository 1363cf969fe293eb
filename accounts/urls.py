from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

# Django's names (no namespace): its views and the admin find them as they are.
urlpatterns = [
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oublie/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mot-de-passe/nouveau/fait/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
