"""The documents of a candidate's file (issue 17): the candidate deposits them from their space (the livret 2 of a
VAE, PDF only; a paper carnet's scan or a proof), refused with the reason and nothing stored when they cannot be
kept; they download their own; the administrator lists them, downloads them, deposits one for a candidate and
records the livret 2's receipt from it; the two members of the VAE interview's jury read the livret 2 from its
grid. Anyone else gets « not found ». Queries counted."""

import hashlib
import html
import re
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from candidates.models import Candidate, CandidateDocument, DocumentKind, Route
from spaces import documents
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% livret 2 de Hugo Lambert\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
EXE = b"MZ\x90\x00\x03\x00\x00\x00"
MIB = 1024 * 1024
SIZE = filesizeformat(len(PDF)).replace("\xa0", " ")  # as `text` reads it


def pdf(name="livret2-lambert.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def signed_in(username):
    """A client of its own for each account: several people in one test."""
    client = Client()
    client.force_login(user(username))
    return client


def content(response):
    """A file's bytes; read to its end, the test client closes the response (closing it here would close the
    database connection, as at the end of a request)."""
    return b"".join(response.streaming_content)


def text(response):
    """The page's text as read: tags dropped, entities decoded, blanks collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def said(response):
    """The messages of the request (a redirection not followed), or those shown by the page it led to."""
    if hasattr(response, "redirect_chain"):
        return [str(message) for message in response.context["messages"]]
    return [str(message) for message in get_messages(response.wsgi_request)]


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(path.relative_to(root) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def deposit(client, kind, uploaded_file):
    return client.post(reverse("spaces:upload_document"), {"kind": kind, "file": uploaded_file})


def livret2_url():
    return reverse("evaluations:livret2", kwargs={"pk": exam_of("Lambert").pk})


def lambert():
    return Candidate.objects.get(last_name="Lambert")


def perrin():
    """Manon Perrin: on the VAE route, her livret 2 not received yet (the demo), no account."""
    return Candidate.objects.get(last_name="Perrin")


# --- The candidate deposits, their jury reads ----------------------------------------------------------------


def test_a_vae_candidate_deposits_their_livret2_which_they_their_jury_and_the_administrator_download(
    demo_exams, settings
):
    hugo = signed_in("hugo.lambert")
    response = deposit(hugo, "livret2", pdf())
    assert (response.status_code, response["Location"]) == (302, reverse("spaces:candidate_home"))
    assert said(response) == ["Livret 2 (VAE) déposé : « livret2-lambert.pdf »."]

    document = CandidateDocument.objects.get()
    assert (
        document.candidate,
        document.kind,
        document.name,
        document.size,
        document.sha256,
        document.uploaded_by,
    ) == (
        lambert(),
        DocumentKind.LIVRET2,
        "livret2-lambert.pdf",
        len(PDF),
        hashlib.sha256(PDF).hexdigest(),
        user("hugo.lambert"),
    )
    # Stored under a random name that tells nothing of the candidate.
    [stored] = stored_files(settings)
    assert re.fullmatch(rf"dossiers/{timezone.localdate():%Y}/[0-9a-f]{{32}}\.pdf", str(stored))
    assert (Path(settings.MEDIA_ROOT) / stored).read_bytes() == PDF

    own = reverse("spaces:candidate_document", kwargs={"pk": document.pk})
    download = hugo.get(own)
    assert (download.status_code, download["Content-Disposition"]) == (
        200,
        'attachment; filename="livret2-lambert.pdf"',
    )
    assert content(download) == PDF

    for member in ("president", "jury.famille"):
        client = signed_in(member)
        grid = client.get(reverse("evaluations:grid", kwargs={"pk": exam_of("Lambert").pk}))
        assert f'<a href="{livret2_url()}" id="livret2-link">Livret 2 du candidat (PDF)</a>' in grid.content.decode()
        download = client.get(livret2_url())
        assert (download.status_code, download["Content-Disposition"], content(download)) == (
            200,
            'attachment; filename="livret2-lambert.pdf"',
            PDF,
        )

    administrator = signed_in("gestionnaire")
    admin_url = reverse("admin:candidates_candidatedocument_download", args=[document.pk])
    listing = administrator.get(reverse("admin:candidates_candidatedocument_changelist"))
    assert f'<a href="{admin_url}">livret2-lambert.pdf</a>' in listing.content.decode()
    assert content(administrator.get(admin_url)) == PDF


def test_nobody_else_reaches_the_documents(demo_exams, client):
    document = documents.upload_document(
        lambert(), kind=DocumentKind.LIVRET2, uploaded_file=pdf(), acting_user=user("hugo.lambert")
    )
    own = reverse("spaces:candidate_document", kwargs={"pk": document.pk})
    admin_url = reverse("admin:candidates_candidatedocument_download", args=[document.pk])
    # Anonymous visitors are sent to log in, as from every address of the spaces and the jury's (it tells nothing
    # of what is behind it, and brings the member who follows the link back to the file); the admin's files give
    # « not found », as every file the admin hands out.
    for url in (own, livret2_url()):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={url}")
    assert client.get(admin_url).status_code == 404
    answers = {
        (username, name): signed_in(username).get(url).status_code
        for username in ("lea.martin", "jury.maladie", "jpn", "gestionnaire", "emma.garnier", "luc.faure", "president")
        for name, url in (("own", own), ("livret2", livret2_url()), ("admin", admin_url))
    }
    expected = {(username, name): 404 for username, name in answers}
    expected |= {("gestionnaire", "admin"): 200, ("president", "livret2"): 200}
    assert answers == expected
    # The candidate reaches their own, not their jury's address nor the admin's.
    hugo = signed_in("hugo.lambert")
    assert [hugo.get(url).status_code for url in (own, livret2_url(), admin_url)] == [200, 404, 404]
    # Another candidate's number is « not found » for the candidate, as one that does not exist.
    other = documents.upload_document(
        Candidate.objects.get(last_name="Martin"),
        kind=DocumentKind.PROOF,
        uploaded_file=pdf("attestation.pdf"),
        acting_user=user("lea.martin"),
    )
    for pk in (other.pk, other.pk + 1):
        assert hugo.get(reverse("spaces:candidate_document", kwargs={"pk": pk})).status_code == 404


def test_only_a_candidate_deposits_and_in_their_own_file(demo_exams, client, settings):
    url = reverse("spaces:upload_document")
    response = client.post(url, {"kind": "proof", "file": pdf()})
    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={url}")
    for username in ("president", "jury.famille", "jpn", "gestionnaire", "emma.garnier", "marc.petit"):
        assert signed_in(username).post(url, {"kind": "proof", "file": pdf()}).status_code == 404
    assert signed_in("hugo.lambert").get(url).status_code == 405
    assert (CandidateDocument.objects.count(), stored_files(settings)) == (0, [])
    deposit(signed_in("lea.martin"), "proof", pdf("attestation-pass.pdf"))
    assert list(CandidateDocument.objects.values_list("candidate__last_name", "uploaded_by__username")) == [
        ("Martin", "lea.martin")
    ]


def test_the_jury_reads_the_latest_livret2_and_only_on_the_vae_interview(demo_exams):
    president = signed_in("president")
    grid = reverse("evaluations:grid", kwargs={"pk": exam_of("Lambert").pk})
    assert "Livret 2 du candidat" not in president.get(grid).content.decode()
    assert president.get(livret2_url()).status_code == 404  # nothing deposited yet
    for name in ("premier.pdf", "corrige.pdf"):
        documents.upload_document(
            lambert(),
            kind=DocumentKind.LIVRET2,
            uploaded_file=pdf(name, PDF + name.encode()),
            acting_user=user("hugo.lambert"),
        )
    documents.upload_document(
        lambert(), kind=DocumentKind.PROOF, uploaded_file=pdf("attestation.pdf"), acting_user=user("hugo.lambert")
    )
    assert president.get(grid).content.decode().count("Livret 2 du candidat (PDF)") == 1
    assert content(president.get(livret2_url())) == PDF + b"corrige.pdf"
    # A bloc's exam has no livret 2 to read: Léa Martin's GRU, presided by the same member.
    bloc_exam = reverse("evaluations:livret2", kwargs={"pk": exam_of("Martin", "GRU").pk})
    assert president.get(bloc_exam).status_code == 404


def test_the_grid_page_reads_the_livret2_in_one_query_whatever_the_documents(demo_exams, django_assert_num_queries):
    president = signed_in("president")
    grid = reverse("evaluations:grid", kwargs={"pk": exam_of("Lambert").pk})
    with django_assert_num_queries(11):  # the interview's documents among them, read once
        assert president.get(grid).status_code == 200
    for kind, name in [(DocumentKind.LIVRET2, "livret2.pdf"), (DocumentKind.PROOF, "preuve.pdf")] * 3:
        documents.upload_document(lambert(), kind=kind, uploaded_file=pdf(name), acting_user=user("hugo.lambert"))
    with django_assert_num_queries(11):
        assert president.get(grid).status_code == 200


# --- What is refused ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "data", "problem"),
    [
        ("livret2", "livret2.png", PNG, "livret2.png : ce n'est pas un PDF ; seul ce format est accepté."),
        ("livret2", "livret2.pdf", EXE, "livret2.pdf : ce n'est pas un PDF ; seul ce format est accepté."),
        ("livret2", "vide.pdf", b"", "vide.pdf : le fichier est vide."),
        ("livret2", "lourd.pdf", PDF + b" " * 25 * MIB, "lourd.pdf : 25,0\xa0Mio, au-delà de 20,0\xa0Mio."),
        (
            "carnet",
            "carnet.exe",
            EXE,
            "carnet.exe : ni un PDF, ni une image PNG ou JPEG ; seuls ces formats sont acceptés.",
        ),
        ("proof", "preuve.jpg", b"\xff\xd8\xff" + b" " * 11 * MIB, "preuve.jpg : 11,0\xa0Mio, au-delà de 10,0\xa0Mio."),
    ],
)
def test_a_refused_file_says_why_and_nothing_is_stored(demo_exams, settings, kind, name, data, problem):
    response = deposit(signed_in("hugo.lambert"), kind, SimpleUploadedFile(name, data))
    assert (response.status_code, response["Location"]) == (302, reverse("spaces:candidate_home"))
    assert said(response) == [f"Document refusé — {problem}"]
    assert not CandidateDocument.objects.exists()
    assert stored_files(settings) == []


def test_a_deposit_without_a_file_asks_for_it(demo_exams):
    response = signed_in("hugo.lambert").post(reverse("spaces:upload_document"), {"kind": "livret2"})
    assert said(response) == ["Choisissez le fichier à déposer."]
    assert not CandidateDocument.objects.exists()


def test_the_livret2_is_for_the_vae_route_only(demo_exams, settings):
    lea = Candidate.objects.get(last_name="Martin")
    assert [value for value, _label in documents.DocumentForm(lea).fields["kind"].choices] == ["carnet", "proof"]
    assert [value for value, _label in documents.DocumentForm(lambert()).fields["kind"].choices] == [
        "livret2",
        "carnet",
        "proof",
    ]
    with pytest.raises(documents.DocumentRefused) as refused:
        documents.upload_document(lea, kind=DocumentKind.LIVRET2, uploaded_file=pdf(), acting_user=user("lea.martin"))
    assert refused.value.messages == ["Le livret 2 ne concerne que la voie de la VAE."]
    assert (CandidateDocument.objects.count(), stored_files(settings)) == (0, [])


def test_a_full_file_takes_no_more_documents(demo_exams, settings):
    for number in range(documents.MAX_DOCUMENTS):
        documents.upload_document(
            lambert(),
            kind=DocumentKind.PROOF,
            uploaded_file=pdf(f"preuve-{number}.pdf"),
            acting_user=user("hugo.lambert"),
        )
    hugo = signed_in("hugo.lambert")
    response = deposit(hugo, "proof", pdf("une-de-trop.pdf"))
    assert said(response) == [
        "Document refusé — Le dossier compte déjà 20 documents, le nombre maximal : adressez-vous à l'Ucanss pour en "
        "retirer un."
    ]
    assert (CandidateDocument.objects.count(), len(stored_files(settings))) == (20, 20)
    assert not documents.documents_section(lambert()).form.is_bound
    assert documents.documents_section(lambert()).is_full


def test_a_name_that_hides_the_format_is_given_the_format_s_extension(demo_exams, settings):
    document = documents.upload_document(
        lambert(), kind=DocumentKind.CARNET, uploaded_file=pdf("carnet.exe"), acting_user=user("hugo.lambert")
    )
    assert document.name == "carnet.exe.pdf"
    assert [path.suffix for path in stored_files(settings)] == [".pdf"]
    response = signed_in("hugo.lambert").get(reverse("spaces:candidate_document", kwargs={"pk": document.pk}))
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "application/pdf",
        'attachment; filename="carnet.exe.pdf"',
    )
    assert content(response) == PDF


# --- The candidate's page ----------------------------------------------------------------------------------------


def test_the_candidate_page_lists_the_documents_and_says_where_the_livret2_stands(demo_exams):
    hugo = signed_in("hugo.lambert")
    candidate = lambert()
    candidate.livret2_received_on = None
    candidate.save(update_fields=["livret2_received_on"])
    page = text(hugo.get(reverse("spaces:candidate_home")))
    assert "Livret 2 : à déposer ici, en PDF : l'entretien avec le jury VAE se programme une fois sa réception " in page
    assert "Aucun document déposé pour l'instant." in page

    document = documents.upload_document(
        candidate, kind=DocumentKind.LIVRET2, uploaded_file=pdf(), acting_user=user("hugo.lambert")
    )
    deposited = formats.date_format(timezone.localtime(document.uploaded_at), "j F Y")
    at = formats.date_format(timezone.localtime(document.uploaded_at), "j F Y à H:i")
    response = hugo.get(reverse("spaces:candidate_home"))
    page = text(response)
    assert f"Livret 2 : déposé le {deposited}, en attente de l'enregistrement de sa réception." in page
    assert f"livret2-lambert.pdf Livret 2 (VAE) · déposé le {at} · {SIZE}" in page
    assert f'href="{reverse("spaces:candidate_document", kwargs={"pk": document.pk})}"' in response.content.decode()
    assert f'action="{reverse("spaces:upload_document")}"' in response.content.decode()
    assert 'enctype="multipart/form-data"' in response.content.decode()

    documents.record_livret2_receipt(document, acting_user=user("gestionnaire"))
    page = text(hugo.get(reverse("spaces:candidate_home")))
    assert f"Livret 2 : reçu le {deposited}." in page


def test_a_training_candidate_s_page_says_nothing_of_a_livret2(demo_exams):
    page = text(signed_in("lea.martin").get(reverse("spaces:candidate_home")))
    assert "Mes documents Aucun document déposé pour l'instant. Déposer un document" in page
    assert "Livret 2 :" not in page


def test_the_documents_section_is_read_in_one_query(demo_exams, django_assert_num_queries):
    candidate = lambert()
    for kind in (DocumentKind.LIVRET2, DocumentKind.CARNET, DocumentKind.PROOF):
        documents.upload_document(candidate, kind=kind, uploaded_file=pdf(), acting_user=user("hugo.lambert"))
    with django_assert_num_queries(1):
        section = documents.documents_section(candidate)
        assert [document.kind for document in section.documents] == ["proof", "carnet", "livret2"]
        assert section.livret2.kind == "livret2"


# --- The administrator ---------------------------------------------------------------------------------------------


def test_the_administrator_deposits_a_livret2_then_records_its_receipt_from_it(demo_exams, settings):
    administrator = signed_in("gestionnaire")
    add = reverse("admin:candidates_candidatedocument_add")
    assert administrator.get(add).status_code == 200
    refused = administrator.post(
        add, {"candidate": perrin().pk, "kind": "livret2", "file": SimpleUploadedFile("scan.png", PNG)}
    )
    assert refused.status_code == 200
    assert "scan.png : ce n&#x27;est pas un PDF ; seul ce format est accepté." in refused.content.decode()
    assert (CandidateDocument.objects.count(), stored_files(settings)) == (0, [])

    response = administrator.post(add, {"candidate": perrin().pk, "kind": "livret2", "file": pdf("livret2-perrin.pdf")})
    assert response.status_code == 302
    document = CandidateDocument.objects.get()
    assert (document.candidate, document.name, document.uploaded_by) == (
        perrin(),
        "livret2-perrin.pdf",
        user("gestionnaire"),
    )
    listing = text(administrator.get(reverse("admin:candidates_candidatedocument_changelist")))
    assert f"PERRIN Manon livret 2 (VAE) livret2-perrin.pdf {SIZE}" in listing
    assert "livret2-perrin.pdf à enregistrer" in listing
    # Its page: read only, the file reached by its download link (its stored name is shown nowhere).
    change = administrator.get(reverse("admin:candidates_candidatedocument_change", args=[document.pk]))
    download = reverse("admin:candidates_candidatedocument_download", args=[document.pk])
    assert f'<a href="{download}">livret2-perrin.pdf</a>' in change.content.decode()
    assert document.file.name not in change.content.decode()
    assert 'name="_save"' not in change.content.decode()

    changelist = reverse("admin:candidates_candidatedocument_changelist")
    action = {"action": "record_livret2_receipt", "_selected_action": [document.pk]}
    response = administrator.post(changelist, action, follow=True)
    received_on = timezone.localdate(document.uploaded_at)
    assert perrin().livret2_received_on == received_on
    assert said(response) == [
        f"Livret 2 de PERRIN Manon reçu le {received_on:%d/%m/%Y} : son entretien VAE peut être programmé."
    ]
    entry = LogEntry.objects.get(object_id=str(perrin().pk), content_type__model="candidate")
    assert (entry.user, entry.change_message) == (
        user("gestionnaire"),
        f"Livret 2 reçu le {received_on:%d/%m/%Y} (document déposé).",
    )

    response = administrator.post(changelist, action, follow=True)
    assert said(response) == [f"Le livret 2 de PERRIN Manon est déjà reçu, le {received_on:%d/%m/%Y}."]


def test_the_receipt_is_refused_off_the_vae_route_and_for_another_document(demo_exams):
    administrator = signed_in("gestionnaire")
    candidate = perrin()
    livret2 = documents.upload_document(
        candidate, kind=DocumentKind.LIVRET2, uploaded_file=pdf("livret2.pdf"), acting_user=user("gestionnaire")
    )
    carnet = documents.upload_document(
        candidate, kind=DocumentKind.CARNET, uploaded_file=pdf("carnet.pdf"), acting_user=user("gestionnaire")
    )
    candidate.route = Route.TRAINING  # changed since the deposit
    candidate.save(update_fields=["route"])
    response = administrator.post(
        reverse("admin:candidates_candidatedocument_changelist"),
        {"action": "record_livret2_receipt", "_selected_action": [livret2.pk, carnet.pk]},
        follow=True,
    )
    assert said(response) == [
        "PERRIN Manon n'est pas candidat par la VAE : le livret 2 ne concerne que cette voie.",
        "PERRIN Manon : « carnet.pdf » n'est pas un livret 2.",
    ]
    assert perrin().livret2_received_on is None


def test_a_document_deleted_in_the_admin_leaves_no_file(demo_exams, settings, django_capture_on_commit_callbacks):
    document = documents.upload_document(
        perrin(), kind=DocumentKind.CARNET, uploaded_file=pdf("carnet.pdf"), acting_user=user("gestionnaire")
    )
    assert len(stored_files(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in("gestionnaire").post(
            reverse("admin:candidates_candidatedocument_delete", args=[document.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert (CandidateDocument.objects.count(), stored_files(settings)) == (0, [])
