from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("jury/", views.jury_home, name="jury_home"),
    path("jury/epreuves/<int:pk>/", views.grid, name="grid"),
    path("jury/epreuves/<int:pk>/apercu/", views.preview, name="preview"),
    path("jury/epreuves/<int:pk>/signer/", views.sign, name="sign"),
    path("jury/epreuves/<int:pk>/rouvrir/", views.reopen, name="reopen"),
    path("jury/epreuves/<int:pk>/grille.pdf", views.grid_pdf, name="grid_pdf"),
]
