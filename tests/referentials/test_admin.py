"""The referential admin: what an Ucanss administrator sees and may change."""

import re

import pytest
from django.urls import reverse

from referentials.models import Criterion, ReferentialVersion

from .factories import make_bloc, make_certification


@pytest.mark.django_db
def test_bloc_list_shows_counts_and_completeness(admin_client):
    make_bloc(code="GRU", criteria_per_competence=(5, 6, 6))
    make_bloc(code="POS", criteria_per_competence=(0, 0, 2))
    response = admin_client.get(reverse("admin:referentials_bloc_changelist"))
    assert response.status_code == 200
    rows = {row[0]: row for row in (r.split("|") for r in _rows(response))}
    assert rows["GRU"][4:] == ["3", "17", "Oui"]
    assert rows["POS"][4:] == ["3", "2", "Non : 2 compétences sans critère"]


def _rows(response):
    """Each result row of a change list as 'cell|cell|...' with the checkbox dropped."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in re.findall(r"<tr.*?</tr>", body, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        rows.append("|".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells[1:]))
    return rows


@pytest.mark.django_db
def test_incomplete_filter(admin_client):
    make_bloc(code="GRU", criteria_per_competence=(5,))
    make_bloc(code="TD", criteria_per_competence=(0,))
    url = reverse("admin:referentials_bloc_changelist")
    assert [r.split("|")[0] for r in _rows(admin_client.get(url, {"complet": "non"}))] == ["TD"]
    assert [r.split("|")[0] for r in _rows(admin_client.get(url, {"complet": "oui"}))] == ["GRU"]


@pytest.mark.django_db
def test_bloc_list_queries_do_not_grow_with_rows(admin_client, django_assert_num_queries):
    url = reverse("admin:referentials_bloc_changelist")
    make_bloc(criteria_per_competence=(2,))
    admin_client.get(url)  # warm caches (content types, session)
    # Session, user, two counts, the page, and the version and certification filters.
    with django_assert_num_queries(7):
        admin_client.get(url)
    for _ in range(10):
        make_bloc(criteria_per_competence=(3, 3))
    with django_assert_num_queries(7):
        admin_client.get(url)


@pytest.mark.django_db
def test_bloc_page_shows_competences_and_criteria_inline(admin_client):
    bloc = make_bloc(code="MDR", criteria_per_competence=(2, 1))
    criterion = Criterion.objects.filter(competence__bloc=bloc).first()
    criterion.text = "Respecte les règles du secret professionnel"
    criterion.save()
    response = admin_client.get(reverse("admin:referentials_bloc_change", args=[bloc.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Compétences" in content and "Critères d&#x27;évaluation" in content
    assert "Respecte les règles du secret professionnel" in content


@pytest.mark.django_db
def test_bloc_page_warns_when_criteria_are_missing(admin_client):
    bloc = make_bloc(code="POS", criteria_per_competence=(0, 1))
    response = admin_client.get(reverse("admin:referentials_bloc_change", args=[bloc.pk]))
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        f"Le bloc POS ne peut pas être évalué : la compétence C1 n'a aucun critère d'évaluation. "
        f"Un administrateur doit ajouter ses critères au référentiel {bloc.version.label}."
    ]


@pytest.mark.django_db
def test_certification_list_shows_its_blocs_in_order(admin_client):
    gru = make_bloc(code="GRU")
    mdr = make_bloc(code="MDR", version=gru.version)
    make_certification([mdr, gru], code="GC")
    response = admin_client.get(reverse("admin:referentials_certification_changelist"))
    assert _rows(response)[0].split("|")[0] == "GC"
    assert "MDR, GRU" in _rows(response)[0]


@pytest.mark.django_db
def test_copy_action_makes_a_new_editable_version(admin_client):
    bloc = make_bloc(code="GRU", criteria_per_competence=(5, 4))
    make_certification([bloc], code="GC")
    version = bloc.version
    response = admin_client.post(
        reverse("admin:referentials_referentialversion_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [version.pk]},
        follow=True,
    )
    copy = ReferentialVersion.objects.get(label=f"{version.label}-2")
    assert f"Version {copy.label} créée" in [str(m) for m in response.context["messages"]][0]
    assert Criterion.objects.filter(competence__bloc__version=copy).count() == 9
    assert copy.certifications.get().blocs.get().code == "GRU"
    assert Criterion.objects.filter(competence__bloc__version=version).count() == 9
