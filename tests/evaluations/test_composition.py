"""The national joint jury's composition (issue 16): the members present are recorded by college in the
admin, checked before the signature (an incomplete jury is refused with what it lacks, and nothing is
written), shown to the jury before the signature button, and printed by college in the minutes."""

import datetime
import importlib
import subprocess

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.urls import reverse

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc, CertificationSession, CqpAward
from evaluations import exports, services
from evaluations.models import (
    BlocDecision,
    CandidateFile,
    College,
    Deliberation,
    DeliberationMember,
    DeliberationStatus,
)
from outbox.models import Message

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

INCOMPLETE = (
    "Composition du jury incomplète : la délibération n'est pas signée. "
    "Collège salariés : 1 membre présent, 2 requis. "
    "Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 2."
)


@pytest.fixture
def spring(demo_exams):
    """The spring deliberation with Léa Martin's and Chloé Fontaine's files; its jury complete (two members of
    each college: Jean Paritaire and Sylvie Morel, employers; Louis Collège and Marie Syndicat, employees)."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    return deliberation


@pytest.fixture
def short_of_an_employee(spring):
    """Marie Syndicat did not come: one member of the employees' college for two of the employers'."""
    DeliberationMember.objects.filter(deliberation=spring, name="Marie Syndicat").delete()
    return spring


def everything_signing_writes(deliberation):
    deliberation = Deliberation.objects.get(pk=deliberation.pk)
    return (
        (deliberation.status, deliberation.signed_at, deliberation.digest),
        sorted(CandidateFile.objects.values_list("pk", "outcome", "outcome_reason")),
        sorted(BlocDecision.objects.values_list("pk", "decision", "decided_at")),
        AcquiredBloc.objects.count(),
        CqpAward.objects.count(),
        Message.objects.count(),
        sorted(DeliberationMember.objects.values_list("name", "college", "organisation")),
    )


def pdf_text(content):
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return " ".join(text.split())


# --- The signature ---------------------------------------------------------------------------------


def test_an_incomplete_jury_is_refused_with_what_it_lacks_and_nothing_is_written(short_of_an_employee):
    before = everything_signing_writes(short_of_an_employee)
    with pytest.raises(services.DeliberationError) as refused:
        services.sign_deliberation(short_of_an_employee, user("jpn"), PASSWORD)
    assert str(refused.value) == INCOMPLETE
    assert everything_signing_writes(short_of_an_employee) == before
    assert before[0] == (DeliberationStatus.OPEN, None, "")


def test_the_composition_is_checked_before_the_password_is_asked(short_of_an_employee):
    """A president whose jury is incomplete spends no password attempt: the refusal names the jury."""
    with pytest.raises(services.DeliberationError) as refused:
        services.sign_deliberation(short_of_an_employee, user("jpn"), "pas le bon mot de passe")
    assert str(refused.value) == INCOMPLETE


def test_once_the_missing_member_is_recorded_the_president_signs(short_of_an_employee):
    DeliberationMember.objects.create(
        deliberation=short_of_an_employee, name="Nora Benali", college=College.EMPLOYEES, organisation="CGT"
    )
    signed = services.sign_deliberation(short_of_an_employee, user("jpn"), PASSWORD)
    assert signed.status == DeliberationStatus.SIGNED


def test_a_jury_without_parity_is_refused_even_with_enough_members(spring):
    DeliberationMember.objects.create(deliberation=spring, name="Paul Girard", college=College.EMPLOYERS)
    with pytest.raises(services.DeliberationError) as refused:
        services.sign_deliberation(spring, user("jpn"), PASSWORD)
    assert str(refused.value) == (
        "Composition du jury incomplète : la délibération n'est pas signée. "
        "Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 3."
    )


def test_the_numbers_are_settings(short_of_an_employee, settings):
    settings.NATIONAL_JURY_MIN_PER_COLLEGE = 1
    settings.NATIONAL_JURY_PARITY = False
    assert services.sign_deliberation(short_of_an_employee, user("jpn"), PASSWORD).is_signed


def test_a_deliberation_without_any_member_recorded_misses_both_colleges(spring):
    DeliberationMember.objects.filter(deliberation=spring).delete()
    with pytest.raises(services.DeliberationError) as refused:
        services.sign_deliberation(spring, user("jpn"), PASSWORD)
    assert str(refused.value) == (
        "Composition du jury incomplète : la délibération n'est pas signée. "
        "Collège employeurs : aucun membre présent, 2 requis. Collège salariés : aucun membre présent, 2 requis."
    )


# --- The deliberation's page -------------------------------------------------------------------------


def test_the_page_says_what_the_jury_lacks_before_the_signature_button(client, short_of_an_employee):
    client.login(username="jpn", password=PASSWORD)
    page = client.get(reverse("evaluations:deliberation", kwargs={"pk": short_of_an_employee.pk})).content.decode()
    composition = page[page.index('id="composition"') : page.index('id="sign-title"')]
    assert "Collège employeurs · 2 membres" in composition and "Collège salariés · 1 membre<" in composition
    assert 'Louis Collège <span class="text-secondary">(FO)</span>' in composition
    missing = page.index('id="composition-missing"')
    assert "<li>Collège salariés : 1 membre présent, 2 requis.</li>" in page[missing : page.index("</div>", missing)]
    sign = page.index("Signer la délibération</button>")
    assert missing < sign
    assert page[page.rindex("<button", 0, sign) : sign].startswith(
        '<button class="btn btn-success" type="submit" disabled aria-describedby="composition-missing"'
    )


def test_a_complete_jury_shows_no_warning_and_the_button_is_enabled(client, spring):
    client.login(username="jpn", password=PASSWORD)
    page = client.get(reverse("evaluations:deliberation", kwargs={"pk": spring.pk})).content.decode()
    assert 'id="composition-missing"' not in page
    assert '<button class="btn btn-success" type="submit">Signer la délibération</button>' in page
    assert "Jury : 2 membres du collège employeurs, 2 membres du collège salariés" in page


# --- The minutes -------------------------------------------------------------------------------------


def test_the_signed_minutes_list_the_members_by_college(spring):
    signed = services.sign_deliberation(spring, user("jpn"), PASSWORD)
    text = pdf_text(exports.minutes_pdf(signed))
    assert (
        "Membres présents Collège employeurs (2 membres) • Jean Paritaire — Ucanss • Sylvie Morel — Ucanss "
        "Collège salariés (2 membres) • Louis Collège — FO • Marie Syndicat — CFDT Présidence : Jean Paritaire"
    ) in text
    assert "incomplète" not in text


def test_the_draft_minutes_of_an_incomplete_jury_say_what_it_lacks(short_of_an_employee):
    text = pdf_text(exports.minutes_pdf(short_of_an_employee))
    assert "Collège salariés (1 membre) • Louis Collège — FO Présidence : Jean Paritaire" in text
    assert (
        "Composition du jury incomplète : Collège salariés : 1 membre présent, 2 requis. "
        "Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 2."
    ) in text


def test_an_older_deliberation_prints_its_free_text_as_it_was_signed(spring):
    DeliberationMember.objects.filter(deliberation=spring).delete()
    Deliberation.objects.filter(pk=spring.pk).update(
        members_present="Jean Paritaire (collège employeurs)\nMarie Syndicat (collège salariés)"
    )
    spring.refresh_from_db()
    text = pdf_text(exports.minutes_pdf(spring))
    assert "Membres présents Jean Paritaire (collège employeurs) Marie Syndicat (collège salariés) Présidence" in text


# --- The admin ---------------------------------------------------------------------------------------


@pytest.fixture
def gestionnaire(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    return client


def admin_form(members, **fields):
    """The deliberation's admin form, with its members present as the inline's rows."""
    data = {
        "title": "Jury paritaire national — session de printemps",
        "held_on": "15/06/2026",
        "members": [user("jpn").pk],
        "president": user("jpn").pk,
        "sessions": [CertificationSession.objects.get(name=SPRING).pk],
        "jury_members-TOTAL_FORMS": str(len(members)),
        "jury_members-INITIAL_FORMS": "0",
        **fields,
    }
    for index, (name, college, organisation) in enumerate(members):
        data |= {
            f"jury_members-{index}-name": name,
            f"jury_members-{index}-college": college,
            f"jury_members-{index}-organisation": organisation,
        }
    return data


def test_an_administrator_records_the_members_present_with_their_college(gestionnaire):
    add = reverse("admin:evaluations_deliberation_add")
    form = gestionnaire.get(add).content.decode()
    assert form.count('name="jury_members-') >= 4 * 3  # two lines per college offered, name, college, organisation
    assert '<option value="employers">collège employeurs</option>' in form
    members = [
        ("Jean Paritaire", "employers", "Ucanss"),
        ("Sylvie Morel", "employers", "Ucanss"),
        ("Marie Syndicat", "employees", "CFDT"),
        ("Louis Collège", "employees", "FO"),
    ]
    response = gestionnaire.post(add, admin_form(members))
    assert response.status_code == 302
    deliberation = Deliberation.objects.get()
    assert sorted(deliberation.jury_members.values_list("name", "college", "organisation")) == sorted(members)
    assert [message.level_tag for message in get_messages(response.wsgi_request)] == ["success"]
    change = gestionnaire.get(reverse("admin:evaluations_deliberation_change", args=[deliberation.pk]))
    assert "Complète : la délibération peut être signée." in change.content.decode()


def test_the_admin_says_at_once_what_the_jury_lacks(gestionnaire):
    members = [("Jean Paritaire", "employers", "Ucanss"), ("Marie Syndicat", "employees", "CFDT")]
    response = gestionnaire.post(reverse("admin:evaluations_deliberation_add"), admin_form(members), follow=True)
    warning, added = response.context["messages"]
    assert (warning.level_tag, str(warning)) == (
        "warning",
        "Composition du jury incomplète : la délibération ne peut pas encore être signée. "
        "Collège employeurs : 1 membre présent, 2 requis. Collège salariés : 1 membre présent, 2 requis.",
    )
    assert added.level_tag == "success"
    change = gestionnaire.get(reverse("admin:evaluations_deliberation_change", args=[Deliberation.objects.get().pk]))
    assert "Collège employeurs : 1 membre présent, 2 requis.<br>Collège salariés" in change.content.decode()


def test_a_member_needs_a_college_and_is_recorded_once(gestionnaire):
    add = reverse("admin:evaluations_deliberation_add")
    response = gestionnaire.post(add, admin_form([("Jean Paritaire", "", "Ucanss")]))
    assert response.status_code == 200 and "Ce champ est obligatoire." in response.content.decode()
    twice = [("Jean Paritaire", "employers", ""), ("Jean Paritaire", "employees", "")]
    response = gestionnaire.post(add, admin_form(twice))
    assert response.status_code == 200
    assert "Un membre n&#x27;est inscrit qu&#x27;une fois : corrigez les noms en double." in response.content.decode()
    assert not Deliberation.objects.exists() and not DeliberationMember.objects.exists()


def test_a_signed_deliberations_members_are_read_only_in_the_admin(gestionnaire, spring):
    services.sign_deliberation(spring, user("jpn"), PASSWORD)
    url = reverse("admin:evaluations_deliberation_change", args=[spring.pk])
    page = gestionnaire.get(url).content.decode()
    assert "Marie Syndicat" in page and 'name="jury_members-0-name"' not in page
    members = [("Quelqu'un d'autre", "employees", "")]
    assert gestionnaire.post(url, admin_form(members, **{"jury_members-INITIAL_FORMS": "0"})).status_code == 403
    assert spring.jury_members.count() == 4


# --- Deliberations recorded before the colleges --------------------------------------------------------


def test_the_migration_records_the_members_of_open_deliberations_from_their_text(demo_exams):
    migration = importlib.import_module("evaluations.migrations.0015_deliberation_members_by_college")
    jpn = user("jpn")

    def deliberation(title, text):
        return Deliberation.objects.create(
            title=title, held_on=datetime.date(2026, 6, 15), members_present=text, president=jpn
        )

    listed = deliberation("Listée", "Jean Paritaire (collège employeurs)\n  Marie Syndicat (Collège salariés)  \n")
    free = deliberation("Libre", "Jean Paritaire, Marie Syndicat et deux autres membres")
    migration.members_from_text(apps, None)
    listed.refresh_from_db()
    assert listed.members_present == ""
    assert sorted(listed.jury_members.values_list("name", "college")) == [
        ("Jean Paritaire", "employers"),
        ("Marie Syndicat", "employees"),
    ]
    free.refresh_from_db()
    assert free.members_present.startswith("Jean Paritaire, Marie") and not free.jury_members.exists()
