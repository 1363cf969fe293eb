"""Start-up checks: what PDF rendering needs from the machine, and (with `--database`) the dates that
certificates rest on."""

import ctypes.util

from django.core.checks import Tags, Warning, register
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import ngettext_lazy


def harfbuzz_subset_available():
    return ctypes.util.find_library("harfbuzz-subset") is not None


@register()
def check_harfbuzz_subset(app_configs, **kwargs):
    """WeasyPrint embeds fonts about 5 times faster with libharfbuzz-subset (18 ms instead of 94 ms
    for a one-page certificate, measured on this project's machines)."""
    if harfbuzz_subset_available():
        return []
    return [
        Warning(
            "La bibliothèque libharfbuzz-subset est absente : les certificats PDF seront rendus environ "
            "5 fois plus lentement.",
            hint="Installez le paquet Debian libharfbuzz-subset0 (apt-get install libharfbuzz-subset0).",
            id="certificates.W001",
        )
    ]


@register(deploy=True)
def check_long_term_signature(app_configs, **kwargs):
    """Issue 18: a CCP or CQP is kept for a career. Without a time-stamping authority its signature (PAdES
    B-B) can no longer be checked once the signing certificate has expired; with one it is B-LTA. A deployment
    check (`manage.py check --deploy`): the demo and development sign without one, and the certificates'
    admin says so on its list."""
    from . import signing

    if signing.is_long_term():
        return []
    return [
        Warning(
            str(signing.NOT_LONG_TERM),
            hint="Indiquez dans TSA_URL l'adresse d'une autorité d'horodatage RFC 3161 (deploy/cqp.env.example).",
            id="certificates.W009",
        )
    ]


# The dates a certificate rests on (issue 16) ------------------------------------------------------------

SHOWN = 10  # rows named in a warning; the count says how many there are


def _listed(count, rows, describe):
    named = "; ".join(describe(row) for row in rows)
    return named + (f"; … ({count - len(rows)} de plus)" if count > len(rows) else "")


def _day(value):
    return timezone.localtime(value).strftime("%d/%m/%Y")


DATES_HINT = (
    "Rien n'a été modifié : ces enregistrements sont signés. Examinez chaque cas (README, « Dates ») ; "
    "la vérification est refaite par « manage.py check --database default »."
)


def _date_problems(alias):
    """What breaks the dates' order, found by the database: each problem, its rows (a query) and how to name one."""
    from candidates.models import AcquiredBloc, CqpAward
    from evaluations.models import Deliberation

    from .models import Certificate

    deliberations = (
        Deliberation.objects.using(alias)
        .filter(signed_at__isnull=False, signed_at__date__lt=F("held_on"))
        .order_by("held_on", "pk")
    )
    blocs = (
        AcquiredBloc.objects.using(alias)
        .filter(deliberation__isnull=False)
        .exclude(acquired_on=F("deliberation__held_on"))
        .select_related("candidate", "bloc", "deliberation")
        .order_by("pk")
    )
    awards = (
        CqpAward.objects.using(alias)
        .filter(deliberation__isnull=False)
        .exclude(awarded_on=F("deliberation__held_on"))
        .select_related("candidate", "certification", "deliberation")
        .order_by("pk")
    )
    certificates = Certificate.objects.using(alias).select_related("deliberation").order_by("number")
    issued = certificates.exclude(issued_on=F("deliberation__held_on"))
    revoked = certificates.filter(revoked_at__isnull=False, revoked_at__date__lt=F("issued_on"))
    replaced = certificates.filter(replaced_at__isnull=False, replaced_at__date__lt=F("issued_on"))
    return [
        (
            "W002",
            ngettext_lazy(
                "%(count)d délibération signée avant sa date",
                "%(count)d délibérations signées avant leur date",
                "count",
            ),
            deliberations,
            lambda d: f"« {d.title} » datée du {d.held_on:%d/%m/%Y}, signée le {_day(d.signed_at)}",
        ),
        (
            "W003",
            ngettext_lazy(
                "%(count)d bloc acquis à une autre date que celle de sa délibération",
                "%(count)d blocs acquis à une autre date que celle de leur délibération",
                "count",
            ),
            blocs,
            lambda b: (
                f"{b.candidate} {b.bloc.code} acquis le {b.acquired_on:%d/%m/%Y}, "
                f"délibération du {b.deliberation.held_on:%d/%m/%Y}"
            ),
        ),
        (
            "W004",
            ngettext_lazy(
                "%(count)d CQP délivré à une autre date que celle de sa délibération",
                "%(count)d CQP délivrés à une autre date que celle de leur délibération",
                "count",
            ),
            awards,
            lambda a: (
                f"{a.candidate} CQP {a.certification.code} le {a.awarded_on:%d/%m/%Y}, "
                f"délibération du {a.deliberation.held_on:%d/%m/%Y}"
            ),
        ),
        (
            "W005",
            ngettext_lazy(
                "%(count)d certificat délivré à une autre date que celle de sa délibération",
                "%(count)d certificats délivrés à une autre date que celle de leur délibération",
                "count",
            ),
            issued,
            lambda c: (
                f"{c.number} délivré le {c.issued_on:%d/%m/%Y}, délibération du {c.deliberation.held_on:%d/%m/%Y}"
            ),
        ),
        (
            "W006",
            ngettext_lazy(
                "%(count)d certificat révoqué avant sa date de délivrance",
                "%(count)d certificats révoqués avant leur date de délivrance",
                "count",
            ),
            revoked,
            lambda c: f"{c.number} délivré le {c.issued_on:%d/%m/%Y}, révoqué le {_day(c.revoked_at)}",
        ),
        (
            "W007",
            ngettext_lazy(
                "%(count)d certificat remplacé avant sa date de délivrance",
                "%(count)d certificats remplacés avant leur date de délivrance",
                "count",
            ),
            replaced,
            lambda c: f"{c.number} délivré le {c.issued_on:%d/%m/%Y}, remplacé le {_day(c.replaced_at)}",
        ),
    ]


