import nested_admin
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cqp_site.admin_a11y import LabelledCellsInline
from cqp_site.downloads import attachment

from .loader import export_referential
from .models import Bloc, Certification, CertificationBloc, Competence, Criterion, ReferentialVersion
from .services import copy_version


def version_of(obj):
    """The version an object belongs to (its `get_version`); None for one not yet attached to any (an add page)."""
    if obj is None or isinstance(obj, ReferentialVersion):
        return obj
    try:
        return obj.get_version()
    except ObjectDoesNotExist:
        return None


class FrozenWhenInUse:
    """A version that an evaluation uses is shown read-only: a change makes a new version. Only its RNCP
    identifiers still empty (a version's registration date, a bloc's RNCP code in a CQP: `FILLED_ONCE`) may be
    filled, once, alone, on the object's own page (`models.changes_only_fill_identifiers` checks the same)."""

    def is_frozen(self, request, obj):
        version = version_of(obj)
        if version is None or version.pk is None:
            return False
        cache = request.__dict__.setdefault("_referential_in_use", {})
        if version.pk not in cache:
            cache[version.pk] = version.is_in_use()
        return cache[version.pk]

    def fillable_identifiers(self, request, obj):
        """The identifiers of a frozen object still empty as stored (not as a posted form left them): none
        for an inline, nor for an object that is not frozen (it is editable as a whole)."""
        filled_once = getattr(obj, "FILLED_ONCE", ())
        if not filled_once or isinstance(self, admin.options.InlineModelAdmin) or not self.is_frozen(request, obj):
            return []
        cache = request.__dict__.setdefault("_referential_fillable", {})
        key = (type(obj), obj.pk)
        if key not in cache:
            stored = type(obj)._base_manager.filter(pk=obj.pk).values(*filled_once).first() or {}
            cache[key] = [name for name in filled_once if stored.get(name) in (None, "")]
        return cache[key]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return not self.is_frozen(request, obj) or bool(self.fillable_identifiers(request, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        fillable = self.fillable_identifiers(request, obj)
        if not fillable:
            return readonly
        shown = flatten_fieldsets(self.get_fieldsets(request, obj))
        return readonly + [name for name in shown if name not in fillable and name not in readonly]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name in self.fillable_identifiers(request, obj):
            if name in form.base_fields:
                form.base_fields[name].required = True  # saving the page fills it: it is there to be filled
        return form

    def frozen_message(self, request, obj):
        """What the page of a frozen object says, naming what may still be filled."""
        fillable = self.fillable_identifiers(request, obj)
        if not fillable:
            return _(
                "Cette version du référentiel est utilisée par des évaluations : elle est en lecture "
                "seule. Créez une nouvelle version pour la modifier."
            )
        names = ", ".join(f"« {obj._meta.get_field(name).verbose_name} »" for name in fillable)
        return _(
            "Cette version du référentiel est utilisée par des évaluations : elle est en lecture seule, sauf "
            "%(fields)s, à saisir une fois d'après la fiche RNCP. Créez une nouvelle version pour modifier le reste."
        ) % {"fields": names}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            self.tell_state(request, obj)  # the object the change view read, not read again
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def tell_state(self, request, obj):
        """What the object's page says of it above its form: read-only, but for what may still be filled."""
        if self.is_frozen(request, obj) and request.method != "POST":
            self.message_user(request, self.frozen_message(request, obj), messages.INFO)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self.is_frozen(request, obj)

    def has_add_permission(self, request, obj=None):
        if isinstance(self, admin.options.InlineModelAdmin):
            return super().has_add_permission(request, obj) and not self.is_frozen(request, obj)
        return super().has_add_permission(request)


class CriterionInline(LabelledCellsInline, FrozenWhenInUse, nested_admin.NestedTabularInline):
    model = Criterion
    extra = 0
    fields = ["order", "text"]
    sortable_field_name = "order"


class CompetenceInline(FrozenWhenInUse, nested_admin.NestedStackedInline):
    model = Competence
    extra = 0
    fields = [("code", "order"), "text", "note"]
    inlines = [CriterionInline]
    sortable_field_name = "order"


class IncompleteFilter(admin.SimpleListFilter):
    title = _("complétude")
    parameter_name = "complet"

    def lookups(self, request, model_admin):
        return [("oui", _("Complet")), ("non", _("Critères manquants"))]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(missing_criteria=0)
        if self.value() == "non":
            return queryset.filter(missing_criteria__gt=0)
        return queryset


@admin.register(Bloc)
class BlocAdmin(FrozenWhenInUse, nested_admin.NestedModelAdmin):
    list_display = [
        "code",
        "title",
        "version",
        "exam_kind",
        "competence_count",
        "criterion_count",
        "completeness",
    ]
    list_filter = ["version", "exam_kind", IncompleteFilter, "certifications__code"]
    search_fields = ["code", "title", "competences__text", "competences__criteria__text"]
    ordering = ["version", "pk"]
    list_select_related = ["version"]
    inlines = [CompetenceInline]
    fieldsets = [
        (None, {"fields": ["version", ("code", "title"), "activity"]}),
        (
            _("Modalités d'évaluation"),
            {
                "fields": [
                    "exam_kind",
                    ("observed_minutes", "interview_minutes"),
                    ("remote_allowed", "min_competences_covered"),
                    "evaluation_description",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                competence_total=Count("competences", distinct=True),
                criterion_total=Count("competences__criteria", distinct=True),
                missing_criteria=Count("competences", filter=Q(competences__criteria__isnull=True), distinct=True),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, _duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("compétences"), ordering="competence_total")
    def competence_count(self, bloc):
        return bloc.competence_total

    @admin.display(description=_("critères"), ordering="criterion_total")
    def criterion_count(self, bloc):
        return bloc.criterion_total

    @admin.display(description=_("évaluable"))
    def completeness(self, bloc):
        if not bloc.missing_criteria:
            return _("Oui")
        return ngettext(
            "Non : %(count)s compétence sans critère",
            "Non : %(count)s compétences sans critère",
            bloc.missing_criteria,
        ) % {"count": bloc.missing_criteria}

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None or "version" in readonly else ["version", *readonly]

    def tell_state(self, request, bloc):
        if self.is_frozen(request, bloc):
            super().tell_state(request, bloc)
        elif not bloc.is_evaluable():
            try:
                bloc.check_evaluable()
            except Exception as error:  # ReferentialIncomplete: shown, not raised
                self.message_user(request, " ".join(error.messages), messages.WARNING)


@admin.register(Competence)
class CompetenceAdmin(FrozenWhenInUse, nested_admin.NestedModelAdmin):
    list_display = ["__str__", "text", "criterion_count"]
    list_filter = ["bloc__version", "bloc__code"]
    search_fields = ["code", "bloc__code", "text"]
    list_select_related = ["bloc"]
    inlines = [CriterionInline]
    fields = ["bloc", ("code", "order"), "text", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(criterion_total=Count("criteria"))

    def get_readonly_fields(self, request, obj=None):
        return ["bloc"] if obj else []

    @admin.display(description=_("critères"), ordering="criterion_total")
    def criterion_count(self, competence):
        return competence.criterion_total


class CertificationBlocInline(LabelledCellsInline, FrozenWhenInUse, admin.TabularInline):
    model = CertificationBloc
    extra = 0
    fields = ["order", "bloc", "rncp_code"]
    autocomplete_fields = ["bloc"]
    show_change_link = True  # a version in use: the code is filled on the bloc's own page in the CQP


@admin.register(CertificationBloc)
class CertificationBlocAdmin(FrozenWhenInUse, admin.ModelAdmin):
    """A bloc in a CQP, on a page of its own: where its RNCP code is filled once a version is in use."""

    list_display = ["certification", "order", "bloc", "rncp_code"]
    list_filter = ["certification__version", "certification__code"]
    search_fields = ["bloc__code", "bloc__title", "rncp_code"]
    list_select_related = ["certification__version", "bloc"]
    fields = ["certification", "bloc", "order", "rncp_code"]
    autocomplete_fields = ["bloc"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else list(dict.fromkeys(["certification", "bloc", *readonly]))


@admin.register(Certification)
class CertificationAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["code", "title", "rncp_number", "level", "version", "bloc_codes"]
    list_filter = ["version", "level"]
    search_fields = ["code", "title", "rncp_number"]
    list_select_related = ["version"]
    inlines = [CertificationBlocInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("certificationbloc_set__bloc")

    @admin.display(description=_("blocs"))
    def bloc_codes(self, certification):
        return ", ".join(link.bloc.code for link in certification.certificationbloc_set.all())


@admin.register(ReferentialVersion)
class ReferentialVersionAdmin(FrozenWhenInUse, admin.ModelAdmin):
    list_display = ["label", "date", "certification_count", "bloc_count", "incomplete_competences"]
    search_fields = ["label", "source"]
    actions = ["copy_as_new_version", "export_as_json"]
    fields = ["label", "date", "source", "registered_on"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_counts()
            .annotate(
                missing_criteria=Count(
                    "blocs__competences",
                    filter=Q(blocs__competences__criteria__isnull=True),
                    distinct=True,
                )
            )
        )

    @admin.display(description=_("certifications"), ordering="certification_count")
    def certification_count(self, version):
        return version.certification_count

    @admin.display(description=_("blocs"), ordering="bloc_count")
    def bloc_count(self, version):
        return version.bloc_count

    @admin.display(description=_("compétences sans critère"), ordering="missing_criteria")
    def incomplete_competences(self, version):
        return version.missing_criteria

    @admin.action(description=_("Créer une nouvelle version modifiable à partir de la version choisie"))
    def copy_as_new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choisissez une seule version à copier."), messages.ERROR)
            return
        copy = copy_version(queryset.get())
        self.message_user(
            request,
            _("Version %(label)s créée : modifiez-la, puis utilisez-la pour les nouvelles évaluations.")
            % {"label": copy.label},
            messages.SUCCESS,
        )

    @admin.action(description=_("Exporter la version choisie (JSON, relu par load_referentials)"))
    def export_as_json(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choisissez une seule version à exporter."), messages.ERROR)
            return None
        version = queryset.get()
        response = JsonResponse(export_referential(version), json_dumps_params={"ensure_ascii": False, "indent": 2})
        return attachment(response, f"referentiel-{version.label}.json")
