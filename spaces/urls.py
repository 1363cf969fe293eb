from django.urls import path

from . import companion_views, credential_views, documents_views, views

app_name = "spaces"
urlpatterns = [
    path("mon-espace/", views.candidate_home, name="candidate_home"),
    path("mon-espace/epreuves/<int:pk>/convocation.ics", views.candidate_exam_calendar, name="candidate_exam_calendar"),
    path("mon-espace/certificats/<int:pk>/pdf/", views.candidate_certificate_pdf, name="candidate_certificate_pdf"),
    path(
        "mon-espace/certificats/<int:pk>/credential.jwt",
        credential_views.candidate_credential,
        name="candidate_credential",
    ),
    path("mon-espace/mes-donnees.json", views.candidate_data, name="candidate_data"),
    path("mon-espace/rectification/", views.candidate_correction, name="candidate_correction"),
    path("mon-espace/documents/deposer/", documents_views.upload, name="upload_document"),
    path("mon-espace/documents/<int:pk>/", documents_views.download, name="candidate_document"),
    path("accompagnement/", companion_views.companion_home, name="companion_home"),
    path(
        "accompagnement/candidats/<int:candidate_pk>/",
        companion_views.companion_candidate,
        name="companion_candidate",
    ),
    path(
        "accompagnement/candidats/<int:candidate_pk>/competences/<int:competence_pk>/<slug:role>/attester/",
        companion_views.attest,
        name="carnet_attest",
    ),
    path(
        "accompagnement/candidats/<int:candidate_pk>/competences/<int:competence_pk>/<slug:role>/retirer/",
        companion_views.withdraw,
        name="carnet_withdraw",
    ),
]
