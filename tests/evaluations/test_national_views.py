"""The national joint jury's screens over HTTP: access, the deliberation page, decisions, sign-off, minutes."""

import re
import subprocess

import pytest
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc, Organisation
from evaluations import services
from evaluations.benchmark import add_ready_exams, add_signed_files
from evaluations.models import BlocDecision, DeliberationStatus, Ruling

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(demo_exams):
    """The spring GC session deliberated: Léa Martin validated on GRU and MDR, Chloé Fontaine not on GRU."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    return deliberation


@pytest.fixture
def jpn(client, demo_exams):
    client.login(username="jpn", password=PASSWORD)
    return client


def url(deliberation, name="deliberation", **kwargs):
    return reverse(f"evaluations:{name}", kwargs={"pk": deliberation.pk, **kwargs})


def test_only_the_national_jury_reaches_deliberations(client, spring):
    for username in ("president", "gestionnaire"):
        client.login(username=username, password=PASSWORD)
        assert client.get(url(spring)).status_code == 403, username
    client.login(username="jpn", password=PASSWORD)
    assert client.get(reverse("home")).url == reverse("evaluations:deliberation_list")


def test_the_deliberation_page_shows_each_file_with_its_blocs_and_outcome(jpn, spring):
    content = jpn.get(url(spring)).content.decode()
    for text in [
        "MARTIN Léa",
        "FONTAINE Chloé",
        "CCP délivrés : GRU, MDR · CQP non délivré : 2 blocs acquis sur 3",
        "pas d'épreuve dans cette délibération",
        "Prem'ss non validée",
    ]:
        assert text in content, text
    assert re.search(r"Dossiers</div><div class=\"fs-4\">2<", content)


def test_filters_narrow_the_files(jpn, spring):
    content = jpn.get(url(spring), {"outcome": "none"}).content.decode()
    assert "FONTAINE Chloé" in content and "MARTIN Léa" not in content
    content = jpn.get(url(spring), {"cqp": "COS"}).content.decode()
    assert "Aucun dossier pour ces filtres." in content


def test_the_deliberation_page_makes_the_same_queries_for_2_or_102_files(jpn, spring, django_assert_num_queries):
    # 16: 13, the CQPs only awaiting the jury (`selectors.cqp_completions`: the CQPs' blocs, the
    # candidates; a third when any is found) and the appeals awaiting a deliberation; 18 when files of the
    # sessions are missing: they are named
    with django_assert_num_queries(16):
        assert jpn.get(url(spring)).status_code == 200
    session = spring.sessions.get()
    organisation = Organisation.objects.get(name="CPAM du Rhône")
    add_signed_files(
        spring, session, organisation, exam_of("Martin", "GRU").president, exam_of("Martin", "GRU").representative, 100
    )
    with django_assert_num_queries(16):  # the jury's composition is 1 of them
        response = jpn.get(url(spring), {"page": 2})
    assert "page 2 sur 3" in response.content.decode()


def test_an_open_deliberation_counts_the_files_of_its_sessions_without_reading_them_all(
    jpn, spring, django_assert_num_queries
):
    with django_assert_num_queries(16):
        content = jpn.get(url(spring)).content.decode()
    assert "Aucun nouveau dossier prêt." in content
    assert "Tous les dossiers des sessions ont leurs grilles signées." in content
    session = spring.sessions.get()
    organisation = Organisation.objects.get(name="CPAM du Rhône")
    jury = (exam_of("Martin", "GRU").president, exam_of("Martin", "GRU").representative)
    add_ready_exams(session, organisation, *jury, 30)
    add_ready_exams(session, organisation, *jury, 25, start=30, signed=False)
    with django_assert_num_queries(18):
        content = jpn.get(url(spring)).content.decode()
    assert "30 dossiers prêts à être ajoutés, grilles signées." in content
    assert (
        "25 dossiers ne peuvent pas encore être présentés : grilles non signées "
        "(les 20 premiers par ordre alphabétique)." in content
    )
    listed = re.findall(r"<li>(.*?)</li>", re.search(r'<ul class="small mb-2" id="missing">(.*?)</ul>', content)[1])
    assert listed[0] == "PRET00030 Test : GRU (Soumise, en attente des signatures)"
    assert listed[-1] == "PRET00049 Test : GRU (Soumise, en attente des signatures)"
    assert len(listed) == 20
    jpn.post(url(spring, "add_files"))
    assert spring.files.count() == 2 + 30


def test_an_override_without_justification_is_refused_with_a_message(jpn, spring):
    decision = BlocDecision.objects.get(file__candidate__last_name="Fontaine")
    file_url = url(spring, "candidate_file", file_pk=decision.file_id)
    prefix = f"decision-{decision.pk}"
    response = jpn.post(file_url, {"decision": decision.pk, f"{prefix}-ruling": "validated"}, follow=True)
    assert "Décider le bloc GRU autrement que le résultat calculé demande une justification écrite." in (
        response.content.decode()
    )
    decision.refresh_from_db()
    assert decision.decision == Ruling.NOT_VALIDATED
    jpn.post(
        file_url,
        {"decision": decision.pk, f"{prefix}-ruling": "validated", f"{prefix}-justification": "Maîtrise avérée."},
    )
    decision.refresh_from_db()
    assert (decision.decision, decision.justification) == (Ruling.VALIDATED, "Maîtrise avérée.")


def test_the_file_page_shows_grids_carnet_and_history(jpn, spring):
    file = spring.files.get(candidate__last_name="Martin")
    content = jpn.get(url(spring, "candidate_file", file_pk=file.pk)).content.decode()
    for text in ["Bloc GRU", "Bloc MDR", "Avis favorable à la validation du bloc", "tuteur", "signée par"]:
        assert text.lower() in content.lower(), text


def test_a_decision_on_another_deliberations_file_is_not_found(jpn, spring):
    other = deliberation_for(SPRING)
    file = spring.files.first()
    assert jpn.get(url(other, "candidate_file", file_pk=file.pk)).status_code == 404


def test_signing_in_the_browser_then_the_minutes_read_back(jpn, spring, tmp_path):
    response = jpn.post(url(spring, "sign_deliberation"), {"password": PASSWORD}, follow=True)
    assert "Délibération signée : ses décisions sont inscrites au dossier de chaque candidat." in (
        response.content.decode()
    )
    spring.refresh_from_db()
    assert spring.status == DeliberationStatus.SIGNED
    assert AcquiredBloc.objects.filter(deliberation=spring).count() == 2
    pdf = tmp_path / "pv.pdf"
    pdf.write_bytes(jpn.get(url(spring, "minutes_pdf")).getvalue())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Procès-verbal de délibération du jury paritaire national" in flat
    assert "Collège employeurs (2 membres) • Jean Paritaire — Ucanss • Sylvie Morel — Ucanss Collège salariés" in flat
    assert "2 dossiers examinés · 0 CQP délivré · 1 dossier avec CCP seulement · 1 sans bloc validé" in flat
    assert "MARTIN Léa" in flat and "MDR : bloc validé" in flat and "CCP délivrés : GRU, MDR" in flat
    assert "Projet" not in flat and spring.digest in flat.replace(" ", "")


def test_a_signed_deliberation_refuses_forged_changes(jpn, spring):
    services.sign_deliberation(spring, user("jpn"), PASSWORD)
    decision = BlocDecision.objects.get(file__candidate__last_name="Fontaine")
    prefix = f"decision-{decision.pk}"
    response = jpn.post(
        url(spring, "candidate_file", file_pk=decision.file_id),
        {"decision": decision.pk, f"{prefix}-ruling": "validated", f"{prefix}-justification": "x"},
        follow=True,
    )
    assert "La délibération est signée : ses décisions ne changent plus." in response.content.decode()
    decision.refresh_from_db()
    assert decision.decision == Ruling.NOT_VALIDATED


def test_what_a_signed_deliberation_wrote_cannot_be_changed_in_the_admin(client, spring):
    services.sign_deliberation(spring, user("jpn"), PASSWORD)
    acquired = AcquiredBloc.objects.filter(deliberation=spring).first()
    client.login(username="gestionnaire", password=PASSWORD)
    change = reverse("admin:candidates_acquiredbloc_change", args=[acquired.pk])
    assert client.post(change, {"origin": "modifié"}).status_code == 403
    assert (
        client.post(reverse("admin:candidates_acquiredbloc_delete", args=[acquired.pk]), {"post": "yes"}).status_code
        == 403
    )
    candidate_page = client.get(reverse("admin:candidates_candidate_change", args=[acquired.candidate_id]))
    assert "blocs acquis par délibération" in candidate_page.content.decode().lower()
    acquired.refresh_from_db()
    assert acquired.origin.startswith("Délibération du jury paritaire national du")
    deliberation_change = reverse("admin:evaluations_deliberation_change", args=[spring.pk])
    assert client.post(deliberation_change, {"title": "autre"}).status_code == 403
