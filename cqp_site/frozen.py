"""What is signed stays as it was signed, through the model layer: save(), delete(), QuerySet.update(),
QuerySet.delete() and bulk_update() all refuse to touch a frozen row.

Each model says which of its rows are frozen with `frozen_rows()`, a Q object. On PostgreSQL,
triggers (django-pgtrigger, declared with each model) refuse the same changes in the database
itself, whatever path a write takes; this layer is what every database, SQLite included, gets.
"""

import pgtrigger
from django.db import models
from django.utils.translation import gettext as _


class FrozenError(Exception):
    """A write to something signed."""


def _refuse(queryset):
    condition = queryset.model.frozen_rows()
    if queryset.filter(condition).exists():
        raise FrozenError(
            _("%(what)s : un enregistrement signé ne peut plus être modifié ni supprimé.")
            % {"what": queryset.model._meta.verbose_name}
        )


class FrozenQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse(self)
        return super().update(**kwargs)

    def delete(self):
        _refuse(self)
        return super().delete()

    def bulk_create(self, objs, *args, update_conflicts=False, unique_fields=None, **kwargs):
        objs = list(objs)
        if update_conflicts and objs:
            # An upsert updates the rows it collides with: those must not be frozen.
            fields = [self.model._meta.get_field(name) for name in unique_fields]
            collisions = models.Q()
            for obj in objs:
                collisions |= models.Q(**{field.attname: getattr(obj, field.attname) for field in fields})
            _refuse(self.model._base_manager.filter(collisions))
        return super().bulk_create(
            objs, *args, update_conflicts=update_conflicts, unique_fields=unique_fields, **kwargs
        )

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse(self.model._base_manager.filter(pk__in=[obj.pk for obj in objs]))
        return super().bulk_update(objs, fields, batch_size=batch_size)


class FrozenModel(models.Model):
    """A model whose frozen rows refuse save() and delete() once stored."""

    objects = FrozenQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            _refuse(type(self)._base_manager.filter(pk=self.pk))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse(type(self)._base_manager.filter(pk=self.pk))
        return super().delete(*args, **kwargs)

    @classmethod
    def frozen_rows(cls):
        raise NotImplementedError


def frozen_with_parent(name, parent_from, parent_key, frozen_condition):
    """A PostgreSQL trigger refusing to insert, change or delete a row whose parent is signed.

    `parent_from` is the SQL FROM clause reaching the parent (aliased `parent`), `parent_key` the
    parent's column matched against the row's foreign key, `frozen_condition` the SQL test of a
    signed parent."""

    def signed(row, foreign_key):
        return f"EXISTS (SELECT 1 FROM {parent_from} WHERE {parent_key} = {row}.{foreign_key} AND {frozen_condition})"

    def body(foreign_key):
        return f"""
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                IF {signed("OLD", foreign_key)} THEN
                    RAISE EXCEPTION 'signé : % refusé sur %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'check_violation';
                END IF;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                IF {signed("NEW", foreign_key)} THEN
                    RAISE EXCEPTION 'signé : % refusé sur %', TG_OP, TG_TABLE_NAME USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END IF;
            RETURN OLD;
        """

    return lambda foreign_key: pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func=body(foreign_key),
    )


def protect_when(name, condition, operation=None):
    """A PostgreSQL trigger refusing updates and deletes of the rows matching `condition` (on OLD; None: all)."""
    return pgtrigger.Protect(
        name=name, operation=operation or (pgtrigger.Update | pgtrigger.Delete), condition=condition
    )


def any_changed(fields):
    """A trigger condition: one of these columns changes (IS DISTINCT FROM)."""
    condition = pgtrigger.Q(**{f"old__{fields[0]}__df": pgtrigger.F(f"new__{fields[0]}")})
    for field in fields[1:]:
        condition |= pgtrigger.Q(**{f"old__{field}__df": pgtrigger.F(f"new__{field}")})
    return condition
