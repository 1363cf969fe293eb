"""Results as spreadsheets (CSV for any tool, Excel), French headers, formula-safe: a deliberation's
decisions, and a session's exams with their outcome so far; and a deliberation's minutes as a PDF. Each
is made by the task worker (evaluations/outputs.py), in the same queries for 10 or 10,000 rows."""

import tablib
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Exam
from cqp_site.pdf import html_to_pdf
from cqp_site.spreadsheets import safe_row

from . import selectors
from .models import BlocDecision, CandidateFile, DeliberationStatus, GridStatus, Opinion, Ruling

CANDIDATE_HEADERS = ["Nom", "Prénom", "Date de naissance", "Organisme", "CQP", "Voie"]
HEADERS = [
    *CANDIDATE_HEADERS,
    "Bloc",
    "Résultat calculé",
    "Avis du jury professionnel",
    "Décision du jury paritaire national",
    "Justification",
    "Préconisations",
    "Issue du dossier",
]
SESSION_HEADERS = [
    "Session",
    *CANDIDATE_HEADERS,
    "Date de l'épreuve",
    "Bloc",
    "État de la grille",
    "Résultat calculé",
    "Avis du jury professionnel",
    "Décision du jury paritaire national",
    "Délibération",
]


def _candidate_cells(candidate, record=None):
    """Who, and the CQP and route: those of the deliberated file (`record`) when there is one."""
    record = record or candidate
    return [
        candidate.last_name,
        candidate.first_name,
        candidate.birth_date.strftime("%d/%m/%Y"),
        candidate.organisation.name,
        record.certification.code,
        record.get_route_display(),
    ]


def deliberation_results(deliberations) -> tablib.Dataset:
    """One row per bloc decided, for every file of the deliberations (a bloc whose candidate was absent says so
    where the professional jury's opinion would be)."""
    dataset = tablib.Dataset(headers=HEADERS, title="Résultats")
    files = (
        CandidateFile.objects.filter(deliberation__in=deliberations)
        .select_related("certification", "candidate__organisation")
        .prefetch_related("blocs__bloc")
        .order_by("deliberation__held_on", "candidate__last_name", "candidate__first_name", "pk")
    )
    for file in files:
        for decision in sorted(file.blocs.all(), key=lambda d: d.bloc.code):
            dataset.append(
                safe_row(
                    [
                        *_candidate_cells(file.candidate, file),
                        decision.bloc.code,
                        decision.get_computed_display(),
                        _("Aucun : candidat absent à l'épreuve")
                        if decision.is_absence
                        else decision.get_opinion_display(),
                        decision.get_decision_display(),
                        decision.justification,
                        decision.recommendations,
                        file.get_outcome_display(),
                    ]
                )
            )
    return dataset


def session_results(sessions) -> tablib.Dataset:
    """One row per exam and bloc: where its grid stands, its result by the rules once the jury signed,
    the jury's opinion, and the national joint jury's decision once its deliberation is signed. An exam
    closed without a grid says why in « État de la grille » (candidate absent, absence excused, cancelled,
    with the reason); a candidate absent has the national jury's decision, « non validé », on each bloc."""
    dataset = tablib.Dataset(headers=SESSION_HEADERS, title="Résultats")
    exams = list(
        Exam.objects.filter(session__in=sessions)
        .select_related("session", "candidate__certification", "candidate__organisation", "bloc", "grid")
        .order_by("session__starts_on", "session__pk", "candidate__last_name", "candidate__first_name", "scheduled_at")
    )
    signed = [exam.grid for exam in exams if getattr(exam, "grid", None) and exam.grid.status == GridStatus.SIGNED]
    graded = selectors.graded_blocs(signed)
    decided, missed = {}, {}
    for decision in BlocDecision.objects.filter(
        exam__session__in=sessions, file__deliberation__status=DeliberationStatus.SIGNED
    ).select_related("file__deliberation", "bloc"):
        decided[(decision.exam_id, decision.bloc_id)] = decision
        if decision.is_absence:
            missed.setdefault(decision.exam_id, []).append(decision)
    for exam in exams:
        grid = getattr(exam, "grid", None)
        day = timezone.localtime(exam.scheduled_at).strftime("%d/%m/%Y")
        prefix = [exam.session.name, *_candidate_cells(exam.candidate), day]
        status = grid.get_status_display() if grid else _("Pas encore ouverte")
        if exam.is_closed:
            status = _("Pas de grille : %(outcome)s") % {"outcome": exam.get_status_display()}
            if exam.status_reason:
                status = f"{status} ({exam.status_reason})"
        for national in sorted(missed.get(exam.pk, []), key=lambda decision: decision.bloc.code):
            dataset.append(
                safe_row(
                    [
                        *prefix,
                        national.bloc.code,
                        status,
                        national.get_computed_display(),
                        "",
                        national.get_decision_display(),
                        str(national.file.deliberation),
                    ]
                )
            )
        if exam.pk in missed:
            continue
        if grid is None or grid.pk not in graded:
            bloc = exam.bloc.code if exam.bloc else _("Tous les blocs non détenus")
            dataset.append(safe_row([*prefix, bloc, status, "", "", "", ""]))
            continue
        for bloc, decision, opinion, _comment, _recommendations in graded[grid.pk]:
            national = decided.get((exam.pk, bloc.pk))
            dataset.append(
                safe_row(
                    [
                        *prefix,
                        bloc.code,
                        status,
                        Ruling.of(decision.is_acquired).label,
                        Opinion(opinion).label if opinion else "",
                        national.get_decision_display() if national else "",
                        str(national.file.deliberation) if national else "",
                    ]
                )
            )
    return dataset


def minutes_filename(deliberation):
    return f"proces-verbal-{deliberation.held_on:%Y-%m-%d}.pdf"


def minutes_pdf(deliberation) -> bytes:
    """The minutes of the deliberation: its members by college, totals, and every file's decisions (9 queries)."""
    files = (
        deliberation.files.select_related("certification", "candidate__organisation")
        .prefetch_related("blocs__bloc")
        .order_by("candidate__last_name", "candidate__first_name")
    )
    context = {
        "deliberation": deliberation,
        "composition": selectors.composition(deliberation),
        "files": files,
        "totals": selectors.deliberation_totals(deliberation),
    }
    return html_to_pdf(render_to_string("evaluations/national/minutes_pdf.html", context), tagged=True)
