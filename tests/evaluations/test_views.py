"""The jury's screens over HTTP: who reaches what, what a save and a forged request do, query counts, the PDF."""

import re
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import CertificationSession, Organisation
from evaluations import selectors, services
from evaluations.benchmark import add_ready_exams
from evaluations.forms import MARK_CHOICE_OF
from evaluations.models import CriterionMark, Grid, GridStatus

from .conftest import exam_of
from .test_deliberations import run_exam

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    def log_in(username):
        assert client.login(username=username, password=PASSWORD)
        return client

    return log_in


def grid_url(exam, name="grid"):
    return reverse(f"evaluations:{name}", kwargs={"pk": exam.pk})


def form_data(exam, revision=0, **changes):
    """What the grid form posts: every field, criteria as the radio values."""
    state = {**selectors.grid_layout(exam).empty_state(), **changes}
    data = {"revision": revision}
    for key, value in state.items():
        if key.startswith("criterion-"):
            data[key] = MARK_CHOICE_OF[value]
        elif isinstance(value, bool):
            if value:
                data[key] = "on"
        else:
            data[key] = value
    return data


def all_marked(exam, value=True):
    """Every criterion marked `value`, and the opinion given that goes with it."""
    verdict = "favourable" if value else "unfavourable"
    state = selectors.grid_layout(exam).empty_state()
    return {
        **{key: value for key in state if key.startswith("criterion-")},
        **{key: verdict for key in state if key.startswith("verdict-")},
    }


