"""Issue 19, finding one's way: the header leads each role to its pages, the help pages show the guides, the
national jury goes from file to file, and a refused override keeps what the member chose and typed."""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from candidates.demo import PASSWORD
from cqp_site import guides
from evaluations.models import BlocDecision, Ruling
from tests.evaluations.test_national_views import spring, url  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="Navigation principale".*?</nav>', re.DOTALL)
LINK = re.compile(r'<a class="[^"]*" href="([^"]+)"(?: aria-current="(\w+)")?>([^<]+)</a>')
PUBLIC = [("Vérifier un certificat", "/verifier/"), ("Aide", "/aide/")]


def header_links(response):
    """The header's links as (label, address), and the one marked as the current page."""
    links = LINK.findall(NAV.search(response.content.decode())[0])
    return [(label, href) for href, _current, label in links], [label for _href, current, label in links if current]


@pytest.mark.parametrize(
    ("username", "page", "links"),
    [
        ("president", "evaluations:jury_home", [("Mes épreuves", "/jury/")]),
        (
            "jpn",
            "evaluations:deliberation_list",
            [("Délibérations", "/jury-national/"), ("Statistiques", "/statistiques/")],
        ),
        ("gestionnaire", "evaluations:statistics", [("Administration", "/admin/"), ("Statistiques", "/statistiques/")]),
        ("lea.martin", "spaces:candidate_home", [("Mon espace", "/mon-espace/")]),
        ("emma.garnier", "spaces:companion_home", [("Candidats accompagnés", "/accompagnement/")]),
        ("marc.petit", "spaces:companion_home", [("Candidats accompagnés", "/accompagnement/")]),
    ],
)
def test_the_header_leads_each_role_to_its_pages_and_marks_the_current_one(client, demo_exams, username, page, links):
    client.login(username=username, password=PASSWORD)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert header_links(response) == (links + PUBLIC, [links[-1][0] if page.endswith("statistics") else links[0][0]])


def test_anonymous_visitors_find_the_public_pages_and_the_help_is_marked(client, db):
    assert header_links(client.get(reverse("help"))) == (PUBLIC, ["Aide"])
    response = client.get(reverse("help_guide", kwargs={"slug": "jury"}))
    assert header_links(response) == (PUBLIC, ["Aide"])  # marked as the section ("true"), a guide being under it
    assert 'href="/aide/" aria-current="true">Aide</a>' in response.content.decode()


def test_the_header_costs_no_query_once_signed_in(client, demo_exams, django_assert_num_queries):
    """The roles are read at sign-in and kept in the session: a page shows the header in the queries it made
    before (the help page: the session and the user, nothing else)."""
    client.login(username="jpn", password=PASSWORD)
    with django_assert_num_queries(2):
        response = client.get(reverse("help"))
    assert header_links(response)[0][:2] == [("Délibérations", "/jury-national/"), ("Statistiques", "/statistiques/")]


def test_voir_le_site_leads_from_the_admin_to_the_application(client, demo_exams):
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username="gestionnaire")
    assert admin.site.each_context(request)["site_url"] == "/statistiques/"
    client.login(username="gestionnaire", password=PASSWORD)
    assert '<a href="/statistiques/">Voir le site</a>' in client.get(reverse("admin:index")).content.decode()


def test_the_help_lists_every_guide_the_roles_first(client, demo_exams):
    titles = re.compile(r'<h2 class="h5 mb-1"><a href="/aide/([a-z-]+)/">')
    every = ["jury", "jury-national", "administrateur", "candidat", "tuteur-manager"]
    assert titles.findall(client.get(reverse("help")).content.decode()) == every
    client.login(username="lea.martin", password=PASSWORD)
    content = client.get(reverse("help")).content.decode()
    assert titles.findall(content) == ["candidat", "jury", "jury-national", "administrateur", "tuteur-manager"]


def test_a_guide_is_shown_with_its_screenshots_served_by_the_application(client, db):
    content = client.get(reverse("help_guide", kwargs={"slug": "jury"})).content.decode()
    assert '<h1 class="h3 mb-3">Guide du membre de jury professionnel</h1>' in content
    first = guides.guide("jury").images()[0]
    assert f'src="/aide/images/{first}.png"' in content
    image = client.get(reverse("help_image", kwargs={"name": first}))
    assert (image.status_code, image["Content-Type"]) == (200, "image/png")
    assert b"".join(image.streaming_content).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(
    "address",
    [
        "/aide/inconnu/",
        "/aide/README/",
        "/aide/images/inconnue.png",
        "/aide/images/..%2Fjury.png",
        "/aide/images/../jury.md",
    ],
)
def test_only_the_guides_and_their_images_are_served(client, db, address):
    assert client.get(address).status_code == 404


