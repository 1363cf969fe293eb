from django.urls import path

from . import documents_views, national_views, views

app_name = "evaluations"

urlpatterns = [
    path("jury/", views.jury_home, name="jury_home"),
    path("jury/epreuves/<int:pk>/", views.grid, name="grid"),
    path("jury/epreuves/<int:pk>/apercu/", views.preview, name="preview"),
    path("jury/epreuves/<int:pk>/signer/", views.sign, name="sign"),
    path("jury/epreuves/<int:pk>/rouvrir/", views.reopen, name="reopen"),
    path("jury/epreuves/<int:pk>/absent/", views.record_absence, name="record_absence"),
    path("jury/epreuves/<int:pk>/grille.pdf", views.grid_pdf, name="grid_pdf"),
    path("jury/epreuves/<int:pk>/livret2/", documents_views.livret2, name="livret2"),
    path("statistiques/", national_views.statistics_page, name="statistics"),
    path("jury-national/", national_views.deliberation_list, name="deliberation_list"),
    path("jury-national/deliberations/<int:pk>/", national_views.deliberation, name="deliberation"),
    path("jury-national/deliberations/<int:pk>/ajouter/", national_views.add_files, name="add_files"),
    path(
        "jury-national/deliberations/<int:pk>/dossiers/<int:file_pk>/",
        national_views.candidate_file,
        name="candidate_file",
    ),
    path(
        "jury-national/deliberations/<int:pk>/dossiers/<int:file_pk>/grilles/<int:exam_pk>.pdf",
        national_views.file_grid_pdf,
        name="file_grid_pdf",
    ),
    path(
        "jury-national/deliberations/<int:pk>/recours/<int:appeal_pk>/pieces/<int:document_pk>/",
        national_views.appeal_document,
        name="appeal_document",
    ),
    path("jury-national/deliberations/<int:pk>/signer/", national_views.sign_deliberation, name="sign_deliberation"),
    path("jury-national/deliberations/<int:pk>/proces-verbal.pdf", national_views.minutes_pdf, name="minutes_pdf"),
]
