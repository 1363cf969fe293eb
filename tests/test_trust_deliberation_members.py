"""A member of the national joint jury acts only on the deliberations they sit on: any other answers 404,
in the list and on every page, file, decision, signature and PDF of it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from candidates import roles
from candidates.demo import PASSWORD
from candidates.models import CertificationSession
from evaluations import demo as evaluations_demo
from evaluations import services
from evaluations.models import BlocDecision, Deliberation, DeliberationStatus, Ruling
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(demo_exams):
    """The spring deliberation, presided by `jpn`, with Léa Martin's file (GRU and MDR)."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    return deliberation


@pytest.fixture
def other_member(demo_exams):
    """A second member of the national joint jury, who does not sit on the spring deliberation."""
    account = get_user_model().objects.create_user("jpn.bis", password=PASSWORD, first_name="Paule", last_name="Autre")
    account.groups.add(Group.objects.get(name=roles.NATIONAL_JURY))
    return account


def urls_of(deliberation):
    file = deliberation.files.get()
    decision = file.blocs.get(bloc__code="GRU")
    exam = decision.grid.exam
    pk = {"pk": deliberation.pk}
    return {
        "deliberation": ("get", reverse("evaluations:deliberation", kwargs=pk), {}),
        "add_files": ("post", reverse("evaluations:add_files", kwargs=pk), {}),
        "candidate_file": ("get", reverse("evaluations:candidate_file", kwargs={**pk, "file_pk": file.pk}), {}),
        "decision": (
            "post",
            reverse("evaluations:candidate_file", kwargs={**pk, "file_pk": file.pk}),
            {
                "decision": decision.pk,
                f"decision-{decision.pk}-ruling": Ruling.NOT_VALIDATED,
                f"decision-{decision.pk}-justification": "Décision d'un membre qui ne siège pas.",
            },
        ),
        "file_grid_pdf": (
            "get",
            reverse("evaluations:file_grid_pdf", kwargs={**pk, "file_pk": file.pk, "exam_pk": exam.pk}),
            {},
        ),
        "sign": ("post", reverse("evaluations:sign_deliberation", kwargs=pk), {"password": PASSWORD}),
        "minutes_pdf": ("get", reverse("evaluations:minutes_pdf", kwargs=pk), {}),
    }


def test_a_member_who_does_not_sit_on_a_deliberation_finds_nothing_of_it(client, spring, other_member):
    client.force_login(other_member)
    listing = client.get(reverse("evaluations:deliberation_list"))
    assert listing.status_code == 200
    assert spring.title not in listing.content.decode()
    assert reverse("evaluations:deliberation", kwargs={"pk": spring.pk}) not in listing.content.decode()
    answers = {}
    for name, (method, url, data) in urls_of(spring).items():
        answers[name] = getattr(client, method)(url, data).status_code
    assert answers == dict.fromkeys(answers, 404)
    spring.refresh_from_db()
    assert spring.status == DeliberationStatus.OPEN
    assert BlocDecision.objects.get(file__deliberation=spring, bloc__code="GRU").decision == Ruling.VALIDATED


def test_the_members_reach_it_and_seating_another_opens_it_to_them(client, spring, other_member):
    client.force_login(user("jpn"))
    urls = urls_of(spring)
    for name in ("deliberation", "candidate_file", "file_grid_pdf", "minutes_pdf"):
        method, url, data = urls[name]
        assert getattr(client, method)(url, data).status_code == 200, name
    spring.members.add(other_member)
    client.force_login(other_member)
    assert spring.title in client.get(reverse("evaluations:deliberation_list")).content.decode()
    assert client.get(urls["deliberation"][1]).status_code == 200


def test_the_president_must_be_among_the_members(client, demo_exams, other_member):
    client.force_login(user("gestionnaire"))
    session = CertificationSession.objects.get(name=SPRING)
    data = {
        "title": "Jury paritaire national — session de printemps",
        "held_on": "15/06/2026",
        "members_present": "Jean Paritaire (collège employeurs)\nPaule Autre (collège salariés)",
        "members": [other_member.pk],
        "president": user("jpn").pk,
        "sessions": [session.pk],
        "jury_members-TOTAL_FORMS": "0",  # the members present by college: none here
        "jury_members-INITIAL_FORMS": "0",
    }
    add = reverse("admin:evaluations_deliberation_add")
    refused = client.post(add, data)
    assert refused.status_code == 200
    assert (
        "Le président de la délibération (Jean Paritaire) doit être parmi les membres présents."
        in refused.content.decode()
    )
    assert not Deliberation.objects.exists()
    assert client.post(add, {**data, "members": [other_member.pk, user("jpn").pk]}).status_code == 302
    assert set(Deliberation.objects.get().members.values_list("username", flat=True)) == {"jpn", "jpn.bis"}


def test_only_national_jury_members_can_be_seated(client, demo_exams):
    client.force_login(user("gestionnaire"))
    content = client.get(reverse("admin:evaluations_deliberation_add")).content.decode()
    members = content[content.index('name="members"') : content.index("</select>", content.index('name="members"'))]
    assert re.findall(r"<option [^>]*>([^<]*)</option>", members) == ["jpn"]


def test_the_demo_deliberation_seats_jpn(demo_exams):
    evaluations_demo.load_demo()
    deliberation = Deliberation.objects.get()
    assert list(deliberation.members.values_list("username", flat=True)) == ["jpn"]
    assert deliberation.president.username == "jpn"
