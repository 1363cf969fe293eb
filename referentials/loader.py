"""Reading, checking, loading and exporting referential files (format "cqp-referential/1").

The format is documented in fixtures/referentials/README.md. A file is checked whole before
anything is written; an error names the file, the record and what is wrong, in French.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from .models import Bloc, Certification, CertificationBloc, Competence, Criterion, ExamKind, ReferentialVersion

FORMAT = "cqp-referential/1"
TRAINING_EXAM_KINDS = (ExamKind.OBSERVATION, ExamKind.ORAL_PRESENTATION)
MAX_FILE_BYTES = 5 * 1024 * 1024


class ReferentialFileError(Exception):
    def __init__(self, source, record, message):
        self.source, self.record, self.message = source, record, message
        super().__init__(f"{source} — {record} : {message}" if record else f"{source} : {message}")


class _Checker:
    """Typed access to one record of the file, raising errors that say where."""

    def __init__(self, source, record, value):
        self.source, self.record = source, record
        if not isinstance(value, dict):
            self.fail(_("un objet JSON est attendu"))
        self.value = value

    def fail(self, message):
        raise ReferentialFileError(self.source, self.record, message)

    def get(self, key, kind, *, optional=False, default=None):
        if key not in self.value or self.value[key] is None:
            if optional:
                return default
            self.fail(_("le champ « %(key)s » manque") % {"key": key})
        value = self.value[key]
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(_("le champ « %(key)s » doit être un nombre entier") % {"key": key})
        if kind is bool and not isinstance(value, bool):
            self.fail(_("le champ « %(key)s » doit valoir true ou false") % {"key": key})
        if kind is str and not isinstance(value, str):
            self.fail(_("le champ « %(key)s » doit être un texte") % {"key": key})
        if kind is list and not isinstance(value, list):
            self.fail(_("le champ « %(key)s » doit être une liste") % {"key": key})
        if kind is dict and not isinstance(value, dict):
            self.fail(_("le champ « %(key)s » doit être un objet") % {"key": key})
        return value

    def text(self, key, *, max_length=None, optional=False):
        value = self.get(key, str, optional=optional, default="").strip()
        if not value and not optional:
            self.fail(_("le champ « %(key)s » est vide") % {"key": key})
        if max_length and len(value) > max_length:
            self.fail(_("le champ « %(key)s » dépasse %(max)s caractères") % {"key": key, "max": max_length})
        return value

    def positive(self, key, *, optional=False):
        value = self.get(key, int, optional=optional)
        if value is not None and value < 1:
            self.fail(_("le champ « %(key)s » doit être positif") % {"key": key})
        return value


def read_referential_file(path):
    """Read and check one file; return its data, normalised, or raise ReferentialFileError."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReferentialFileError(path.name, "", _("le fichier dépasse 5 Mo"))
        raw = path.read_bytes()
    except OSError as error:
        raise ReferentialFileError(
            path.name, "", _("lecture impossible (%(error)s)") % {"error": error.strerror}
        ) from error
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ReferentialFileError(path.name, "", _("le fichier n'est pas encodé en UTF-8")) from None
    except json.JSONDecodeError as error:
        raise ReferentialFileError(
            path.name,
            "",
            _("JSON invalide ligne %(line)s, colonne %(col)s") % {"line": error.lineno, "col": error.colno},
        ) from None
    return check_referential(data, source=path.name)


