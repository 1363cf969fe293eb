"""Files in bulk for a deliberation: what the query-count tests and `bench_deliberation` measure.

Rows are written directly (bulk_create), as if every grid had been graded and signed; nothing
here is used by the application itself.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
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
from candidates.roles import NATIONAL_JURY
from referentials.models import Criterion, ExamKind

from .demo import seat_example_jury
from .models import (
    BlocAssessment,
    BlocDecision,
    CandidateFile,
    CriterionMark,
    Deliberation,
    FileOutcome,
    Grid,
    GridStatus,
    Opinion,
    Ruling,
)


def _gru_exams(session, organisation, president, representative, count, *, start, name):
    """`count` candidates of `organisation` on `session`'s CQP (last names `name` and a number), each
    with a GRU exam on the session's first day before this jury."""
    certification = session.certification
    gru = certification.blocs.get(code="GRU")
    candidates = Candidate.objects.bulk_create(
        Candidate(
            last_name=f"{name}{start + n:05d}",
            first_name="Test",
            birth_date=datetime.date(1980, 1, 1) + datetime.timedelta(days=start + n),
            organisation=organisation,
            certification=certification,
            route=Route.TRAINING,
            pass_validated_on=datetime.date(2024, 1, 1),
            premss_validated_on=datetime.date(2024, 1, 1),
        )
        for n in range(count)
    )
    when = timezone.make_aware(datetime.datetime.combine(session.starts_on, datetime.time(9)))
    return Exam.objects.bulk_create(
        Exam(
            session=session,
            candidate=candidate,
            bloc=gru,
            kind=ExamKind.OBSERVATION,
            scheduled_at=when,
            place="Salle 1",
            president=president,
            representative=representative,
        )
        for candidate in candidates
    )


def add_signed_files(deliberation, session, organisation, president, representative, count, *, start=0):
    """`count` candidates of `organisation` on `session`'s CQP, each with a signed GRU grid before
    the deliberation: validated for two candidates in three, with the opinion given."""
    exams = _gru_exams(session, organisation, president, representative, count, start=start, name="Candidat")
    candidates = [exam.candidate for exam in exams]
    certification = session.certification
    gru = certification.blocs.get(code="GRU")
    grids = Grid.objects.bulk_create(
        Grid(exam=exam, status=GridStatus.SIGNED, revision=1, signed_at=timezone.now(), digest="0" * 64)
        for exam in exams
    )
    files = CandidateFile.objects.bulk_create(
        CandidateFile(
            deliberation=deliberation,
            candidate=candidate,
            certification=certification,
            route=Route.TRAINING,
            pass_validated_on=candidate.pass_validated_on,
            premss_validated_on=candidate.premss_validated_on,
            outcome=FileOutcome.CCP if n % 3 else FileOutcome.NONE,
            outcome_reason="CCP délivré : GRU" if n % 3 else "aucun nouveau bloc validé",
        )
        for n, candidate in enumerate(candidates)
    )
    BlocDecision.objects.bulk_create(
        BlocDecision(
            file=file,
            bloc=gru,
            exam_id=grid.exam_id,
            grid=grid,
            computed=Ruling.VALIDATED if n % 3 else Ruling.NOT_VALIDATED,
            computed_reason="6 compétences acquises sur 6, 5 requises : bloc validé",
            opinion=Opinion.FAVOURABLE if n % 3 else Opinion.UNFAVOURABLE,
            decision=Ruling.VALIDATED if n % 3 else Ruling.NOT_VALIDATED,
        )
        for n, (file, grid) in enumerate(zip(files, grids, strict=True))
    )
    return files


def add_ready_exams(session, organisation, president, representative, count, *, start=0, signed=True):
    """`count` candidates on `session`'s CQP, each with a GRU exam whose grid has every criterion
    marked (one candidate in four misses the competences' threshold) and the jury's favourable
    opinion: signed, so ready to be put before a deliberation, or only submitted (`signed=False`)."""
    exams = _gru_exams(session, organisation, president, representative, count, start=start, name="Pret")
    gru = session.certification.blocs.get(code="GRU")
    criteria = list(Criterion.objects.filter(competence__bloc=gru).order_by("competence__order", "order"))
    now = timezone.now()
    grids = Grid.objects.bulk_create(
        Grid(exam=exam, status=GridStatus.SUBMITTED, revision=1, submitted_at=now) for exam in exams
    )
    BlocAssessment.objects.bulk_create(
        BlocAssessment(grid=grid, bloc=gru, verdict=Opinion.FAVOURABLE) for grid in grids
    )
    CriterionMark.objects.bulk_create(
        (
            CriterionMark(grid=grid, criterion=criterion, validated=not (n % 4 == 0 and index % 2 == 0))
            for n, grid in enumerate(grids)
            for index, criterion in enumerate(criteria)
        ),
        batch_size=2000,
    )
    if signed:  # marks first: nothing is added to a signed grid
        Grid.objects.filter(pk__in=[grid.pk for grid in grids]).update(
            status=GridStatus.SIGNED, signed_at=now, digest="0" * 64
        )
    return exams


@dataclass
class BenchWorld:
    """An open deliberation on a session of its own, with a jury pair and a member who presides it."""

    deliberation: Deliberation
    user: object  # the national jury member presiding, whose password is `password`
    session: CertificationSession
    organisation: Organisation  # the candidates'
    president: Person
    representative: Person

    @property
    def jury(self):
        """What add_signed_files and add_ready_exams take after the deliberation."""
        return self.session, self.organisation, self.president, self.representative


def bench_world(certification, username, password) -> BenchWorld:
    organisation = Organisation.objects.create(name="Bench CPAM", kind=OrganisationKind.CPAM, branch=Branch.MALADIE)
    other = Organisation.objects.create(name="Bench CPAM 2", kind=OrganisationKind.CPAM, branch=Branch.MALADIE)
    president = Person.objects.create(
        first_name="P", last_name="Bench", organisation=other, jury_role=JuryRole.PRESIDENT
    )
    representative = Person.objects.create(
        first_name="R", last_name="Bench", organisation=other, jury_role=JuryRole.REPRESENTATIVE
    )
    session = CertificationSession.objects.create(
        certification=certification,
        name="Bench",
        starts_on=datetime.date(2026, 1, 5),
        ends_on=datetime.date(2026, 1, 30),
        place="Paris",
    )
    user = get_user_model().objects.create_user(username, password=password)
    user.groups.add(Group.objects.get(name=NATIONAL_JURY))
    deliberation = Deliberation.objects.create(title="Bench", held_on=datetime.date(2026, 2, 1), president=user)
    seat_example_jury(deliberation)  # complete: the composition never refuses the signature measured
    deliberation.sessions.add(session)
    deliberation.members.add(user)
    return BenchWorld(deliberation, user, session, organisation, president, representative)
