"""Changes to referentials that go beyond editing one record."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from .loader import create_version, export_referential
from .models import ReferentialVersion


@transaction.atomic
def copy_version(version, *, label=None, date=None):
    """A new, editable version with the content of `version` (which stays as it is).

    A version in use is frozen; changing the referential means copying it, editing the copy, and
    evaluating new candidates against the copy.
    """
    data = export_referential(version)
    if label is None:
        number = 2
        while ReferentialVersion.objects.filter(label=f"{version.label}-{number}").exists():
            number += 1
        label = f"{version.label}-{number}"
    data["version"] = {
        "label": label,
        "date": (date or datetime.date.today()).isoformat(),
        "source": _("Copie de la version %(label)s, à modifier. Source d'origine : %(source)s")
        % {"label": version.label, "source": version.source},
    }
    return create_version(data)