def check_referential(data, *, source):
    """Check a referential given as parsed JSON and return it in normal form."""
    root = _Checker(source, "", data)
    if root.get("format", str) != FORMAT:
        root.fail(
            _("format inconnu : « %(format)s » (attendu : %(expected)s)")
            % {"format": data.get("format"), "expected": FORMAT}
        )

    version = _Checker(source, "version", root.get("version", dict))
    date_text = version.text("date")
    try:
        datetime.date.fromisoformat(date_text)
    except ValueError:
        version.fail(_("la date « %(date)s » n'est pas au format AAAA-MM-JJ") % {"date": date_text})
    normal = {
        "format": FORMAT,
        "version": {
            "label": version.text("label", max_length=100),
            "date": date_text,
            "source": version.text("source"),
        },
        "blocs": [],
        "certifications": [],
    }

    bloc_list = root.get("blocs", list)
    if not bloc_list:
        root.fail(_("le référentiel n'a aucun bloc"))
    for index, raw_bloc in enumerate(bloc_list, start=1):
        normal["blocs"].append(_check_bloc(source, index, raw_bloc, normal["blocs"]))

    bloc_codes = [bloc["code"] for bloc in normal["blocs"]]
    certification_list = root.get("certifications", list)
    if not certification_list:
        root.fail(_("le référentiel n'a aucune certification"))
    for index, raw in enumerate(certification_list, start=1):
        record = _Checker(source, _("certification n°%(index)s") % {"index": index}, raw)
        code = record.text("code", max_length=10)
        record.record = _("certification %(code)s") % {"code": code}
        if any(other["code"] == code for other in normal["certifications"]):
            record.fail(_("le code %(code)s est déjà utilisé par une autre certification") % {"code": code})
        rncp = record.text("rncp", max_length=10)
        if not rncp.isdigit():
            record.fail(_("le numéro RNCP « %(rncp)s » doit être composé de chiffres") % {"rncp": rncp})
        level = record.positive("level")
        if level > 8:
            record.fail(_("le niveau %(level)s n'existe pas (1 à 8)") % {"level": level})
        blocs = record.get("blocs", list)
        if not blocs:
            record.fail(_("la certification n'a aucun bloc"))
        for bloc_code in blocs:
            if bloc_code not in bloc_codes:
                record.fail(_("le bloc « %(code)s » n'est pas défini dans le fichier") % {"code": bloc_code})
        if len(set(blocs)) != len(blocs):
            record.fail(_("un bloc y figure deux fois"))
        normal["certifications"].append(
            {
                "code": code,
                "title": record.text("title", max_length=200),
                "rncp": rncp,
                "level": level,
                "vae_interview_minutes": record.positive("vae_interview_minutes"),
                "blocs": list(blocs),
            }
        )
    return normal


def _check_bloc(source, index, raw, previous):
    record = _Checker(source, _("bloc n°%(index)s") % {"index": index}, raw)
    code = record.text("code", max_length=10)
    record.record = _("bloc %(code)s") % {"code": code}
    if any(other["code"] == code for other in previous):
        record.fail(_("le code %(code)s est déjà utilisé par un autre bloc") % {"code": code})
    evaluation = _Checker(
        source, _("bloc %(code)s, modalités d'évaluation") % {"code": code}, record.get("evaluation", dict)
    )
    exam_kind = evaluation.text("exam_kind")
    if exam_kind not in TRAINING_EXAM_KINDS:
        evaluation.fail(
            _("type d'épreuve « %(kind)s » inconnu (attendu : %(expected)s)")
            % {"kind": exam_kind, "expected": ", ".join(TRAINING_EXAM_KINDS)}
        )
    competences = []
    competence_list = record.get("competences", list)
    if not competence_list:
        record.fail(_("le bloc n'a aucune compétence"))
    for position, raw_competence in enumerate(competence_list, start=1):
        item = _Checker(
            source, _("bloc %(bloc)s, compétence n°%(index)s") % {"bloc": code, "index": position}, raw_competence
        )
        competence_code = item.text("code", max_length=10)
        item.record = _("bloc %(bloc)s, compétence %(code)s") % {"bloc": code, "code": competence_code}
        if any(other["code"] == competence_code for other in competences):
            item.fail(_("le code %(code)s est déjà utilisé dans ce bloc") % {"code": competence_code})
        criteria = item.get("criteria", list)
        for number, criterion in enumerate(criteria, start=1):
            if not isinstance(criterion, str) or not criterion.strip():
                item.fail(_("le critère n°%(number)s doit être un texte non vide") % {"number": number})
        competences.append(
            {
                "code": competence_code,
                "text": item.text("text"),
                "criteria": [criterion.strip() for criterion in criteria],
                "note": item.text("note", optional=True),
            }
        )
    minimum = evaluation.positive("min_competences_covered", optional=True)
    if minimum is not None and minimum > len(competences):
        evaluation.fail(
            _("%(minimum)s compétences à aborder, mais le bloc n'en a que %(count)s")
            % {"minimum": minimum, "count": len(competences)}
        )
    return {
        "code": code,
        "title": record.text("title", max_length=200),
        "activity": record.text("activity"),
        "evaluation": {
            "exam_kind": exam_kind,
            "observed_minutes": evaluation.positive("observed_minutes"),
            "interview_minutes": evaluation.positive("interview_minutes"),
            "remote_allowed": evaluation.get("remote_allowed", bool),
            "min_competences_covered": minimum,
            "description": evaluation.text("description", optional=True),
        },
        "competences": competences,
    }


