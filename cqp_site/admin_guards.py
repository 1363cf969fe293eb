"""Django's admin, refusing hostile parameters instead of failing on them with a server error.

Holes of Django's change lists, in every ModelAdmin (third-party apps' included):

- a NUL byte in a filter reaches PostgreSQL, which refuses it; it is now refused before, as the admin
  refuses any bad filter (`?e=1`), and a search of the autocomplete answers 400;
- the date hierarchy computes its bounds outside its own guard: a 20-digit year overflows, the year
  after 9999 does not exist; such a date is refused the same way;
- a list filter of a third-party app that fails on a value it does not expect (pghistory's
  `event_model`) is refused the same way too;
- an action filters the selected ids as they are posted (`pk__in`): an id that is no id (`²`, a NUL
  byte, a number beyond 64 bits) now gets 400 before any query.

`GuardedAdminMixin` carries these guards. The project's admins may inherit it; `guard_site()` gives it
to every ModelAdmin registered on the site, once the admin modules are loaded
(`CertificationAdminConfig.ready()`).
"""

import functools

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext as _


class ParameterGuard:
    """For a ChangeList: a parameter its filters cannot use is a bad parameter, not a server error."""

    def get_filters(self, request):
        if any("\x00" in value for _name, values in request.GET.lists() for value in values):
            raise IncorrectLookupParameters(_("Un filtre contient un caractère nul."))
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:  # the date hierarchy's bounds
            raise IncorrectLookupParameters(error) from error

    def get_queryset(self, request, *args, **kwargs):
        try:
            return super().get_queryset(request, *args, **kwargs)
        except (OverflowError, ValueError, ValidationError) as error:  # a list filter's own parsing
            raise IncorrectLookupParameters(error) from error


@functools.cache
def guarded_changelist(changelist_class):
    if issubclass(changelist_class, ParameterGuard):
        return changelist_class
    return type(f"Guarded{changelist_class.__name__}", (ParameterGuard, changelist_class), {})


def is_object_id(model, value):
    """Whether `value` can be an id of `model`: of its primary key's type and range, without NUL."""
    field = model._meta.pk
    if "\x00" in value:
        return False
    try:
        field.run_validators(field.to_python(value))
    except (ValidationError, OverflowError):
        return False
    return True


class GuardedAdminMixin:
    def get_changelist(self, request, **kwargs):
        changelist_class = super().get_changelist(request, **kwargs)
        if not issubclass(changelist_class, ChangeList):
            return changelist_class
        return guarded_changelist(changelist_class)

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:
            raise BadRequest(_("La recherche contient un caractère nul."))
        return super().get_search_results(request, queryset, search_term)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(is_object_id(self.model, value) for value in selected):
            raise BadRequest(_("La sélection ne désigne aucun enregistrement."))
        return super().response_action(request, queryset)


@functools.cache
def guarded(admin_class):
    """The ModelAdmin class with the guards (itself if it has them already)."""
    if issubclass(admin_class, GuardedAdminMixin):
        return admin_class
    return type(admin_class.__name__, (GuardedAdminMixin, admin_class), {"__module__": admin_class.__module__})


def is_guarded(site=None):
    site = site or admin.site
    return all(isinstance(model_admin, GuardedAdminMixin) for model_admin in site._registry.values())


def guard_site(site=None):
    """Registers every model of the site again with its ModelAdmin guarded: before the URLs are read."""
    site = site or admin.site
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, GuardedAdminMixin):
            site.unregister(model)
            site.register(model, guarded(type(model_admin)))
