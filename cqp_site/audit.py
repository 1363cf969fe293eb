"""The audit trail: every insert, update and delete of the audited models, with who and where.

django-pghistory records them with PostgreSQL triggers, so bulk operations and raw SQL are caught
as well as save(); the event tables are append-only. On SQLite (the demo) no trigger is installed
and nothing is recorded: the README says so."""

import pghistory


def audited(model):
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        append_only=True,
        obj_field=pghistory.ObjForeignKey(related_name="audit_trail", related_query_name="audit_trail"),
        model_name=f"{model.__name__}Audit",  # GridEvent is already the grid's own trail
    )(model)
