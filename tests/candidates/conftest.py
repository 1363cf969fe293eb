import datetime
from types import SimpleNamespace

import pytest

from candidates.models import Branch, OrganisationKind
from referentials.models import Bloc, Certification

from .factories import (
    CandidateFactory,
    OrganisationFactory,
    PresidentFactory,
    RepresentativeFactory,
    SessionFactory,
)


@pytest.fixture
def world(shipped_referential):
    """A GC candidate of the CPAM de Paris, a GC session in June 2025, and a valid jury pair."""
    version = shipped_referential
    gc = Certification.objects.get(version=version, code="GC")
    cos = Certification.objects.get(version=version, code="COS")
    blocs = {bloc.code: bloc for bloc in Bloc.objects.filter(version=version)}
    paris = OrganisationFactory(name="CPAM de Paris")
    lyon = OrganisationFactory(name="CPAM de Lyon")
    caf = OrganisationFactory(name="CAF du Rhône", kind=OrganisationKind.CAF, branch=Branch.FAMILLE)
    candidate = CandidateFactory(organisation=paris, certification=gc, last_name="Martin", first_name="Léa")
    return SimpleNamespace(
        version=version,
        gc=gc,
        cos=cos,
        blocs=blocs,
        paris=paris,
        lyon=lyon,
        caf=caf,
        candidate=candidate,
        session=SessionFactory(certification=gc, name="GC juin 2025"),
        cos_session=SessionFactory(certification=cos, name="COS juin 2025"),
        president=PresidentFactory(first_name="Paul", last_name="Président"),
        representative=RepresentativeFactory(first_name="Rémi", last_name="Représentant", organisation=lyon),
        exam_day=datetime.date(2025, 6, 10),
    )
