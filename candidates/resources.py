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
from import_export.formats import base_formats

from cqp_site.spreadsheets import SafeExportMixin
from referentials.models import Certification

from .formats import FileRefused, SpreadsheetCSV, SpreadsheetXLSX, check_row_count
from .models import Candidate, Organisation, Person, Route, Sex

logger = logging.getLogger(__name__)


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a readable value, with a French message when nothing matches.

    An import reads every value its file names once, in one query (`prefetch`), then each row looks its
    value up there: a file of 5,000 rows costs a query per column, not one per cell."""

    def __init__(self, model, field, message):
        super().__init__(model, field)
        self.message = message
        self.known = None

    @staticmethod
    def key(value):
        return value.strip() if isinstance(value, str) else value

    def prefetch(self, values):
        keys = {self.key(value) for value in values} - {None, ""}
        self.known = {getattr(obj, self.field): obj for obj in self.model.objects.filter(**{f"{self.field}__in": keys})}

    def clean(self, value, row=None, **kwargs):
        value = self.key(value)
        if value in (None, ""):
            return None
        if self.known is not None:
            if value not in self.known:
                raise ValueError(self.message % {"value": value})
            return self.known[value]
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

    @staticmethod
    def key(value):
        return (value or "").strip().upper() if isinstance(value, str) else value

    def prefetch(self, values):
        codes = {self.key(value) for value in values} - {None, ""}
        newest_last = Certification.objects.filter(code__in=codes).order_by("version__date", "pk")
        self.known = {certification.code: certification for certification in newest_last}

    def clean(self, value, row=None, **kwargs):
        code = self.key(value)
        if not code:
            return None
        if self.known is not None:
            certification = self.known.get(code)
        else:
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


BATCH_SIZE = 500
BIRTH_DATE_CONSTRAINT = next(c for c in Candidate._meta.constraints if c.name == "candidate_birth_date_plausible")


def is_birth_date_plausible(birth_date):
    """The constraint `candidate_birth_date_plausible`, read in Python (Django asks the database, a query per
    row). The livret 2 constraint is Candidate.clean's own rule."""
    return birth_date is None or birth_date > datetime.date(1900, 1, 1)


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


def read_candidates(data: bytes, extension: str):
    """A stored import file (`csv` or `xlsx`) as a dataset, measured first (formats.py)."""
    return {"csv": SpreadsheetCSV, "xlsx": SpreadsheetXLSX}[extension]().create_dataset(data)


def import_candidates(dataset, *, dry_run, user=None, **kwargs):
    """The import as the admin runs it (preview: `dry_run`), in one transaction: all the rows or none."""
    return CandidateResource().import_data(dataset, dry_run=dry_run, raise_errors=False, user=user, **kwargs)


def export_candidates(queryset, file_format, fields=None):
    """The candidates as a file (`csv` or `xlsx`), in the queries of a few rows whatever their number."""
    dataset = CandidateResource().export(queryset=queryset, export_fields=fields)
    return (SpreadsheetCSV() if file_format == "csv" else base_formats.XLSX()).export_data(dataset)


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
        # Rows are written BATCH_SIZE at a time (bulk_create, bulk_update), in the import's one transaction.
        use_bulk = True
        batch_size = BATCH_SIZE

    def import_data(self, *args, **kwargs):
        """Number the rows as the spreadsheet does, its first line holding the column names."""
        self._lines_by_identity, self._duplicate_of, self._existing = {}, None, None
        self._import_fields = None
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

    def get_import_fields(self):
        """Read once per import (the library asks for them several times a row)."""
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def before_import(self, dataset, **kwargs):
        """What the rows name, read once for the whole file: organisations, CQP, people by email, and the
        candidates already known under the rows' identities (a query each, whatever the file's length)."""
        headers = dataset.headers or []
        for field in self.get_import_fields():
            if isinstance(field.widget, LookupWidget) and field.column_name in headers:
                field.widget.prefetch(dataset[field.column_name])
        self._identities = [self._identity(row) for row in dataset.dict]
        self._existing = {
            (candidate.last_name, candidate.first_name, candidate.birth_date): candidate
            for candidate in Candidate.objects.filter(
                last_name__in={identity[0] for identity in self._identities if identity}
            ).select_related("organisation", "certification", "manager", "tutor")
        }

    def _identity(self, row):
        """The row's (last name, first name, birth date) as the import writes them; None if unreadable."""
        row = {key: value.strip() if isinstance(value, str) else value for key, value in row.items()}
        try:
            return tuple(self.fields[name].clean(row) for name in self.get_import_id_fields())
        except (ValueError, KeyError):
            return None

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
        self._row_identity = self._identities[line - 2] if self._existing is not None else None
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

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """The preview writes nothing (the library would insert each batch, then roll it back): every row has
        been validated as the model does, and the database's own checks run when the import is confirmed."""
        if dry_run:
            self.create_instances.clear()
        else:
            super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if dry_run:
            self.update_instances.clear()
        else:
            super().bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)

    def after_import(self, dataset, result, **kwargs):
        """Not the library's reset of the table's id sequence (PostgreSQL), made for files that give ids: ours
        never do, the database numbers the candidates."""
        resources.Resource.after_import(self, dataset, result, **kwargs)

    def get_instance(self, instance_loader, row):
        """The candidate known under the row's identity, read with the others before the first row. An
        unreadable identity (a bad birth date): the row is new, and the error is reported with the row's
        other errors, by column."""
        if self._existing is None:
            try:
                return super().get_instance(instance_loader, row)
            except ValueError:
                return None
        return self._existing.get(self._row_identity) if self._row_identity else None

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Report errors under the file's column names, as the administrator reads them.

        The model's full validation, without a query per row: the foreign keys were found among the rows
        read by before_import() (so they exist), the identity is unique among the known candidates
        (get_instance) and in the file (before_import_row), and the check constraints are checked in
        Python (`is_birth_date_plausible`); the database still guards all of them when the batch is written."""
        if self._duplicate_of:
            raise ValidationError(
                {
                    "Nom": _("Même candidat (nom, prénom, date de naissance) qu'à la ligne %(line)s.")
                    % {"line": self._duplicate_of}
                }
            )
        errors = dict(import_validation_errors or {})
        found = {
            field.name
            for field in Candidate._meta.concrete_fields
            if field.is_relation and getattr(instance, field.attname) is not None
        }
        try:
            instance.full_clean(exclude={*errors, *found}, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if "birth_date" not in errors and not is_birth_date_plausible(instance.birth_date):
            errors["birth_date"] = [BIRTH_DATE_CONSTRAINT.violation_error_message]
        if errors:
            columns = {field.attribute: field.column_name for field in self.get_import_fields()}
            raise ValidationError(
                {columns.get(key, key): messages for key, messages in ValidationError(errors).error_dict.items()}
            )

    def filter_export(self, queryset, **kwargs):
        """The people and organisations a row names, read with it: the same queries for 10 or 20,000 rows."""
        return (
            super()
            .filter_export(queryset, **kwargs)
            .select_related("organisation", "certification", "manager", "tutor")
        )
