"""Names for the admin's inputs that Django leaves without one (RGAA 11.1, WCAG 1.3.1 and 4.1.2).

A tabular inline shows its labels as column headers, which no screen reader ties to the inputs below them;
a split date and time shows « Date : » and « Heure : » as plain text. Each such input is given its name.
"""

from django.contrib.admin.widgets import AdminSplitDateTime, RelatedFieldWidgetWrapper
from django.utils.translation import gettext as _


class LabelledCellsInline:
    """For a TabularInline: each cell's input is named after its column and its row (« Compétence, ligne 2 »),
    the deletion box too."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (LabelledCellsFormSet, formset), {})


class LabelledCellsFormSet:
    def add_fields(self, form, index):
        super().add_fields(form, index)
        row = _("nouvelle ligne") if index is None else _("ligne %(number)d") % {"number": index + 1}
        for field in form.fields.values():
            widget = field.widget
            if isinstance(widget, RelatedFieldWidgetWrapper):  # its `attrs` are not those of its copy's widget
                widget = widget.widget
            if not widget.is_hidden:
                widget.attrs.setdefault("aria-label", f"{field.label}, {row}")


class LabelledSplitDateTimeAdmin:
    """For a ModelAdmin or an inline: the two inputs of a split date and time named « <label> : date » and
    « <label> : heure »."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, AdminSplitDateTime):
            date, time = widget.widgets
            date.attrs["aria-label"] = _("%(label)s : date") % {"label": formfield.label}
            time.attrs["aria-label"] = _("%(label)s : heure") % {"label": formfield.label}
        return formfield
