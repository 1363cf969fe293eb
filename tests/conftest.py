import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone


@pytest.fixture
def admin_client_fr(admin_client):
    """The admin as an administrator sees it (French is the site's language)."""
    return admin_client


@pytest.fixture
def shipped_referential(db):
    """The referential shipped in fixtures/referentials/, loaded as `load_referentials` does."""
    from referentials.models import ReferentialVersion

    call_command("load_referentials", verbosity=0, stdout=open("/dev/null", "w"))
    return ReferentialVersion.objects.get(label="2020")


@pytest.fixture(scope="session")
def signing_certificate(django_db_blocker):
    """A self-signed signing certificate, made once for the suite as `create_signing_certificate` does."""
    from django.conf import settings

    call_command("create_signing_certificate", stdout=open("/dev/null", "w"))
    return settings.CERTIFICATE_P12_PATH


@pytest.fixture
def demo_exams(shipped_referential):
    """The demo world, placed a month back so that every one of its exams has taken place.

    Accounts (password `candidates.demo.PASSWORD`): `president` (Claire Dumas) presides every exam;
    `jury.maladie` (Sophie Bernard) sits on the GC exams of Léa Martin and Chloé Fontaine,
    `jury.famille` (Karim Haddad) on Hugo Lambert's VAE interview and Yanis Robert's COS exams.
    """
    from candidates import demo

    demo.load_demo(today=timezone.localdate() - datetime.timedelta(days=30))


@pytest.fixture
def role_groups(transactional_db):
    """The roles' groups, which a migration creates and the flush after each of these tests removes.

    `serialized_rollback` cannot bring them back here: while Playwright's loop runs, Django hands
    this thread another connection object than the one that holds the serialized database.
    """
    from candidates import roles

    for name in (roles.UCANSS_ADMINISTRATORS, roles.PROFESSIONAL_JURY, roles.NATIONAL_JURY):
        Group.objects.get_or_create(name=name)
    roles.grant_administrator_permissions()
