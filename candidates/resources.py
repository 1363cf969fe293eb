"""Import and export of candidates (CSV, Excel), with French column names.

Every row goes through the model's full validation, the same as the admin form; the admin shows
the errors of every line before anything is written, and writes nothing unless the whole file is
valid (django-import-export, in one transaction).
"""

import datetime
import logging
import traceback

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, results, widgets

from cqp_site.spreadsheets import SafeExportMixin
from referentials.models import Certification

from .formats import FileRefused, check_row_count
from .models import Candidate, Organisation, Person, Route, Sex

logger = logging.getLogger(__name__)


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a readable value, with a French message when nothing matches."""

    def __init__(self, model, field, message):
        super().__init__(model, field)
        self.message = message

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip() if isinstance(value, str) else value
        if value in (None, ""):
            return None
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(self.message % {"value": value}) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(_("« %(value)s » désigne plusieurs enregistrements.") % {"value": value}) from None


class CertificationWidget(LookupWidget):
    """A CQP by its code (GC, COS), in the newest referential version that has it."""

    def __init__(self):
        super().__init__(Certification, "code", _("CQP « %(value)s » inconnu (GC ou COS)."))

    def clean(self, value, row=None, **kwargs):
        code = (value or "").strip().upper() if isinstance(value, str) else value
        if not code:
            return None
        certification = Certification.objects.filter(code=code).order_by("-version__date", "-pk").first()
        if certification is None:
            raise ValueError(self.message % {"value": value})
        return certification

    def render(self, value, obj=None, **kwargs):
        return value.code if value else ""


class RouteWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        for route in Route:
            if text in {route.value, str(route.label).lower()}:
                return route.value
        raise ValueError(_("Voie d'accès « %(value)s » inconnue (Formation ou VAE).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return str(Route(value).label) if value else ""


class SexWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        for sex in Sex:
            if text.lower() in {sex.value.lower(), str(sex.label).lower()}:
                return sex.value
        if not text:
            return ""
        raise ValueError(_("Sexe « %(value)s » inconnu (F ou M).") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return value or ""


class FrenchDateWidget(widgets.Widget):
    """Dates as 31/12/2024 or 2024-12-31, or real dates from a spreadsheet."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value).strip()
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(_("Date « %(value)s » illisible (attendu : JJ/MM/AAAA).") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


NO_PERSON = _("Aucune personne n'a le courriel « %(value)s » : créez-la d'abord.")
UNEXPECTED_ERROR = _(
    "Erreur inattendue : rien n'est importé. Vérifiez la ligne, ou transmettez le fichier à l'équipe technique."
)


class ReadableError(results.Error):
    """An import error as the administrator reads it: a French message, never a traceback (django-import-export
    shows one on the page, with the server's file paths). An unexpected error is logged for the developers,
    by its kind and where it arose, without its message, which may quote the file's personal data."""

    def __init__(self, error, row=None, number=None):
        if not isinstance(error, FileRefused):
            stack = traceback.format_list(traceback.extract_tb(error.__traceback__))
            logger.error("candidate import: unexpected %s, raised at\n%s", type(error).__name__, "".join(stack))
            error = FileRefused(UNEXPECTED_ERROR)
        super().__init__(error, row, number)

    @property
    def traceback(self):
        return ""


class SpreadsheetResult(results.Result):
    """Errors named by the spreadsheet's line, its first holding the column names (as validation errors are)."""

    def row_errors(self):
        return [(number + 1, errors) for number, errors in super().row_errors()]


class CandidateResource(SafeExportMixin, resources.ModelResource):
    last_name = fields.Field("last_name", "Nom")
    first_name = fields.Field("first_name", "Prénom")
    birth_date = fields.Field("birth_date", "Date de naissance", widget=FrenchDateWidget())
    birth_name = fields.Field("birth_name", "Nom de naissance")
    sex = fields.Field("sex", "Sexe", widget=SexWidget())
    birth_place_code = fields.Field("birth_place_code", "Code INSEE du lieu de naissance")
    birth_city = fields.Field("birth_city", "Commune de naissance")
    birth_country = fields.Field("birth_country", "Pays de naissance")
    email = fields.Field("email", "Courriel")
    organisation = fields.Field(
        "organisation",
        "Organisme",
        widget=LookupWidget(Organisation, "name", _("Organisme « %(value)s » inconnu : créez-le d'abord.")),
    )
    job_title = fields.Field("job_title", "Emploi")
    certification = fields.Field("certification", "CQP", widget=CertificationWidget())
    route = fields.Field("route", "Voie", widget=RouteWidget())
    pass_validated_on = fields.Field("pass_validated_on", "Pass validée le", widget=FrenchDateWidget())
    premss_validated_on = fields.Field("premss_validated_on", "Prem'ss validée le", widget=FrenchDateWidget())
    livret2_received_on = fields.Field("livret2_received_on", "Livret 2 reçu le", widget=FrenchDateWidget())
    manager = fields.Field("manager", "Manager (courriel)", widget=LookupWidget(Person, "email", NO_PERSON))
    tutor = fields.Field("tutor", "Tuteur (courriel)", widget=LookupWidget(Person, "email", NO_PERSON))

    class Meta:
        model = Candidate
        fields = (
            "last_name",
            "first_name",
            "birth_date",
            "birth_name",
            "sex",
            "birth_place_code",
            "birth_city",
            "birth_country",
            "email",
            "organisation",
            "job_title",
            "certification",
            "route",
            "pass_validated_on",
            "premss_validated_on",
            "livret2_received_on",
            "manager",
            "tutor",
        )
        import_id_fields = ("last_name", "first_name", "birth_date")
        clean_model_instances = True
        use_transactions = True
        skip_unchanged = True
        report_skipped = True

    def import_data(self, *args, **kwargs):
        """Number the rows as the spreadsheet does, its first line holding the column names."""
        self._lines_by_identity, self._duplicate_of = {}, None
        result = super().import_data(*args, **kwargs)
        for row in [*result.invalid_rows, *result.error_rows]:
            row.number += 1
        return result

    def get_error_result_class(self):
        return ReadableError

    def get_result_class(self):
        return SpreadsheetResult

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs):
        """A file refused whole (too long, a column of the candidate's identity missing) is refused before its
        first row: django-import-export reports an error of before_import() and goes on with every row."""
        try:
            check_row_count(len(dataset))
            identity = [self.fields[name].column_name for name in self._meta.import_id_fields]
            missing = [column for column in identity if column not in (dataset.headers or [])]
            if missing:
                raise FileRefused(
                    _("Colonne absente du fichier : %(columns)s (la première ligne nomme les colonnes).")
                    % {"columns": ", ".join(missing)}
                )
        except FileRefused as refusal:
            result = self.get_result_class()()
            result.total_rows = len(dataset)
            self.handle_import_error(result, refusal, raise_errors)
            return result
        return super().import_data_inner(
            dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
        )

    def before_import_row(self, row, **kwargs):
        for key, value in list(row.items()):
            if isinstance(value, str):
                row[key] = value.strip()
        # The same candidate twice in one file: the second line is an error, not a silent update.
        identity = (
            str(row.get("Nom") or "").casefold(),
            str(row.get("Prénom") or "").casefold(),
            self._birth_date_or_text(row.get("Date de naissance")),
        )
        line = kwargs.get("row_number", 0) + 1
        self._duplicate_of = self._lines_by_identity.setdefault(identity, line)
        if self._duplicate_of == line:
            self._duplicate_of = None
        if row.get("Courriel") is None:
            row["Courriel"] = ""
        if row.get("Emploi") is None:
            row["Emploi"] = ""

    @staticmethod
    def _birth_date_or_text(value):
        try:
            return FrenchDateWidget().clean(value)
        except ValueError:
            return str(value or "")

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A line that repeats an earlier one is reported (validate_instance), not skipped as « unchanged »:
        the earlier line has just written the same values."""
        if self._duplicate_of:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # An unreadable identity (a bad birth date): the row is new, and the error is reported
            # with the row's other errors, by column.
            return None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Report errors under the file's column names, as the administrator reads them."""
        if self._duplicate_of:
            raise ValidationError(
                {
                    "Nom": _("Même candidat (nom, prénom, date de naissance) qu'à la ligne %(line)s.")
                    % {"line": self._duplicate_of}
                }
            )
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            columns = {field.attribute: field.column_name for field in self.get_import_fields()}
            raise ValidationError(
                {columns.get(key, key): messages for key, messages in error.error_dict.items()}
            ) from None

    def get_export_queryset(self, request=None):
        return Candidate.objects.select_related("organisation", "certification", "manager", "tutor")
