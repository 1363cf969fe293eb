import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
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
from candidates.roles import NATIONAL_JURY, PROFESSIONAL_JURY
from evaluations.benchmark import add_signed_files
from evaluations.demo import seat_example_jury
from evaluations.models import Deliberation
from referentials.models import Certification, ExamKind

PASSWORD = "charge-cqp-ucanss"


class Command(BaseCommand):
    help = (
        "Prépare une base pour le test de charge (load/locustfile.py) : des membres de jury professionnel ayant "
        "chacun une épreuve GRU à noter, des membres du jury national et une délibération de 2 000 dossiers. "
        "Refusé si la base contient déjà des candidats : à n'utiliser que sur une base dédiée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jury", type=int, default=50)
        parser.add_argument("--national", type=int, default=5)
        parser.add_argument("--files", type=int, default=2000)

    @transaction.atomic
    def handle(self, *args, jury, national, files, **options):
        if Candidate.objects.exists():
            raise CommandError("La base contient déjà des candidats : utilisez une base dédiée au test de charge.")
        call_command("load_referentials", keep_existing=True, verbosity=0)
        gc = Certification.objects.get(code="GC", version__label="2020")
        gru = gc.blocs.get(code="GRU")
        home = Organisation.objects.create(name="CPAM de charge", kind=OrganisationKind.CPAM, branch=Branch.MALADIE)
        other = Organisation.objects.create(name="CPAM voisine", kind=OrganisationKind.CPAM, branch=Branch.MALADIE)
        ucanss = Organisation.objects.create(name="Ucanss", kind=OrganisationKind.UCANSS, branch=Branch.INTERBRANCHE)
        today = timezone.localdate()
        session = CertificationSession.objects.create(
            certification=gc, name="Charge", starts_on=today - datetime.timedelta(days=5), ends_on=today, place="Paris"
        )
        User = get_user_model()
        jury_group, national_group = Group.objects.get(name=PROFESSIONAL_JURY), Group.objects.get(name=NATIONAL_JURY)
        trained = today - datetime.timedelta(days=100)
        representative = Person.objects.create(
            first_name="Rémi", last_name="Représentant", organisation=other, jury_role=JuryRole.REPRESENTATIVE,
            jury_trained_on=trained,
        )  # fmt: skip
        for number in range(1, jury + 1):
            user = User.objects.create_user(f"charge.jury.{number}", password=PASSWORD, first_name="Jury")
            user.groups.add(jury_group)
            president = Person.objects.create(
                first_name="Président", last_name=f"Charge {number}", organisation=ucanss,
                jury_role=JuryRole.PRESIDENT, jury_trained_on=trained, user=user,
            )  # fmt: skip
            candidate = Candidate.objects.create(
                last_name=f"Charge{number}", first_name="Candidat", birth_date=datetime.date(1990, 1, 1),
                organisation=home, certification=gc, route=Route.TRAINING,
            )  # fmt: skip
            Exam.objects.create(
                session=session, candidate=candidate, bloc=gru, kind=ExamKind.OBSERVATION,
                scheduled_at=timezone.now() - datetime.timedelta(days=1), place="Salle 1",
                president=president, representative=representative,
            )  # fmt: skip
        members = []
        for number in range(1, national + 1):
            user = User.objects.create_user(f"charge.jpn.{number}", password=PASSWORD, first_name="JPN")
            user.groups.add(national_group)
            members.append(user)
        deliberation = Deliberation.objects.create(title="Délibération de charge", held_on=today, president=user)
        seat_example_jury(deliberation)  # two members of each college: the signature is not refused
        deliberation.sessions.add(session)
        deliberation.members.add(*members)  # only the members reach it
        add_signed_files(deliberation, session, home, president, representative, files, start=jury)
        self.stdout.write(
            f"Prêt : {jury} membres de jury (charge.jury.N), {national} du jury national (charge.jpn.N), "
            f"mot de passe « {PASSWORD} » ; délibération n° {deliberation.pk} de {files} dossiers."
        )
