"""The roles of the people who use the application, as Django groups (created by a migration)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

UCANSS_ADMINISTRATORS = "Administrateurs Ucanss"
PROFESSIONAL_JURY = "Membres de jury professionnel"
NATIONAL_JURY = "Membres du jury paritaire national"

# Groups whose members use the application's own screens and never reach the admin.
JURY_GROUPS = (PROFESSIONAL_JURY, NATIONAL_JURY)

# The apps an Ucanss administrator manages in full in the admin.
ADMINISTERED_APPS = ("referentials", "candidates", "evaluations", "certificates", "pghistory", "outbox")

DESCRIPTIONS = {
    UCANSS_ADMINISTRATORS: _("Préparent et suivent les sessions dans l'administration."),
    PROFESSIONAL_JURY: _("Remplissent les grilles d'évaluation de leurs épreuves dans le navigateur."),
    NATIONAL_JURY: _("Délibèrent et signent les délibérations du jury paritaire national."),
}


def is_jury_member(user):
    return user.groups.filter(name__in=JURY_GROUPS).exists()


def grant_administrator_permissions(**kwargs):
    """After every migrate, Ucanss administrators hold every permission of the administered apps,
    including those of models added since the migration that created the group."""
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.filter(name=UCANSS_ADMINISTRATORS).first()
    if group is not None:
        group.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMINISTERED_APPS))


def is_professional_jury_member(user):
    return user.is_authenticated and user.groups.filter(name=PROFESSIONAL_JURY).exists()


def is_national_jury_member(user):
    return user.is_authenticated and user.groups.filter(name=NATIONAL_JURY).exists()


# The people the certification is about (issue 17): roles that follow from the records, not from groups.


def candidate_of(user):
    """The candidate whose account this is, or None."""
    if not user.is_authenticated:
        return None
    from .models import Candidate

    return Candidate.objects.filter(user=user).select_related("organisation", "certification__version").first()


def person_of(user):
    """The person (tutor, manager, jury member...) whose account this is, or None."""
    if not user.is_authenticated:
        return None
    from .models import Person

    return Person.objects.filter(user=user).first()


def followed_candidates(person):
    """The candidates a tutor or manager follows: those they tutor, those they manage, and those managed by the
    people they manage, down the hierarchy recorded (`Person.manager`); one query per level, the levels
    read until none is left (a cycle stops there)."""
    from .models import Candidate, Person

    if person is None:
        return Candidate.objects.none()
    managers, level = {person.pk}, {person.pk}
    while level:
        level = set(Person.objects.filter(manager__in=level).values_list("pk", flat=True)) - managers
        managers |= level
    return Candidate.objects.filter(Q(tutor=person) | Q(manager__in=managers))


def is_companion(user):
    """A tutor or a manager of at least one candidate, with an account."""
    person = person_of(user)
    return person is not None and followed_candidates(person).exists()
