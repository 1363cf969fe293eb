"""A decade of national data, for measuring every page and action at the size Ucanss will reach (issue 14).

`build(seed, factor)` writes, through the real models, what ten years of the two CQPs leave behind:
candidates around their organisations (managers, tutors, trainers), two sessions a year per CQP,
every exam with a grid marked, submitted and signed by both members of its jury, a signed
deliberation a year with its files, decisions, acquired blocs, CQP awarded and numbered certificates,
then the current year: its grids signed, and an open deliberation with no file yet.

Rows are written in bulk, but nothing is made up that the application would compute: each bloc's
result comes from `grids.decide` (the rules of `rules.py`), each file's outcome from `rules.decide_file`,
the certificates from `certificates.services.number_certificates`, every grid is checked complete by
`grids.submission_problems` and signed with its `grids.digest`. The audit trail and the frozen-row
triggers stay on: the audit rows are the triggers' own. Everything follows from `random.Random(seed)`
and today's date (only the certificates' random verification codes differ from one build to the next).

Each group of rows is one transaction that starts with `SET CONSTRAINTS ALL IMMEDIATE`: with the
triggers and Django's deferred foreign keys, inserts inside one long transaction grow quadratic.
"""

import datetime
import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from candidates import roles
from candidates.models import (
    AcquiredBloc,
    Branch,
    Candidate,
    CertificationSession,
    CompetenceAttestation,
    CqpAward,
    Exam,
    JuryRole,
    Organisation,
    OrganisationKind,
    Person,
    Route,
)
from certificates.models import Certificate
from certificates.services import number_certificates
from referentials.models import Certification, ExamKind

from . import grids, rules, selectors, services, statistics
from .demo import seat_example_jury
from .models import (
    BlocAssessment,
    BlocDecision,
    CandidateFile,
    CompetenceAssessment,
    CriterionMark,
    Deliberation,
    DeliberationStatus,
    FileOutcome,
    Grid,
    GridAction,
    GridEvent,
    GridStatus,
    Opinion,
    Ruling,
    Signature,
)

PASSWORD = "echelle-cqp-ucanss"
YEARS = 10  # signed deliberations, one a year; the current year follows, its deliberation open
CANDIDATES = 20_000  # at factor 1, over the YEARS + 1 cohorts
PRESIDENT_EXAMS = 2_000  # the exams the `president` account presides, at factor 1
BATCH = 4_000  # rows per INSERT
EXAMS_PER_TRANSACTION = 1_500
MAX_ATTEMPTS = 3  # a bloc not validated is examined again the next year, three times at most
NATIONAL_MEMBERS = 5

# Organisations per branch at factor 1 (at least MIN_ORGANISATIONS whatever the factor).
ORGANISATIONS = {
    Branch.MALADIE: (OrganisationKind.CPAM, "CPAM", 100, 5),
    Branch.FAMILLE: (OrganisationKind.CAF, "CAF", 100, 4),
    Branch.RETRAITE: (OrganisationKind.CARSAT, "Carsat", 16, 2),
    Branch.RECOUVREMENT: (OrganisationKind.URSSAF, "Urssaf", 22, 2),
}  # branch: (kind, name, how many, weight of the branch among candidates)
MIN_ORGANISATIONS = 3
PRESIDENTS = 30
REPRESENTATIVES_PER_ORGANISATION = 2
STAFF_PER_ORGANISATION = 6  # managers and tutors
TRAINERS = 20

LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
    "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefevre Faure "
    "André Mercier Blanc Guerin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément "
    "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer "
    "Dufour Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard "
    "Roche Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix "
    "Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq Guillaume Lecomte Lopez Jean "
    "Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin Louis Deschamps Huet Vasseur Perez Boucher "
    "Fleury Royer Klein Jacquet Adam Paris Poirier Marty Aubry Guyot Carré Charles Renault Charpentier Ménard "
    "Maillard Baron Bertin Bailly Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet "
    "Perrot Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque Perrier Leblanc "
    "Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet Étienne "
    "Grondin Poulain Tessier Chevallier Collin Chauvin Da Silva Bouchet Gay Lemaître Bénard Maréchal Humbert "
    "Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier "
    "Laporte Diallo Haddad Nguyen Traoré Benali Mendes Ferreira Kone Cissé Bakari"
).split()
FIRST_NAMES = (
    "Léa Chloé Manon Emma Camille Inès Sarah Julie Laura Marie Anaïs Pauline Lucie Clara Mathilde Océane Justine "
    "Marion Élodie Amandine Audrey Céline Nadia Sophie Claire Hélène Amina Fatima Yasmine Nathalie Sandrine "
    "Isabelle Valérie Karine Stéphanie Aurélie Émilie Virginie Delphine Caroline Hugo Lucas Thomas Nicolas "
    "Julien Maxime Alexandre Antoine Kevin Romain Quentin Clément Mathieu Florian Sébastien Guillaume Jérôme "
    "Olivier Laurent Christophe David Yanis Karim Mehdi Rachid Samir Mohamed Luc Paul Marc Pierre Jean Louis "
    "Théo Adrien Benjamin Damien Fabien Vincent Cédric Arnaud Frédéric Grégory"
).split()
CITIES = [
    ("75115", "Paris 15e"), ("69123", "Lyon"), ("13055", "Marseille"), ("33063", "Bordeaux"), ("59350", "Lille"),
    ("31555", "Toulouse"), ("44109", "Nantes"), ("67482", "Strasbourg"), ("35238", "Rennes"), ("97411", "Saint-Denis"),
]  # fmt: skip


@dataclass
class Story:
    """One candidate over the years: what they hold, and when they are examined."""

    candidate: Candidate
    cohort: int
    skill: float
    held: set = field(default_factory=set)
    attempts: Counter = field(default_factory=Counter)
    last_cycle: int = -1


@dataclass
class Graded:
    """An exam built in memory, and what its signed grid decides, bloc by bloc."""

    exam: Exam
    story: Story
    layout: grids.GridLayout
    state: dict
    decisions: grids.GridDecisions
    grid: Grid | None = None


@contextmanager
def group():
    """One transaction whose foreign keys are checked at once, so that its inserts stay linear."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield


@contextmanager
def dates_as_given(*fields):
    """bulk_create stamps auto_now(_add) fields with the time of the build: the story's own dates are kept."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def scaled(count, factor, minimum=1):
    return max(minimum, round(count * factor))


def audit_event_count():
    """Rows of the audit trail: every pghistory event table."""
    from pghistory.models import Event

    return sum(
        model.objects.count()
        for model in apps.get_models()
        if issubclass(model, Event) and model._meta.managed and not model._meta.proxy
    )


def counts():
    return {
        "candidats": Candidate.objects.count(),
        "sessions": CertificationSession.objects.count(),
        "épreuves": Exam.objects.count(),
        "grilles signées": Grid.objects.filter(status=GridStatus.SIGNED).count(),
        "notes de critères": CriterionMark.objects.count(),
        "événements de grille": GridEvent.objects.count(),
        "délibérations signées": Deliberation.objects.filter(status=DeliberationStatus.SIGNED).count(),
        "délibérations ouvertes": Deliberation.objects.filter(status=DeliberationStatus.OPEN).count(),
        "dossiers": CandidateFile.objects.count(),
        "décisions sur un bloc": BlocDecision.objects.count(),
        "blocs acquis": AcquiredBloc.objects.count(),
        "CQP délivrés": CqpAward.objects.count(),
        "certificats": Certificate.objects.count(),
        "événements d'audit": audit_event_count(),
    }


