"""A check constraint added for the rows written from now on, the rows already stored left as they are.

A guarantee added later (issue 16: a deliberation signed before its date, a certificate revoked before
it was issued) must not fail the migration that brings it because rows written before it break it,
nor change those rows: they are signed records. They are reported by a system check instead
(`certificates.checks.check_dates`, `manage.py check --database default`), for an administrator to
judge. PostgreSQL adds the constraint NOT VALID: it holds for every insert and update, and
`ALTER TABLE … VALIDATE CONSTRAINT` can be run once the rows reported are dealt with. SQLite, which
rebuilds the table to add a constraint, copies the stored rows without checking them.
"""

from django.db import migrations


class AddCheckForNewRows(migrations.AddConstraint):
    """`migrations.AddConstraint` for a CheckConstraint, not checked against the rows already stored."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"{self.constraint.create_sql(model, schema_editor)} NOT VALID")
        elif vendor == "sqlite":
            schema_editor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                schema_editor.add_constraint(model, self.constraint)
            finally:
                schema_editor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            schema_editor.add_constraint(model, self.constraint)

    def describe(self):
        return f"{super().describe()} (for the rows written from now on)"