def _replacement_problems(alias):
    """A re-issued certificate is for the same holder, bloc or CQP and deliberation as the one it replaces,
    with the same date of issue; a replaced one has its replacement."""
    from .models import Certificate

    differs = Q()
    for field in ["kind", "candidate", "certification", "deliberation", "issued_on"]:  # never null
        differs |= ~Q(**{field: F(f"replaces__{field}")})
    for field in ["acquired_bloc", "cqp_award"]:  # one of them null, by kind
        mine, theirs = Q(**{f"{field}__isnull": True}), Q(**{f"replaces__{field}__isnull": True})
        differs |= (mine & ~theirs) | (~mine & theirs) | (~mine & ~theirs & ~Q(**{field: F(f"replaces__{field}")}))
    certificates = Certificate.objects.using(alias).order_by("number")
    wrong = certificates.filter(
        Q(replaces__isnull=False) & (Q(replaces__replaced_at__isnull=True) | differs)
        | Q(replaced_at__isnull=False, replaced_by__isnull=True)
    )
    return [
        (
            "W008",
            ngettext_lazy(
                "%(count)d réédition incohérente (le certificat remplacé et son remplaçant ne se correspondent pas)",
                "%(count)d rééditions incohérentes (remplacés et remplaçants ne se correspondent pas)",
                "count",
            ),
            wrong,
            lambda c: c.number,
        )
    ]


@register(Tags.database)
def check_dates(app_configs, databases=None, **kwargs):
    """Issue 16: a deliberation is signed on or after its date; its blocs are acquired and its certificates
    issued on that date; a certificate is revoked or replaced on or after it. The constraints added with the
    guarantees hold for every row written since; rows written before, which may break them, are reported
    here, never changed. Runs with `manage.py check --database default` (and `migrate`), once the
    migrations that bring the guarantees are applied."""
    warnings = []
    for alias in databases or []:
        applied = MigrationRecorder(connections[alias]).applied_migrations()
        if any(migration not in applied for migration in DATES_MIGRATIONS):
            continue
        for code, what, rows, describe in _date_problems(alias) + _replacement_problems(alias):
            count = rows.count()
            if count:
                warnings.append(
                    Warning(
                        f"{what % {'count': count}} : {_listed(count, list(rows[:SHOWN]), describe)}.",
                        hint=DATES_HINT,
                        id=f"certificates.{code}",
                    )
                )
    return warnings


DATES_MIGRATIONS = [
    ("evaluations", "0011_deliberation_signed_on_or_after_its_date"),
    ("certificates", "0006_reissue_and_dates_that_cannot_lie"),
]


# Who signs the certificates (issue 18) ------------------------------------------------------------------

SIGNATORY_MIGRATION = ("certificates", "0007_signatories_and_register_deposits")


@register(Tags.database)
def check_signatory(app_configs, databases=None, **kwargs):
    """Issue 18: a certificate names the signatory in office on its date of issue, recorded in the admin or
    named by the settings (`selectors.signatory_on`); with neither, it prints no signatory line rather than an
    invented one, which this says. Runs with `manage.py check --database default` (and `migrate`)."""
    from .selectors import signatory_on

    warnings = []
    for alias in databases or []:
        if SIGNATORY_MIGRATION not in MigrationRecorder(connections[alias]).applied_migrations():
            continue
        if signatory_on(timezone.localdate(), using=alias) is None:
            warnings.append(
                Warning(
                    "Aucun signataire des certificats n'est en fonction aujourd'hui : les certificats délivrés "
                    "n'auront pas de ligne de signataire.",
                    hint=(
                        "Enregistrez le signataire et ses dates de fonction dans l'administration (« Signataires "
                        "des certificats »), ou indiquez CERTIFICATE_SIGNATORY_NAME et CERTIFICATE_SIGNATORY_TITLE "
                        "(deploy/cqp.env.example)."
                    ),
                    id="certificates.W020",
                )
            )
    return warnings
