import pytest
from django.core.management import call_command


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
