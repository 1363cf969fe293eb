"""Demo data: organisations, people, accounts, candidates, sessions and exams on both CQPs.

Everything goes through `full_clean()`, so the demo obeys the same rules as the admin. Dates are
placed around today so that one session is over and the next ones are coming. Each rule of the
texts has a case here that the README's walkthrough points to.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from referentials.models import Bloc, Certification, ReferentialVersion

from . import roles
from .models import (
    AcquiredBloc,
    Branch,
    Candidate,
    CertificationSession,
    CompetenceAttestation,
    Exam,
    JuryRole,
    Organisation,
    OrganisationKind,
    Person,
    Route,
)

PASSWORD = "demo-cqp-ucanss"


@dataclass(frozen=True)
class Account:
    username: str
    description: str


ORGANISATIONS = [
    ("Ucanss", OrganisationKind.UCANSS, Branch.INTERBRANCHE),
    ("CPAM de Paris", OrganisationKind.CPAM, Branch.MALADIE),
    ("CPAM du Rhône", OrganisationKind.CPAM, Branch.MALADIE),
    ("CAF de la Gironde", OrganisationKind.CAF, Branch.FAMILLE),
    ("CAF du Nord", OrganisationKind.CAF, Branch.FAMILLE),
    ("Carsat Bretagne", OrganisationKind.CARSAT, Branch.RETRAITE),
    ("Urssaf Île-de-France", OrganisationKind.URSSAF, Branch.RECOUVREMENT),
    ("Urssaf Pays de la Loire", OrganisationKind.URSSAF, Branch.RECOUVREMENT),
]


# What the register of the Caisse des Dépôts needs on a holder. Manon Perrin's is not filled in yet.
CIVIL_IDENTITIES = {
    "Martin": {"sex": "F", "birth_name": "Durand", "birth_place_code": "75115", "birth_city": "Paris 15e"},
    "Lambert": {"sex": "M", "birth_place_code": "33063", "birth_city": "Bordeaux"},
    "Diallo": {"sex": "F", "birth_place_code": "99341", "birth_city": "Dakar", "birth_country": "Sénégal"},
    "Robert": {"sex": "M", "birth_place_code": "33281", "birth_city": "Mérignac"},
    "Fontaine": {"sex": "F", "birth_place_code": "69123", "birth_city": "Lyon"},
}


def _create(model, **fields):
    instance = model(**fields)
    instance.full_clean()
    instance.save()
    return instance


def _email(first_name, last_name):
    return f"{slugify(first_name)}.{slugify(last_name)}@demo.invalid"


def _account(username, first_name, last_name, group=None, *, staff=False, superuser=False):
    user = get_user_model()(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@demo.invalid",
        is_staff=staff or superuser,
        is_superuser=superuser,
    )
    user.set_password(PASSWORD)
    user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def accounts():
    """The demo accounts, for the message printed by `setup_demo` and the README."""
    return [
        Account("admin", "superutilisateur (tout, y compris les comptes)"),
        Account("gestionnaire", "administratrice Ucanss (l'administration, sans les comptes)"),
        Account("president", "présidente de jury professionnel (Ucanss)"),
        Account("jury.maladie", "représentante métier, branche maladie"),
        Account("jury.famille", "représentant métier, branche famille"),
        Account("jpn", "membre du jury paritaire national"),
        Account("lea.martin", "candidate, CQP GC par la formation (son espace candidat)"),
        Account("hugo.lambert", "candidat, CQP GC par la VAE"),
        Account("emma.garnier", "tutrice de Léa Martin et Chloé Fontaine (le carnet de suivi)"),
        Account("marc.petit", "manager de Léa Martin et Chloé Fontaine"),
        Account("nadia.roux", "manager de Marc Petit : voit les candidats de son équipe, indirectement"),
        Account("luc.faure", "manager de Hugo Lambert et Yanis Robert (une autre équipe)"),
    ]


def already_loaded():
    return get_user_model().objects.filter(username="gestionnaire").exists()


@transaction.atomic
def load_demo(today=None):
    """Create the demo world; all or nothing. The referential must be loaded first."""
    today = today or timezone.localdate()
    version = ReferentialVersion.objects.get(label="2020")
    gc = Certification.objects.get(version=version, code="GC")
    cos = Certification.objects.get(version=version, code="COS")
    blocs = {bloc.code: bloc for bloc in Bloc.objects.filter(version=version)}

    def days(n):
        return today + datetime.timedelta(days=n)

    def at(day, hour, minute=0):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    org = {name: _create(Organisation, name=name, kind=kind, branch=branch) for name, kind, branch in ORGANISATIONS}

    _account("admin", "Alice", "Administratrice", superuser=True)
    _account("gestionnaire", "Gaëlle", "Gestionnaire", roles.UCANSS_ADMINISTRATORS, staff=True)
    _account("jpn", "Jean", "Paritaire", roles.NATIONAL_JURY)

    def person(first_name, last_name, organisation, *, manager=None, role="", trained=None, username=None, jury=True):
        """`username`: the person has an account, a professional jury member's when they have a jury role and
        `jury` (a tutor's or manager's otherwise)."""
        group = roles.PROFESSIONAL_JURY if role and jury else None
        user = _account(username, first_name, last_name, group) if username else None
        return _create(
            Person,
            first_name=first_name,
            last_name=last_name,
            email=_email(first_name, last_name),
            organisation=org[organisation],
            manager=manager,
            user=user,
            jury_role=role,
            jury_trained_on=trained,
        )

    # Jury members. Presidents come from Ucanss; representatives from the branches.
    president = person("Claire", "Dumas", "Ucanss", role=JuryRole.PRESIDENT, trained=days(-400), username="president")
    # Not trained yet: the admin refuses her on any jury until her training date is entered.
    person("Hélène", "Mercier", "Ucanss", role=JuryRole.PRESIDENT)
    sophie = person(
        "Sophie", "Bernard", "CPAM du Rhône", role=JuryRole.REPRESENTATIVE, trained=days(-300), username="jury.maladie"
    )
    karim = person(
        "Karim", "Haddad", "CAF du Nord", role=JuryRole.REPRESENTATIVE, trained=days(-300), username="jury.famille"
    )
    # Trained after the June session: he may sit on December juries only.
    person("Julien", "Moreau", "Urssaf Pays de la Loire", role=JuryRole.REPRESENTATIVE, trained=days(-60))
    # Representative of the maladie branch who trained Léa Martin: never on her jury.
    thomas = person("Thomas", "Girard", "CPAM du Rhône", role=JuryRole.REPRESENTATIVE, trained=days(-300))

    # Around the candidates. Nadia Roux manages Marc Petit: the whole line is "lien hiérarchique".
    # Accounts of tutors and managers (issue 17): the carnet de suivi online; Nadia's is no jury account.
    nadia = person(
        "Nadia",
        "Roux",
        "CPAM de Paris",
        role=JuryRole.REPRESENTATIVE,
        trained=days(-300),
        username="nadia.roux",
        jury=False,
    )
    marc = person("Marc", "Petit", "CPAM de Paris", manager=nadia, username="marc.petit")
    emma = person("Emma", "Garnier", "CPAM de Paris", username="emma.garnier")
    luc = person("Luc", "Faure", "CAF de la Gironde", username="luc.faure")
    ines = person("Inès", "Blanc", "CAF de la Gironde")
    paul = person("Paul", "Lemoine", "Urssaf Île-de-France")
    rose = person("Rose", "Chevalier", "Carsat Bretagne")

    def candidate(first_name, last_name, birth_date, organisation, certification, route, username=None, **fields):
        if username:
            fields["user"] = _account(username, first_name, last_name)
        return _create(
            Candidate,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            **CIVIL_IDENTITIES.get(last_name, {}),
            email=_email(first_name, last_name),
            organisation=org[organisation],
            certification=certification,
            route=route,
            **fields,
        )

    lea = candidate(
        "Léa",
        "Martin",
        datetime.date(1992, 4, 17),
        "CPAM de Paris",
        gc,
        Route.TRAINING,
        username="lea.martin",
        job_title="Gestionnaire conseil",
        manager=marc,
        tutor=emma,
        pass_validated_on=days(-240),
        premss_validated_on=days(-230),
    )
    lea.trainers.add(thomas)
    hugo = candidate(
        "Hugo",
        "Lambert",
        datetime.date(1985, 11, 2),
        "CAF de la Gironde",
        gc,
        Route.VAE,
        username="hugo.lambert",
        job_title="Technicien conseil",
        manager=luc,
        tutor=ines,
        pass_validated_on=days(-700),
        premss_validated_on=days(-690),
        livret2_received_on=days(-40),
    )
    # Holds GRU and MDR from an earlier CQP GC course: they count for the COS too, for good.
    amina = candidate(
        "Amina",
        "Diallo",
        datetime.date(1990, 6, 9),
        "Urssaf Île-de-France",
        cos,
        Route.TRAINING,
        job_title="Conseillère offres de services",
        manager=paul,
        pass_validated_on=days(-800),
        premss_validated_on=days(-790),
    )
    for code in ("GRU", "MDR"):
        _create(
            AcquiredBloc,
            candidate=amina,
            bloc=blocs[code],
            acquired_on=days(-500),
            origin="Reprise de l'historique : délibération du jury paritaire national (CQP GC)",
        )
    yanis = candidate(
        "Yanis",
        "Robert",
        datetime.date(1996, 1, 23),
        "CAF de la Gironde",
        cos,
        Route.TRAINING,
        job_title="Conseiller offres de services",
        manager=luc,
        tutor=ines,
        pass_validated_on=days(-200),
        premss_validated_on=days(-190),
    )
    # Prem'ss not validated yet: her blocs may be acquired, the CQP waits for the training.
    chloe = candidate(
        "Chloé",
        "Fontaine",
        datetime.date(1994, 9, 30),
        "CPAM de Paris",
        gc,
        Route.TRAINING,
        job_title="Gestionnaire conseil",
        manager=marc,
        tutor=emma,
        pass_validated_on=days(-150),
    )
    # VAE without the livret 2 yet: her interview cannot be scheduled.
    candidate(
        "Manon",
        "Perrin",
        datetime.date(1982, 3, 14),
        "Carsat Bretagne",
        cos,
        Route.VAE,
        job_title="Conseillère retraite",
        manager=rose,
        pass_validated_on=days(-900),
        premss_validated_on=days(-880),
    )

    # Léa's carnet de suivi: GRU and MDR attested by her tutor and her manager.
    for competence in (c for code in ("GRU", "MDR") for c in blocs[code].competences.all()):
        _create(
            CompetenceAttestation,
            candidate=lea,
            competence=competence,
            tutor_attested_on=days(-190),
            manager_attested_on=days(-185),
        )

    june = _create(
        CertificationSession,
        certification=gc,
        name="CQP GC — session de printemps",
        starts_on=days(-170),
        ends_on=days(-150),
        place="Ucanss, 33 avenue du Maine, Paris",
    )
    december_gc = _create(
        CertificationSession,
        certification=gc,
        name="CQP GC — session d'hiver",
        starts_on=days(7),
        ends_on=days(28),
        remote=True,
    )
    december_cos = _create(
        CertificationSession,
        certification=cos,
        name="CQP COS — session d'hiver",
        starts_on=days(7),
        ends_on=days(28),
        place="CAF de la Gironde, Bordeaux",
    )

    def exam(session, who, bloc, when, representative, **where):
        return _create(
            Exam,
            session=session,
            candidate=who,
            bloc=blocs[bloc] if bloc else None,
            scheduled_at=when,
            president=president,
            representative=representative,
            **where,
        )

    # Past session: Léa's GRU and MDR, Chloé's GRU, with the maladie representative.
    exam(june, lea, "GRU", at(days(-165), 9), sophie, place="CPAM de Paris, accueil de Belleville")
    exam(june, lea, "MDR", at(days(-164), 14), sophie, place="Ucanss, salle 4")
    exam(june, chloe, "GRU", at(days(-165), 11), sophie, place="CPAM de Paris, accueil de Belleville")
    # Coming sessions, remote for GC: Léa's GDU, Hugo's VAE interview on every bloc of the CQP GC.
    exam(december_gc, lea, "GDU", at(days(10), 9, 30), sophie, video_link="https://visio.demo.invalid/gc-martin")
    exam(december_gc, hugo, None, at(days(12), 14), karim, video_link="https://visio.demo.invalid/gc-lambert")
    exam(december_gc, chloe, "MDR", at(days(11), 10), sophie, video_link="https://visio.demo.invalid/gc-fontaine")
    # COS: Yanis is examined on the shared blocs GRU and MDR; POS and TD wait for their criteria.
    exam(december_cos, yanis, "GRU", at(days(14), 9), karim, place="CAF de la Gironde, agence de Mérignac")
    exam(december_cos, yanis, "MDR", at(days(15), 14), karim, place="CAF de la Gironde, salle 2")