def test_the_login_page_is_french_and_sends_jury_members_to_their_exams(client, demo_exams):
    page = client.get(reverse("login"))
    assert "Connexion" in page.content.decode() and "Mot de passe" in page.content.decode()
    response = client.post(reverse("login"), {"username": "president", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("evaluations:jury_home")
    assert "Mes épreuves" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, demo_exams):
    response = client.get(grid_url(exam_of("Martin", "GRU")))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_jury_home_lists_only_the_members_own_exams(as_user, demo_exams):
    lists = selectors.jury_home(get_user_model().objects.get(username="jury.famille"))
    names = {str(exam.candidate) for exams in vars(lists).values() for exam in exams}
    assert names == {"LAMBERT Hugo", "ROBERT Yanis"}
    content = as_user("jury.famille").get(reverse("evaluations:jury_home")).content.decode()
    assert "ROBERT Yanis" in content and "MARTIN Léa" not in content


def test_jury_home_makes_the_same_queries_for_1_or_46_signed_grids_and_pages_them(
    as_user, demo_exams, django_assert_num_queries
):
    client = as_user("president")
    exam = exam_of("Martin", "GRU")
    run_exam(exam)
    with django_assert_num_queries(8):
        assert client.get(reverse("evaluations:jury_home")).status_code == 200
    add_ready_exams(
        CertificationSession.objects.get(pk=exam.session_id),
        Organisation.objects.get(name="CPAM du Rhône"),
        exam.president,
        exam.representative,
        45,
    )
    with django_assert_num_queries(8):
        content = client.get(reverse("evaluations:jury_home")).content.decode()
    signed = re.search(r'id="grilles-signees">Grilles signées <span class="badge text-bg-secondary">(\d+)<', content)
    assert signed[1] == "46"
    assert "Page 1 sur 3" in content and len(signed_rows(content)) == 20
    content = client.get(reverse("evaluations:jury_home"), {"signees": 3}).content.decode()
    assert "Page 3 sur 3" in content and len(signed_rows(content)) == 6
    assert "MARTIN Léa" not in signed_rows(content)[-1]  # latest first: her exam is later in the day


def signed_rows(content):
    section = content[content.index('id="grilles-signees"') :]
    return re.findall(r"<tr>\s*<td>.*?</tr>", section[: section.index("</section>")], re.S)


@pytest.mark.parametrize("name", ["grid", "grid_pdf"])
def test_another_jurys_exam_is_not_found(as_user, demo_exams, name):
    assert as_user("jury.famille").get(grid_url(exam_of("Martin", "GRU"), name)).status_code == 404


@pytest.mark.parametrize("name", ["grid", "preview", "sign", "reopen"])
def test_posting_to_another_jurys_exam_is_not_found_and_changes_nothing(as_user, demo_exams, name):
    exam = exam_of("Martin", "GRU")
    response = as_user("jury.famille").post(grid_url(exam, name), form_data(exam, **all_marked(exam)))
    assert response.status_code == 404
    assert not Grid.objects.exists()


def test_administrators_and_national_jury_do_not_reach_the_jury_screens(as_user, demo_exams):
    exam = exam_of("Martin", "GRU")
    assert as_user("gestionnaire").get(grid_url(exam)).status_code == 403
    assert as_user("jpn").get(reverse("evaluations:jury_home")).status_code == 403


def test_the_grid_shows_the_exam_the_referential_and_the_carnet(as_user, demo_exams):
    content = as_user("president").get(grid_url(exam_of("Martin", "GRU"))).content.decode()
    for text in [
        "Léa Martin",
        "Référentiel 2020",
        "Observation en situation réelle de travail",
        "30 min d'observation, 20 min d'entretien",  # the booklet's GRU durations
        "attestée par le tuteur (carnet papier) le",  # the demo's carnet, typed by an administrator
        "Identifie la situation de l&#x27;usager",
        "0 critère validé sur 5, 4 requis : en attente (5 critères à évaluer)",
    ]:
        assert text in content, text


def test_saving_from_the_form_stores_marks_and_shows_outcomes(as_user, demo_exams):
    exam = exam_of("Martin", "GRU")
    client = as_user("president")
    response = client.post(grid_url(exam), form_data(exam, **all_marked(exam)), follow=True)
    content = response.content.decode()
    assert "Grille enregistrée." in content
    assert "6 compétences acquises sur 6, 5 requises : bloc validé" in content
    assert CriterionMark.objects.filter(grid__exam=exam, validated=True).count() == 30


def test_the_live_preview_decides_without_saving(as_user, demo_exams):
    exam = exam_of("Martin", "GRU")
    response = as_user("president").post(grid_url(exam, "preview"), form_data(exam, **all_marked(exam, False)))
    body = response.json()
    assert (
        "0 compétence acquise sur 6, 5 requises : bloc non validé" in body["outcomes"][f"bloc-{exam.bloc_id}"]["html"]
    )
    assert body["problems"] == []
    assert not Grid.objects.exists()


def test_a_forged_mark_value_is_refused_with_a_message(as_user, demo_exams):
    exam = exam_of("Martin", "GRU")
    data = form_data(exam)
    data[next(key for key in data if key.startswith("criterion-"))] = "peut-être"
    response = as_user("president").post(grid_url(exam), data)
    assert response.status_code == 400
    assert "La grille n&#x27;est pas enregistrée : corrigez les champs signalés." in response.content.decode()
    assert not Grid.objects.exists()


def test_a_forged_save_on_a_signed_grid_changes_nothing(as_user, demo_exams):
    exam = exam_of("Martin", "GRU")
    users = get_user_model().objects
    services.save_grid(exam, users.get(username="president"), {**all_marked(exam)}, 0)
    services.submit_grid(exam, users.get(username="president"))
    for username in ("president", "jury.maladie"):
        services.sign_grid(exam, users.get(username=username), PASSWORD)
    before = list(CriterionMark.objects.order_by("pk").values_list("validated", flat=True))
    response = as_user("president").post(grid_url(exam), form_data(exam, 1, **all_marked(exam, False)), follow=True)
    assert "La grille est signée par les deux membres du jury : elle ne peut plus être modifiée." in (
        response.content.decode()
    )
    assert list(CriterionMark.objects.order_by("pk").values_list("validated", flat=True)) == before
    assert Grid.objects.get(exam=exam).status == GridStatus.SIGNED


@pytest.mark.parametrize(("last_name", "bloc"), [("Martin", "GRU"), ("Martin", "MDR"), ("Martin", "GDU")])
def test_the_grid_page_makes_the_same_queries_whatever_the_blocs_size(
    as_user, demo_exams, django_assert_num_queries, last_name, bloc
):
    exam = exam_of(last_name, bloc)
    client = as_user("president")
    client.post(grid_url(exam), form_data(exam, **all_marked(exam)))
    with django_assert_num_queries(14):  # 13, and the previous decisions on its blocs (a re-sit)
        assert client.get(grid_url(exam)).status_code == 200


@pytest.mark.parametrize(("last_name", "bloc"), [("Martin", "GRU"), ("Martin", "MDR"), ("Martin", "GDU")])
def test_a_grid_save_makes_the_same_queries_whatever_the_blocs_size(
    as_user, demo_exams, django_assert_num_queries, last_name, bloc
):
    exam = exam_of(last_name, bloc)
    client = as_user("president")
    client.post(grid_url(exam), form_data(exam, **all_marked(exam, False)))
    data = form_data(exam, 1, **all_marked(exam))
    with django_assert_num_queries(24):  # 4 of them: the model layer checking nothing signed is touched
        assert client.post(grid_url(exam), data).status_code == 302


def test_the_signed_grid_downloads_as_a_pdf_that_reads_back(as_user, demo_exams, tmp_path):
    exam = exam_of("Martin", "GRU")
    users = get_user_model().objects
    services.save_grid(exam, users.get(username="president"), {**all_marked(exam)}, 0)
    services.submit_grid(exam, users.get(username="president"))
    for username in ("president", "jury.maladie"):
        services.sign_grid(exam, users.get(username=username), PASSWORD)
    response = as_user("jury.maladie").get(grid_url(exam, "grid_pdf"))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "grille.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Grille d'évaluation — CQP GC" in text
    assert "MARTIN Léa" in text
    assert "6 compétences acquises sur 6, 5 requises : bloc validé" in text
    assert "Claire Dumas" in text and "Sophie Bernard" in text
    assert Grid.objects.get(exam=exam).digest in text.replace("\n", "")
    assert "Document de travail" not in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE)


def test_a_database_failure_during_a_save_writes_nothing_and_tells_the_member(as_user, demo_exams):
    from unittest import mock

    from django.db import OperationalError

    from evaluations.models import GridEvent

    exam = exam_of("Martin", "GRU")
    client = as_user("president")
    with mock.patch.object(GridEvent.objects, "create", side_effect=OperationalError("connexion perdue")):
        response = client.post(grid_url(exam), form_data(exam, **all_marked(exam)))
    assert response.status_code == 503
    content = response.content.decode()
    assert "La base de données ne répond pas : rien n&#x27;est enregistré." in content
    assert content.count('value="oui" checked') == 30  # what was typed is shown back
    assert not CriterionMark.objects.exists() and not Grid.objects.exists()
