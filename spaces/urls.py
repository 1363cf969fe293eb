from django.urls import path

from . import views

app_name = "spaces"
urlpatterns = [
    path("mon-espace/", views.candidate_home, name="candidate_home"),
    path("accompagnement/", views.companion_home, name="companion_home"),
]