def export_referential(version):
    """The version in the file format, so that load_referentials reads it back unchanged."""
    blocs = version.blocs.order_by("pk").prefetch_related("competences__criteria")
    certifications = version.certifications.order_by("pk").prefetch_related(
        Prefetch("certificationbloc_set", queryset=CertificationBloc.objects.select_related("bloc"))
    )
    return {
        "format": FORMAT,
        "version": {"label": version.label, "date": version.date.isoformat(), "source": version.source},
        "blocs": [
            {
                "code": bloc.code,
                "title": bloc.title,
                "activity": bloc.activity,
                "evaluation": {
                    "exam_kind": bloc.exam_kind,
                    "observed_minutes": bloc.observed_minutes,
                    "interview_minutes": bloc.interview_minutes,
                    "remote_allowed": bloc.remote_allowed,
                    "min_competences_covered": bloc.min_competences_covered,
                    "description": bloc.evaluation_description,
                },
                "competences": [
                    {
                        "code": competence.code,
                        "text": competence.text,
                        "criteria": [criterion.text for criterion in competence.criteria.all()],
                        "note": competence.note,
                    }
                    for competence in bloc.competences.all()
                ],
            }
            for bloc in blocs
        ],
        "certifications": [
            {
                "code": certification.code,
                "title": certification.title,
                "rncp": certification.rncp_number,
                "level": certification.level,
                "vae_interview_minutes": certification.vae_interview_minutes,
                "blocs": [link.bloc.code for link in certification.certificationbloc_set.all()],
            }
            for certification in certifications
        ],
    }


@dataclass(frozen=True)
class LoadResult:
    label: str
    status: str  # "created", "unchanged", "replaced", "kept"

    def __str__(self):
        return {
            "created": _("version %(label)s créée"),
            "unchanged": _("version %(label)s déjà à jour, rien n'a changé"),
            "replaced": _("version %(label)s remplacée par le contenu du fichier"),
            "kept": _("version %(label)s déjà présente et différente du fichier : laissée telle quelle"),
        }[self.status] % {"label": self.label}


@transaction.atomic
def load_referentials(referentials, *, source_names, on_difference="error"):
    """Write checked referentials in one transaction; all of them or none.

    A version already in the database with the same content is left alone. One that differs is,
    by `on_difference`: "error" refused, "keep" left as it is (the demo set-up does so, to keep an
    administrator's additions), or "replace" rewritten, but never if an evaluation uses it.
    """
    results = []
    for data, source in zip(referentials, source_names, strict=True):
        label = data["version"]["label"]
        existing = ReferentialVersion.objects.filter(label=label).first()
        if existing is None:
            create_version(data)
            results.append(LoadResult(label, "created"))
            continue
        if export_referential(existing) == data:
            results.append(LoadResult(label, "unchanged"))
            continue
        if on_difference == "keep":
            results.append(LoadResult(label, "kept"))
            continue
        if on_difference != "replace":
            raise ReferentialFileError(
                source,
                _("version %(label)s") % {"label": label},
                _("cette version existe déjà avec un autre contenu ; donnez un nouveau libellé, ou --replace"),
            )
        if existing.is_in_use():
            raise ReferentialFileError(
                source,
                _("version %(label)s") % {"label": label},
                _("version utilisée par des évaluations, elle ne peut être remplacée ; donnez un nouveau libellé"),
            )
        existing.delete()
        create_version(data)
        results.append(LoadResult(label, "replaced"))
    return results


def create_version(data):
    version = ReferentialVersion.objects.create(
        label=data["version"]["label"],
        date=datetime.date.fromisoformat(data["version"]["date"]),
        source=data["version"]["source"],
    )
    blocs = {}
    criteria = []
    for bloc_data in data["blocs"]:
        evaluation = bloc_data["evaluation"]
        bloc = Bloc.objects.create(
            version=version,
            code=bloc_data["code"],
            title=bloc_data["title"],
            activity=bloc_data["activity"],
            exam_kind=evaluation["exam_kind"],
            observed_minutes=evaluation["observed_minutes"],
            interview_minutes=evaluation["interview_minutes"],
            remote_allowed=evaluation["remote_allowed"],
            min_competences_covered=evaluation["min_competences_covered"],
            evaluation_description=evaluation["description"],
        )
        blocs[bloc.code] = bloc
        competences = Competence.objects.bulk_create(
            Competence(bloc=bloc, code=item["code"], text=item["text"], order=order, note=item["note"])
            for order, item in enumerate(bloc_data["competences"], start=1)
        )
        for competence, item in zip(competences, bloc_data["competences"], strict=True):
            criteria.extend(
                Criterion(competence=competence, text=text, order=order)
                for order, text in enumerate(item["criteria"], start=1)
            )
    Criterion.objects.bulk_create(criteria)
    for certification_data in data["certifications"]:
        certification = Certification.objects.create(
            version=version,
            code=certification_data["code"],
            title=certification_data["title"],
            rncp_number=certification_data["rncp"],
            level=certification_data["level"],
            vae_interview_minutes=certification_data["vae_interview_minutes"],
        )
        CertificationBloc.objects.bulk_create(
            CertificationBloc(certification=certification, bloc=blocs[code], order=order)
            for order, code in enumerate(certification_data["blocs"], start=1)
        )
    return version