def test_every_image_a_guide_references_exists_and_every_image_is_referenced():
    referenced = {name for guide in guides.all_guides() for name in guide.images()}
    present = {path.stem for path in guides.IMAGES_DIR.glob("*.png")}
    assert [guide.slug for guide in guides.all_guides()] == [
        "jury",
        "jury-national",
        "administrateur",
        "candidat",
        "tuteur-manager",
    ]
    assert referenced - present == set(), "run tests/test_guides_browser.py (-m browser) to take the screenshots"
    assert present - referenced == set(), "remove the screenshots no guide references"


def test_a_file_leads_to_the_previous_and_next_files_of_the_deliberation(client, spring, django_assert_num_queries):  # noqa: F811
    client.login(username="jpn", password=PASSWORD)
    fontaine, martin = (spring.files.get(candidate__last_name=name) for name in ("Fontaine", "Martin"))
    with django_assert_num_queries(20):  # as before the links: the neighbours are read in the file's own query
        content = client.get(url(spring, "candidate_file", file_pk=fontaine.pk)).content.decode()
    martin_url = url(spring, "candidate_file", file_pk=martin.pk)
    assert f'<a href="{martin_url}" rel="next">Dossier suivant : Léa Martin →</a>' in content
    assert "Dossier précédent" not in content
    content = client.get(martin_url).content.decode()
    fontaine_url = url(spring, "candidate_file", file_pk=fontaine.pk)
    assert f'<a href="{fontaine_url}" rel="prev">← Dossier précédent : Chloé Fontaine</a>' in content
    assert "Dossier suivant" not in content


def test_a_refused_override_keeps_the_decision_chosen_and_the_text_typed(client, spring):  # noqa: F811
    client.login(username="jpn", password=PASSWORD)
    decision = BlocDecision.objects.get(file__candidate__last_name="Fontaine")
    prefix = f"decision-{decision.pk}"
    response = client.post(
        url(spring, "candidate_file", file_pk=decision.file_id),
        {
            "decision": decision.pk,
            f"{prefix}-ruling": "validated",
            f"{prefix}-justification": "   ",
            f"{prefix}-recommendations": "Reprendre les cas complexes avec le tuteur.",
        },
    )
    content = response.content.decode()
    assert response.status_code == 400
    error = "Décider le bloc GRU autrement que le résultat calculé demande une justification écrite."
    assert f'<div class="alert alert-danger" role="alert">{error}</div>' in content
    assert f'<p class="invalid-feedback d-block mb-0" id="{prefix}-error">{error}</p>' in content
    assert f'id="id_{prefix}-ruling_0" value="validated" checked>' in content
    assert f'id="id_{prefix}-ruling_1" value="not_validated" >' in content
    assert (
        f'<textarea class="form-control" name="{prefix}-recommendations" id="id_{prefix}-recommendations" rows="2">'
        "Reprendre les cas complexes avec le tuteur.</textarea>" in content
    )
    assert f'name="{prefix}-justification" id="id_{prefix}-justification" rows="2" aria-invalid="true"' in content
    decision.refresh_from_db()
    assert (decision.decision, decision.recommendations) == (Ruling.NOT_VALIDATED, "")


def test_an_override_without_a_choice_is_refused_keeping_the_text_typed(client, spring):  # noqa: F811
    client.login(username="jpn", password=PASSWORD)
    decision = BlocDecision.objects.get(file__candidate__last_name="Fontaine")
    prefix = f"decision-{decision.pk}"
    response = client.post(
        url(spring, "candidate_file", file_pk=decision.file_id),
        {"decision": decision.pk, f"{prefix}-justification": "Maîtrise avérée."},
    )
    content = response.content.decode()
    assert response.status_code == 400
    assert '<div class="alert alert-danger" role="alert">Choisissez une décision pour le bloc.</div>' in content
    assert f'id="id_{prefix}-justification" rows="2">Maîtrise avérée.</textarea>' in content
    assert "checked" not in re.search(rf'<fieldset.*?name="{prefix}-ruling".*?</fieldset>', content, re.DOTALL)[0]
