import datetime

import factory
from django.utils import timezone

from candidates.models import (
    Branch,
    Candidate,
    CertificationSession,
    Exam,
    JuryRole,
    Organisation,
    OrganisationKind,
    Person,
    Route,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"CPAM n°{n}")
    kind = OrganisationKind.CPAM
    branch = Branch.MALADIE


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    organisation = factory.SubFactory(OrganisationFactory)


class PresidentFactory(PersonFactory):
    organisation = factory.SubFactory(
        OrganisationFactory, name="Ucanss", kind=OrganisationKind.UCANSS, branch=Branch.INTERBRANCHE
    )
    jury_role = JuryRole.PRESIDENT
    jury_trained_on = datetime.date(2024, 1, 10)


class RepresentativeFactory(PersonFactory):
    jury_role = JuryRole.REPRESENTATIVE
    jury_trained_on = datetime.date(2024, 1, 10)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    birth_date = factory.Sequence(lambda n: datetime.date(1980, 1, 1) + datetime.timedelta(days=n))
    organisation = factory.SubFactory(OrganisationFactory)
    job_title = "Gestionnaire conseil"
    route = Route.TRAINING
    pass_validated_on = datetime.date(2024, 3, 1)
    premss_validated_on = datetime.date(2024, 4, 1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationSession

    name = factory.Sequence(lambda n: f"Session {n}")
    starts_on = datetime.date(2025, 6, 2)
    ends_on = datetime.date(2025, 6, 27)
    place = "Paris"


def exam_time(day=datetime.date(2025, 6, 10), hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class ExamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exam

    scheduled_at = factory.LazyFunction(exam_time)
    place = "Paris, salle 3"
    president = factory.SubFactory(PresidentFactory)
    representative = factory.SubFactory(
        RepresentativeFactory, organisation=factory.SubFactory(OrganisationFactory, name="CPAM de Lyon")
    )