class Builder:
    def __init__(self, seed, factor, today, log):
        self.rng = random.Random(seed)
        self.factor = factor
        self.today = today
        self.log = log
        self.password = make_password(PASSWORD)

    # --- Dates -------------------------------------------------------------------------------------

    def deliberation_day(self, cycle):
        """The signed deliberations a year apart, the last one ten months ago; the open one in two weeks."""
        if cycle == YEARS:
            return self.today + datetime.timedelta(days=14)
        return self.today - datetime.timedelta(days=305 + 365 * (YEARS - 1 - cycle))

    def session_days(self, cycle, half):
        """Spring (half 0) and autumn (half 1) sessions of three weeks, after the year before's deliberation
        and before the year's own; the current year's are over."""
        end = self.today - datetime.timedelta(days=20) if cycle == YEARS else self.deliberation_day(cycle)
        starts = end - datetime.timedelta(days=200 if half == 0 else 80)
        return starts, starts + datetime.timedelta(days=20)

    # --- The world around the candidates -----------------------------------------------------------

    def people(self):
        User = get_user_model()
        rng = self.rng
        with group():
            call_command("load_referentials", keep_existing=True, verbosity=0)
            self.gc = Certification.objects.get(code="GC", version__label="2020")
            self.cos = Certification.objects.get(code="COS", version__label="2020")
            self.codes = {cert.pk: [b.code for b in cert.blocs.order_by("certificationbloc__order")]
                          for cert in (self.gc, self.cos)}  # fmt: skip
            self.blocs = {bloc.code: bloc for bloc in self.gc.blocs.all()} | {
                bloc.code: bloc for bloc in self.cos.blocs.all()
            }
            # Only blocs whose referential has criteria can be examined (POS and TD have none yet).
            self.examinable = {
                cert.pk: [code for code in self.codes[cert.pk] if self.blocs[code].is_evaluable()]
                for cert in (self.gc, self.cos)
            }
            examined = {code for codes in self.examinable.values() for code in codes}
            self.layouts = {
                (layout.code, layout.oral_presentation): layout
                for oral in (False, True)
                for layout in selectors.bloc_layouts([self.blocs[code] for code in sorted(examined)], oral)
            }

            ucanss = Organisation.objects.create(
                name="Ucanss", kind=OrganisationKind.UCANSS, branch=Branch.INTERBRANCHE
            )
            institute = Organisation.objects.create(
                name="Institut 4.10", kind=OrganisationKind.OTHER, branch=Branch.INTERBRANCHE
            )
            organisations = []
            for branch, (kind, name, count, _weight) in ORGANISATIONS.items():
                organisations += [
                    Organisation(name=f"{name} n° {number:03d}", kind=kind, branch=branch)
                    for number in range(1, scaled(count, self.factor, MIN_ORGANISATIONS) + 1)
                ]
            organisations = Organisation.objects.bulk_create(organisations)
            self.organisations = {branch: [o for o in organisations if o.branch == branch] for branch in ORGANISATIONS}

            trained = self.deliberation_day(0) - datetime.timedelta(days=400)
            users, persons = [], []

            def account(username, first_name, last_name, group_name=None, **flags):
                user = User(
                    username=username, first_name=first_name, last_name=last_name, password=self.password,
                    email=f"{username}@echelle.invalid", **flags,
                )  # fmt: skip
                user.group_name = group_name
                users.append(user)
                return user

            account("admin", "Alice", "Administratrice", is_staff=True, is_superuser=True)
            account("gestionnaire", "Gaëlle", "Gestionnaire", roles.UCANSS_ADMINISTRATORS, is_staff=True)
            self.national = [account("jpn", "Jean", "Paritaire", roles.NATIONAL_JURY)] + [
                account(f"jpn.{n}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), roles.NATIONAL_JURY)
                for n in range(2, NATIONAL_MEMBERS + 1)
            ]

            def jury_member(username, organisation, role, first_name=None, last_name=None):
                first_name, last_name = first_name or rng.choice(FIRST_NAMES), last_name or rng.choice(LAST_NAMES)
                user = account(username, first_name, last_name, roles.PROFESSIONAL_JURY)
                person = Person(
                    first_name=first_name, last_name=last_name, organisation=organisation, jury_role=role,
                    jury_trained_on=trained, email=f"{username}@echelle.invalid",
                )  # fmt: skip
                person.account = user
                persons.append(person)
                return person

            self.president = jury_member("president", ucanss, JuryRole.PRESIDENT, "Claire", "Dumas")
            self.presidents = [
                jury_member(f"jury.president.{n}", ucanss, JuryRole.PRESIDENT)
                for n in range(2, scaled(PRESIDENTS, self.factor, 3) + 1)
            ]
            self.representatives = {branch: [] for branch in ORGANISATIONS}
            for organisation in organisations:
                for n in range(REPRESENTATIVES_PER_ORGANISATION):
                    self.representatives[organisation.branch].append(
                        jury_member(f"jury.{organisation.pk}.{n + 1}", organisation, JuryRole.REPRESENTATIVE)
                    )
            self.trainers = [
                Person(first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES), organisation=institute)
                for _ in range(TRAINERS)
            ]
            self.staff = {
                organisation.pk: [
                    Person(first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                           organisation=organisation)
                    for _ in range(STAFF_PER_ORGANISATION)
                ]
                for organisation in organisations
            }  # fmt: skip

            User.objects.bulk_create(users)
            groups = {g.name: g for g in Group.objects.all()}
            User.groups.through.objects.bulk_create(
                User.groups.through(user_id=user.pk, group_id=groups[user.group_name].pk)
                for user in users
                if user.group_name
            )
            for person in persons:
                person.user = person.account
            Person.objects.bulk_create(
                persons + self.trainers + [p for people in self.staff.values() for p in people], batch_size=BATCH
            )
            # Managers report to the organisation's first manager: a hierarchy of two levels.
            managers = []
            for people in self.staff.values():
                for person in people[1:3]:
                    person.manager = people[0]
                    managers.append(person)
            Person.objects.bulk_update(managers, ["manager"], batch_size=BATCH)
        self.log(
            f"Organismes, personnes et comptes : {len(organisations) + 2} organismes, {len(users)} comptes, "
            f"{Person.objects.count()} personnes."
        )

    # --- Candidates --------------------------------------------------------------------------------

    def candidates(self):
        rng = self.rng
        total = scaled(CANDIDATES, self.factor, YEARS + 1)
        # Cohorts: a first year with a backlog, then steady, the current one larger.
        weights = [1.2] + [0.95] * (YEARS - 1) + [1.35]
        sizes = [round(total * w / sum(weights)) for w in weights]
        sizes[-1] += total - sum(sizes)
        branches = list(ORGANISATIONS)
        branch_weights = [ORGANISATIONS[b][3] for b in branches]
        seen, stories = set(), []
        for cohort, size in enumerate(sizes):
            first_exam = self.session_days(cohort, 0)[0]
            for _ in range(size):
                while True:
                    identity = (
                        rng.choice(LAST_NAMES),
                        rng.choice(FIRST_NAMES),
                        datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randrange(40 * 365)),
                    )
                    if identity not in seen:
                        seen.add(identity)
                        break
                last_name, first_name, birth_date = identity
                organisation = rng.choice(self.organisations[rng.choices(branches, branch_weights)[0]])
                staff = self.staff[organisation.pk]
                certification = self.gc if rng.random() < 0.85 else self.cos
                # The VAE interview covers every bloc of the CQP: only the GC's can all be evaluated.
                route = Route.VAE if certification == self.gc and rng.random() < 0.1 else Route.TRAINING
                pass_on = first_exam - datetime.timedelta(days=rng.randrange(60, 400))
                premss_on = None if rng.random() < 0.08 else pass_on + datetime.timedelta(days=rng.randrange(5, 40))
                code, city = rng.choice(CITIES)
                candidate = Candidate(
                    last_name=last_name,
                    first_name=first_name,
                    birth_date=birth_date,
                    sex=rng.choice("FM"),
                    birth_place_code=code,
                    birth_city=city,
                    email=f"candidat.{len(stories) + 1}@echelle.invalid",
                    organisation=organisation,
                    job_title="Gestionnaire conseil" if certification == self.gc else "Conseiller offres de services",
                    manager=rng.choice(staff[:3]),
                    tutor=rng.choice(staff[3:]),
                    certification=certification,
                    route=route,
                    pass_validated_on=pass_on,
                    premss_validated_on=premss_on,
                    livret2_received_on=first_exam - datetime.timedelta(days=30) if route == Route.VAE else None,
                )
                stories.append(Story(candidate, cohort, skill=rng.uniform(0.82, 1.0)))
        for start in range(0, len(stories), BATCH):
            with group():
                chunk = [story.candidate for story in stories[start : start + BATCH]]
                Candidate.objects.bulk_create(chunk)
                Candidate.trainers.through.objects.bulk_create(
                    Candidate.trainers.through(candidate_id=c.pk, person_id=rng.choice(self.trainers).pk)
                    for c in chunk
                    if c.route == Route.TRAINING
                )
        self.stories = stories
        self.log(f"Candidats : {len(stories)} ({', '.join(str(s) for s in sizes)} par année).")

    # --- Sessions, exams and signed grids ----------------------------------------------------------

    def sessions(self, cycle):
        year = self.session_days(cycle, 0)[0].year
        sessions = {}
        for certification in (self.gc, self.cos):
            for half, season in enumerate(("de printemps", "d'automne")):
                starts, ends = self.session_days(cycle, half)
                sessions[(certification.pk, half)] = CertificationSession.objects.create(
                    certification=certification,
                    name=f"CQP {certification.code} — session {season} {year}",
                    starts_on=starts,
                    ends_on=ends,
                    place="" if half else f"Ucanss, salle {cycle + 1}",
                    remote=bool(half),
                )
        return sessions

    def to_take(self, story):
        """The blocs the candidate is examined on this year: every examinable bloc not held, tried less than
        MAX_ATTEMPTS times."""
        certification_id = story.candidate.certification_id
        return [
            code
            for code in self.examinable[certification_id]
            if code not in story.held and story.attempts[code] < MAX_ATTEMPTS
        ]

    def grade(self, exam, story, codes):
        """What the jury marks: each criterion validated with the candidate's skill, the presentation
        covering two or three competences, an opinion that follows the result most of the time."""
        rng = self.rng
        oral = exam.kind == ExamKind.ORAL_PRESENTATION
        layout = grids.GridLayout(tuple(self.layouts[(code, oral)] for code in codes))
        state = layout.empty_state()
        for bloc in layout.blocs:
            covered = rng.choice((2, 3))
            for position, competence in enumerate(bloc.competences):
                for criterion in competence.criteria:
                    state[criterion.key] = rng.random() < story.skill
                if oral:
                    state[competence.presented_key if position < covered else competence.discussed_key] = True
                if rng.random() < 0.1:
                    state[competence.comment_key] = "Compétence observée en situation réelle."
        decisions = grids.decide(layout, state)
        for bloc in layout.blocs:
            acquired = decisions.blocs[bloc.id].is_acquired
            if rng.random() < 0.04:
                acquired = not acquired  # the professional jury sees it otherwise: the deliberation decides
            state[bloc.verdict_key] = Opinion.FAVOURABLE if acquired else Opinion.UNFAVOURABLE
            state[bloc.opinion_key] = "Prestation conforme aux attendus." if acquired else "Des points à consolider."
            if not decisions.blocs[bloc.id].is_acquired:
                state[bloc.recommendations_key] = "Consolider les compétences non acquises en situation de travail."
        problems = grids.submission_problems(layout, state)
        assert not problems, problems
        return Graded(exam, story, layout, state, decisions)

    def exams(self, cycle, sessions):
        """The cycle's exams, in memory: each candidate of the year in one of the two sessions of their CQP."""
        rng = self.rng
        president_share = min(1.0, PRESIDENT_EXAMS / (CANDIDATES * 3.6))
        graded = []
        for story in self.stories:
            candidate = story.candidate
            if story.cohort > cycle or (story.cohort < cycle and story.last_cycle != cycle - 1):
                continue
            codes = self.to_take(story)
            if not codes:
                continue
            half = rng.randrange(2)
            session = sessions[(candidate.certification_id, half)]
            day = session.starts_on + datetime.timedelta(days=rng.randrange(1, 19))
            # Same branch, another organisation; managers and tutors are of the candidate's own.
            representatives = self.representatives[candidate.organisation.branch]
            while (representative := rng.choice(representatives)).organisation_id == candidate.organisation_id:
                pass
            exams = [(code,) for code in codes] if candidate.route == Route.TRAINING else [tuple(codes)]
            for number, examined in enumerate(exams):
                president = self.president if rng.random() < president_share else rng.choice(self.presidents)
                bloc = self.blocs[examined[0]] if candidate.route == Route.TRAINING else None
                exam = Exam(
                    session=session,
                    candidate=candidate,
                    bloc=bloc,
                    kind=bloc.exam_kind if bloc else ExamKind.VAE_INTERVIEW,
                    scheduled_at=timezone.make_aware(
                        datetime.datetime.combine(
                            day + datetime.timedelta(days=number), datetime.time(9 + 2 * rng.randrange(4))
                        )
                    ),
                    place="" if session.remote else session.place,
                    video_link=f"https://visio.echelle.invalid/{candidate.pk}-{number}" if session.remote else "",
                    president=president,
                    representative=representative,
                )  # fmt: skip
                graded.append(self.grade(exam, story, examined))
            for code in codes:
                story.attempts[code] += 1
            story.last_cycle = cycle
        return graded

    def write_exams(self, graded):
        """The exams, and their grids as the services leave them: marked, submitted, signed twice, frozen."""
        for start in range(0, len(graded), EXAMS_PER_TRANSACTION):
            chunk = graded[start : start + EXAMS_PER_TRANSACTION]
            with group(), dates_as_given(Grid._meta.get_field("updated_at"), GridEvent._meta.get_field("at")):
                Exam.objects.bulk_create([g.exam for g in chunk], batch_size=BATCH)
                grids_, marks, competences, blocs, signatures, events = [], [], [], [], [], []
                for g in chunk:
                    exam = g.exam
                    submitted = exam.scheduled_at + datetime.timedelta(hours=2)
                    g.signed_at = submitted + datetime.timedelta(hours=1)
                    g.digest = grids.digest(exam.pk, g.state)
                    g.grid = Grid(
                        exam=exam, status=GridStatus.SUBMITTED, revision=1, submitted_at=submitted,
                        updated_at=submitted,
                    )  # fmt: skip
                    grids_.append(g.grid)
                Grid.objects.bulk_create(grids_, batch_size=BATCH)
                for g in chunk:
                    grid, state, exam = g.grid, g.state, g.exam
                    grid_marks, grid_competences, grid_blocs = services.grid_rows(grid, g.layout, state)
                    marks.extend(grid_marks)
                    competences.extend(grid_competences)
                    blocs.extend(grid_blocs)
                    president, representative = exam.president.account, exam.representative.account
                    saved_at = exam.scheduled_at + datetime.timedelta(hours=1)
                    for action, user, at in (
                        (GridAction.SAVED, president, saved_at),
                        (GridAction.SUBMITTED, president, grid.submitted_at),
                        (GridAction.SIGNED, president, g.signed_at - datetime.timedelta(minutes=5)),
                        (GridAction.SIGNED, representative, g.signed_at),
                    ):
                        events.append(GridEvent(grid=grid, action=action, revision=1, user=user, at=at, state=state))
                    for member, at in ((exam.president, g.signed_at - datetime.timedelta(minutes=5)),
                                       (exam.representative, g.signed_at)):  # fmt: skip
                        signatures.append(
                            Signature(grid=grid, member=member, user=member.account, signed_at=at, digest=g.digest)
                        )
                CriterionMark.objects.bulk_create(marks, batch_size=BATCH)
                CompetenceAssessment.objects.bulk_create(competences, batch_size=BATCH)
                BlocAssessment.objects.bulk_create(blocs, batch_size=BATCH)
                Signature.objects.bulk_create(signatures, batch_size=BATCH)
                GridEvent.objects.bulk_create(events, batch_size=BATCH)
                for g in chunk:
                    g.grid.status, g.grid.signed_at, g.grid.digest = GridStatus.SIGNED, g.signed_at, g.digest
                Grid.objects.bulk_update(grids_, ["status", "signed_at", "digest"], batch_size=1000)

    def attestations(self, graded):
        """The carnet de suivi of the current year's candidates on the training route."""
        rows, seen = [], set()
        for g in graded:
            if g.exam.bloc_id is None:
                continue
            for competence in g.layout.blocs[0].competences:
                key = (g.exam.candidate_id, competence.id)
                if key not in seen:
                    seen.add(key)
                    day = g.exam.scheduled_at.date() - datetime.timedelta(days=30)
                    rows.append(
                        CompetenceAttestation(
                            candidate_id=key[0], competence_id=key[1], tutor_attested_on=day, manager_attested_on=day
                        )
                    )
        for start in range(0, len(rows), BATCH * 5):
            with group():
                CompetenceAttestation.objects.bulk_create(rows[start : start + BATCH * 5], batch_size=BATCH)

    # --- Deliberations -----------------------------------------------------------------------------

    def deliberation(self, cycle, sessions):
        held_on = self.deliberation_day(cycle)
        deliberation = Deliberation.objects.create(
            title=f"Jury paritaire national — {held_on.year}" + (" (en cours)" if cycle == YEARS else ""),
            held_on=held_on,
            president=self.national[0],
        )
        seat_example_jury(deliberation)  # two members of each college, as the rules ask before signing
        deliberation.members.set(self.national)
        deliberation.sessions.set(sessions.values())
        return deliberation

    def sign(self, cycle, sessions, graded):
        """The year's deliberation, as `add_ready_files` and `sign_deliberation` leave it: one file per
        candidate examined, a decision per graded bloc (the computed result, rarely overruled with a
        justification), the outcome by the rules, the blocs acquired, the CQP awarded, then signed."""
        rng = self.rng
        by_candidate = {}
        for g in graded:
            by_candidate.setdefault(g.exam.candidate_id, []).append(g)
        with group():
            deliberation = self.deliberation(cycle, sessions)
            decided_at = timezone.make_aware(datetime.datetime.combine(deliberation.held_on, datetime.time(10)))
            files, decisions, acquired, awards, record = [], [], [], [], []
            for candidate_graded in by_candidate.values():
                story = candidate_graded[0].story
                candidate = story.candidate
                file = CandidateFile(deliberation=deliberation, candidate=candidate)
                file.record_facts(candidate)
                file_decisions = []
                for g in candidate_graded:
                    for bloc in g.layout.blocs:
                        decided = g.decisions.blocs[bloc.id]
                        computed = Ruling.of(decided.is_acquired)
                        decision = BlocDecision(
                            file=file, bloc_id=bloc.id, exam_id=g.grid.exam_id, grid=g.grid, computed=computed,
                            computed_reason=decided.reason, opinion=g.state[bloc.verdict_key],
                            opinion_text=g.state[bloc.opinion_key], decision=computed,
                            recommendations=g.state[bloc.recommendations_key],
                        )  # fmt: skip
                        decision.code = bloc.code
                        if rng.random() < 0.005:
                            decision.decision = Ruling.of(not decided.is_acquired)
                            decision.justification = "Le jury retient l'avis motivé du jury professionnel."
                            decision.decided_by, decision.decided_at = self.national[0], decided_at
                        file_decisions.append(decision)
                validated = {d.code for d in file_decisions if d.decision == Ruling.VALIDATED}
                result = rules.decide_file(
                    self.codes[file.certification_id],
                    story.held,
                    validated,
                    pass_validated=file.pass_validated_on is not None,
                    premss_validated=file.premss_validated_on is not None,
                )
                file.outcome = (
                    FileOutcome.CQP if result.cqp_awarded else FileOutcome.CCP if result.new_ccps else FileOutcome.NONE
                )
                file.outcome_reason = result.reason
                file.disagreement = any(selectors.OPINION_RULING.get(d.opinion) != d.computed for d in file_decisions)
                file.overridden = any(d.is_override for d in file_decisions)
                files.append(file)
                decisions.extend(file_decisions)
                for d in file_decisions:
                    record.append([candidate.pk, d.code, d.computed, d.decision, d.justification])
                    if d.decision == Ruling.VALIDATED and d.code not in story.held:
                        acquired.append(
                            AcquiredBloc(
                                candidate=candidate, bloc_id=d.bloc_id, acquired_on=deliberation.held_on,
                                origin="Délibération du jury paritaire national du "
                                f"{deliberation.held_on:%d/%m/%Y}",
                                deliberation=deliberation,
                            )
                        )  # fmt: skip
                if result.cqp_awarded:
                    awards.append(
                        CqpAward(candidate=candidate, certification_id=file.certification_id,
                                 awarded_on=deliberation.held_on, deliberation=deliberation)
                    )  # fmt: skip
                story.held |= validated
            CandidateFile.objects.bulk_create(files, batch_size=BATCH)
            BlocDecision.objects.bulk_create(decisions, batch_size=BATCH)
            AcquiredBloc.objects.bulk_create(acquired, batch_size=BATCH)
            CqpAward.objects.bulk_create(awards, batch_size=BATCH)
            deliberation.status = DeliberationStatus.SIGNED
            deliberation.signed_at = decided_at + datetime.timedelta(hours=6)
            deliberation.digest = grids.digest(deliberation.pk, {"decisions": sorted(record)})
            deliberation.save(update_fields=["status", "signed_at", "digest"])
            certificates = number_certificates(deliberation)
        self.log(
            f"  délibération {deliberation.held_on:%d/%m/%Y} signée : {len(files)} dossiers, {len(acquired)} blocs "
            f"acquis, {len(awards)} CQP, {certificates} certificats"
        )

    # --- Everything --------------------------------------------------------------------------------

    def run(self):
        self.people()
        self.candidates()
        for cycle in range(YEARS + 1):
            with group():
                sessions = self.sessions(cycle)
            graded = self.exams(cycle, sessions)
            self.write_exams(graded)
            marks = sum(len(c.criteria) for g in graded for b in g.layout.blocs for c in b.competences)
            self.log(
                f"Année {cycle + 1}/{YEARS + 1} ({sessions[(self.gc.pk, 0)].starts_on.year}) : "
                f"{len(graded)} épreuves signées, {marks} notes"
            )
            if cycle < YEARS:
                self.sign(cycle, sessions, graded)
            else:
                self.attestations(graded)
                with group():
                    deliberation = self.deliberation(cycle, sessions)
                ready = len({g.exam.candidate_id for g in graded})
                self.log(f"  délibération {deliberation.held_on:%d/%m/%Y} ouverte : {ready} dossiers prêts")


def build(seed=0, factor=1.0, today=None, log=print):
    """Build the data set on an empty PostgreSQL database; returns the counts of what is there."""
    Builder(seed, factor, today or timezone.localdate(), log).run()
    with group():
        statistics.recount()  # the statistics' tallies, as the signatures would have counted them
    log("Statistiques comptées.")
    with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would gather them in time
        cursor.execute("ANALYZE")
    return counts()
