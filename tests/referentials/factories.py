import datetime

import factory

from referentials.models import (
    Bloc,
    Certification,
    CertificationBloc,
    Competence,
    Criterion,
    ExamKind,
    ReferentialVersion,
)


class ReferentialVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferentialVersion
        django_get_or_create = ["label"]

    label = factory.Sequence(lambda n: f"test-{n}")
    date = datetime.date(2020, 6, 24)
    source = "Texte de test"


class BlocFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bloc

    version = factory.SubFactory(ReferentialVersionFactory)
    code = factory.Sequence(lambda n: f"B{n}")
    title = factory.LazyAttribute(lambda bloc: f"Bloc {bloc.code}")
    activity = "Activité de test"
    exam_kind = ExamKind.OBSERVATION
    observed_minutes = 30
    interview_minutes = 15
    remote_allowed = True


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competence

    bloc = factory.SubFactory(BlocFactory)
    order = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda competence: f"C{competence.order}")
    text = factory.LazyAttribute(lambda competence: f"Compétence {competence.code}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    competence = factory.SubFactory(CompetenceFactory)
    order = factory.Sequence(lambda n: n + 1)
    text = factory.LazyAttribute(lambda criterion: f"Critère {criterion.order}")


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    version = factory.SubFactory(ReferentialVersionFactory)
    code = factory.Sequence(lambda n: f"Q{n}")
    title = factory.LazyAttribute(lambda certification: f"Certification {certification.code}")
    rncp_number = "35729"
    level = 5
    vae_interview_minutes = 45


def make_bloc(*, criteria_per_competence=(5, 4, 3), version=None, code=None, **kwargs):
    """A bloc with one competence per entry, each with that many criteria."""
    extra = {"version": version} if version else {}
    if code:
        extra["code"] = code
    bloc = BlocFactory(**extra, **kwargs)
    for order, count in enumerate(criteria_per_competence, start=1):
        competence = CompetenceFactory(bloc=bloc, order=order, code=f"C{order}")
        CriterionFactory.create_batch(count, competence=competence)
    return bloc


def make_certification(blocs, **kwargs):
    certification = CertificationFactory(version=blocs[0].version, **kwargs)
    for order, bloc in enumerate(blocs, start=1):
        CertificationBloc.objects.create(certification=certification, bloc=bloc, order=order)
    return certification
