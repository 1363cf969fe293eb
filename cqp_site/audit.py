"""The audit trail: every insert, update and delete of the audited models, with who and where.

django-pghistory records them with PostgreSQL triggers, so bulk operations and raw SQL are caught
as well as save(); the event tables are append-only. On SQLite (the demo) no trigger is installed
and nothing is recorded: the README says so."""

import pghistory
from django.apps import apps
from django.utils.translation import gettext_lazy as _

# pghistory's own columns carry English names; an administrator reads them on every audit page.
LABELS = {
    "pgh_id": (_("numéro de l'évènement"), ""),
    "pgh_created_at": (_("enregistré le"), ""),
    "pgh_label": (_("nature de la modification"), _("création, modification ou suppression")),
    "pgh_obj": (_("objet"), ""),
    "pgh_context": (_("contexte"), ""),
    "id": (_("identifiant"), ""),
}


def _event_str(event):
    return f"{event._meta.verbose_name} n° {event.pk}"


def audited(model):
    tracked = pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        append_only=True,
        obj_field=pghistory.ObjForeignKey(related_name="audit_trail", related_query_name="audit_trail"),
        model_name=f"{model.__name__}Audit",  # GridEvent is already the grid's own trail
        attrs={"__str__": _event_str},
    )(model)
    event_model = apps.all_models[model._meta.app_label][f"{model.__name__}Audit".lower()]
    for name, (verbose_name, help_text) in LABELS.items():
        field = event_model._meta.get_field(name)
        field.verbose_name, field.help_text = verbose_name, help_text
    return tracked
