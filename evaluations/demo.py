"""Demo grids and deliberation, on top of `candidates.demo`: the spring session graded and signed by
its juries, and the national joint jury's deliberation on it, open, ready to be held and signed.

The deliberation is dated today, the day the demo is loaded: it can be signed at once (never before its
date), its blocs are then acquired and its certificates issued on that date, signed by the demo's signatory,
in office from that day (a name of the demo, as its people are: the real one is recorded in the admin)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import CertificationSession, Exam
from certificates.models import Signatory

from . import selectors, services
from .models import College, Deliberation, DeliberationMember

DEMO_SIGNATORY = {"name": "Dominique Exemple", "title": "Directeur général de l'Ucanss (démonstration)"}

# The demo's national joint jury: two members of each college, the smallest jury the default settings let
# sign (NATIONAL_JURY_MIN_PER_COLLEGE = 2, parity). Jean Paritaire, its president, is the `jpn` account;
# the others sit without an account, as most members do.
EXAMPLE_JURY = [
    ("Jean Paritaire", College.EMPLOYERS, "Ucanss"),
    ("Sylvie Morel", College.EMPLOYERS, "Ucanss"),
    ("Marie Syndicat", College.EMPLOYEES, "CFDT"),
    ("Louis Collège", College.EMPLOYEES, "FO"),
]


def seat_example_jury(deliberation, jury=EXAMPLE_JURY):
    """Record the members present of a demo, test or benchmark deliberation, each in their college."""
    DeliberationMember.objects.bulk_create(
        DeliberationMember(deliberation=deliberation, name=name, college=college, organisation=organisation)
        for name, college, organisation in jury
    )


def _grade(exam, failed_competences=0, verdict="favourable", comment=""):
    """Grade an exam as its jury would, then submit and sign it with both members' accounts.

    The last `failed_competences` competences of each bloc get only half their criteria."""
    layout = selectors.grid_layout(exam)
    state = layout.empty_state()
    for bloc in layout.blocs:
        failing = bloc.competences[len(bloc.competences) - failed_competences :] if failed_competences else ()
        for position, competence in enumerate(bloc.competences):
            for index, criterion in enumerate(competence.criteria):
                state[criterion.key] = competence not in failing or index % 2 == 0
            if bloc.oral_presentation:
                state[competence.presented_key if position < 2 else competence.discussed_key] = True
        state[bloc.verdict_key] = verdict
        state[bloc.opinion_key] = comment
        if failed_competences:
            state[bloc.recommendations_key] = "Consolider les compétences non acquises en situation de travail."
    president = exam.president.user
    services.save_grid(exam, president, state, 0)
    services.submit_grid(exam, president)
    for member in (exam.president, exam.representative):
        services.sign_grid(exam, member.user, PASSWORD)


@transaction.atomic
def load_demo(today=None):
    today = today or timezone.localdate()
    spring = CertificationSession.objects.get(name="CQP GC — session de printemps")
    exams = {(exam.candidate.last_name, exam.bloc.code): exam for exam in Exam.objects.filter(session=spring)}
    _grade(exams[("Martin", "GRU")], comment="Accueil et argumentaire très clairs.")
    _grade(exams[("Martin", "MDR")], comment="Situation bien analysée.")
    # The professional jury is favourable although the criteria fall short: the deliberation decides.
    _grade(exams[("Fontaine", "GRU")], failed_competences=3, comment="Progrès nets depuis la formation.")
    deliberation = Deliberation.objects.create(
        title="Jury paritaire national — session de printemps",
        held_on=today,  # signed on or after its date: the president can sign it today, not before
        president=get_user_model().objects.get(username="jpn"),
    )
    seat_example_jury(deliberation)
    deliberation.members.add(deliberation.president)
    deliberation.sessions.add(spring)
    services.add_ready_files(deliberation, deliberation.president)
    if not Signatory.objects.exists():
        Signatory.objects.create(**DEMO_SIGNATORY, from_date=today)
