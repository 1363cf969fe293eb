"""Once an exam uses a referential version, that version can no longer change."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from referentials.loader import export_referential
from referentials.models import ReferentialVersion

from .factories import ExamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def used(world):
    ExamFactory(
        session=world.session,
        candidate=world.candidate,
        bloc=world.blocs["GRU"],
        president=world.president,
        representative=world.representative,
    )
    return world


def test_a_version_is_in_use_once_an_exam_points_into_it(world):
    assert not world.version.is_in_use()
    ExamFactory(
        session=world.session,
        candidate=world.candidate,
        bloc=world.blocs["MDR"],
        president=world.president,
        representative=world.representative,
    )
    assert world.version.is_in_use()


def test_admin_shows_a_version_in_use_read_only(admin_client, used):
    gru = used.blocs["GRU"]
    response = admin_client.get(reverse("admin:referentials_bloc_change", args=[gru.pk]))
    assert response.status_code == 200
    # Nothing of it may change: its RNCP codes, filled once, are those of the bloc in each CQP (their own pages).
    assert response.context["has_change_permission"] is False
    assert list(response.context["adminform"].form.fields) == []
    assert "elle est en lecture seule" in [str(m) for m in response.context["messages"]][0]
    before = gru.title
    admin_client.post(
        reverse("admin:referentials_bloc_change", args=[gru.pk]),
        {"title": "Changé", "code": "GRU"},
    )
    gru.refresh_from_db()
    assert gru.title == before


def test_model_validation_refuses_to_change_a_version_in_use(used):
    criterion = used.blocs["GRU"].competences.first().criteria.first()
    criterion.text = "Autre chose"
    with pytest.raises(ValidationError, match="elle ne peut plus être modifiée"):
        criterion.full_clean()


def test_loader_refuses_to_replace_a_version_in_use(used, tmp_path):
    data = export_referential(used.version)
    data["blocs"][0]["competences"][0]["criteria"].append("Nouveau critère")
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="version utilisée par des évaluations"):
        call_command("load_referentials", str(path), replace=True)
    assert used.blocs["GRU"].competences.first().criteria.count() == 5


def test_a_copy_of_a_version_in_use_is_editable(admin_client, used):
    admin_client.post(
        reverse("admin:referentials_referentialversion_changelist"),
        {"action": "copy_as_new_version", "_selected_action": [used.version.pk]},
    )
    copy = ReferentialVersion.objects.get(label="2020-2")
    assert not copy.is_in_use()
    bloc = copy.blocs.get(code="GRU")
    response = admin_client.get(reverse("admin:referentials_bloc_change", args=[bloc.pk]))
    assert response.context["has_change_permission"] is True
