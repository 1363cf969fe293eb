"""A re-sit: a bloc not validated is examined again at a later session, once the national jury has decided;
the new grid shows its jury the previous outcome and the recommendations both juries wrote."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import CertificationSession, Exam

from .conftest import exam_of
from .test_results_mail import sign, spring  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

RECOMMENDATIONS = "Consolider la relation de service en situation de travail."


def resit_of(last_name, bloc="GRU"):
    """An exam on the same bloc, before the same jury, in a GC session a month after the deliberation."""
    first = exam_of(last_name, bloc)
    later = datetime.date.today() + datetime.timedelta(days=30)
    session = CertificationSession.objects.create(
        certification=first.session.certification,
        name="CQP GC — session de rattrapage",
        starts_on=later,
        ends_on=later + datetime.timedelta(days=10),
        place="Ucanss, Paris",
    )
    return Exam(
        session=session,
        candidate=first.candidate,
        bloc=first.bloc,
        scheduled_at=timezone.make_aware(datetime.datetime.combine(later, datetime.time(9, 30))),
        place="CPAM, salle 3",
        president=first.president,
        representative=first.representative,
    )


def refusals(exam):
    with pytest.raises(ValidationError) as error:
        exam.full_clean()
    return error.value.messages


def test_a_bloc_awaiting_its_deliberation_is_not_examined_again_yet(spring):  # noqa: F811
    assert refusals(resit_of("Fontaine")) == [
        "Le candidat a déjà une épreuve du bloc GRU en attente de la délibération du jury paritaire national : "
        "une nouvelle épreuve se programme une fois le bloc non validé."
    ]


def test_once_not_validated_the_bloc_is_examined_again_and_its_jury_reads_the_previous_decision(
    spring,  # noqa: F811
    client,
):
    sign(spring)
    first_exam = exam_of("Fontaine", "GRU")
    resit = resit_of("Fontaine")
    resit.full_clean()
    resit.save()

    assert client.login(username="president", password=PASSWORD)
    page = client.get(reverse("evaluations:grid", kwargs={"pk": resit.pk})).content.decode()
    section = page[
        page.index('id="previous-attempts"') : page.index("</section>", page.index('id="previous-attempts"'))
    ]
    held_on = spring.held_on
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre"]  # fmt: skip
    assert "Épreuve repassée : décisions précédentes" in section
    assert (
        f"<strong>Bloc GRU</strong> — non validé par le jury paritaire national le {held_on.day} "
        f"{months[held_on.month - 1]} {held_on.year} (Délibération du jury paritaire national)"
    ) in section
    assert f"<li>Préconisations des jurys : {RECOMMENDATIONS}</li>" in section

    first = client.get(reverse("evaluations:grid", kwargs={"pk": first_exam.pk})).content.decode()
    assert 'id="previous-attempts"' not in first  # the first exam had nothing before it


def test_an_acquired_bloc_is_never_examined_again(spring):  # noqa: F811
    sign(spring)
    assert refusals(resit_of("Martin")) == [
        "Le candidat a déjà acquis le bloc GRU : un bloc est acquis définitivement."
    ]
