from django.urls import path

from . import views

app_name = "outputs"

urlpatterns = [
    path("productions/<int:pk>/", views.progress, name="progress"),
    path("productions/<int:pk>/avancement.json", views.progress_json, name="progress_json"),
    path("productions/<int:pk>/fichier/", views.download, name="download"),
]
