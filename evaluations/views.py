"""The professional jury's screens: their exams, the grid, signatures, the PDF of the grid."""

from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates import services as exam_services
from candidates.models import Exam
from candidates.roles import is_professional_jury_member
from cqp_site import navigation
from cqp_site.downloads import file_download
from cqp_site.pdf import pdf_response
from cqp_site.security import password_reentry

from . import grids, selectors, services
from .forms import GridForm, SignatureForm
from .models import GridStatus


def jury_member_required(view):
    """Professional jury members only; the exam, when the URL names one, must be one of theirs (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, pk=None, **kwargs):
        if not is_professional_jury_member(request.user):
            raise PermissionDenied(_("Cet espace est réservé aux membres des jurys professionnels."))
        if pk is None:
            return view(request, *args, **kwargs)
        try:
            exam = selectors.exam_for_grid(request.user, pk)
        except Exam.DoesNotExist:
            raise Http404(_("Aucune épreuve de votre jury ne porte ce numéro.")) from None
        return view(request, exam, *args, **kwargs)

    return wrapper


@login_required
def home(request):
    """Each role to its own place (`navigation.landing_page`): jury members to their exams, administrators to the
    admin, candidates to their space, tutors and managers to the candidates they follow."""
    page = navigation.landing_page(request.user)
    if page is None:
        raise PermissionDenied(_("Aucun espace n'est ouvert à ce compte pour l'instant."))
    return redirect(page)


@jury_member_required
def jury_home(request):
    lists = selectors.jury_home(request.user, signed_page=request.GET.get("signees"))
    return render(request, "evaluations/jury_home.html", {"lists": lists})


@dataclass
class CompetenceRow:
    layout: grids.CompetenceLayout
    decision: object
    attestation: object
    comment: object
    presented: object
    discussed: object
    criteria: list


@dataclass
class BlocRow:
    layout: grids.BlocLayout
    decision: object
    competences: list
    verdict: object
    opinion: object
    recommendations: object

    @property
    def texts(self):
        """The bloc's two free texts, folded alike on the grid."""
        return [self.opinion, self.recommendations]


def _rows(form, page, state):
    """The grid as the template walks it: blocs, competences, criteria, with fields and decisions."""
    decisions = grids.decide(page.layout, state)
    rows = []
    for bloc in page.layout.blocs:
        competences = [
            CompetenceRow(
                layout=competence,
                decision=decisions.competences[competence.id],
                attestation=page.attestations.get(competence.id),
                comment=form[competence.comment_key],
                presented=form[competence.presented_key] if bloc.oral_presentation else None,
                discussed=form[competence.discussed_key] if bloc.oral_presentation else None,
                criteria=[form[criterion.key] for criterion in competence.criteria],
            )
            for competence in bloc.competences
        ]
        rows.append(
            BlocRow(
                bloc,
                decisions.blocs[bloc.id],
                competences,
                form[bloc.verdict_key],
                form[bloc.opinion_key],
                form[bloc.recommendations_key],
            )
        )
    return rows


def _render_grid(request, exam, page, form=None, state=None, conflicts=(), merged_from=None, status=200):
    state = state if state is not None else page.state
    form = form or GridForm(page.layout, state=state, revision=page.revision)
    editable = page.status == GridStatus.DRAFT and not exam.is_closed
    member = exam.jury_member(request.user)
    context = {
        "exam": exam,
        "page": page,
        "form": form,
        "rows": _rows(form, page, state),
        "editable": editable,
        "problems": grids.submission_problems(page.layout, state) if editable else [],
        "conflicts": [(form[key], _display(page.state.get(key))) for key in conflicts],
        "conflict_names": set(conflicts),
        "merged_from": merged_from,
        "signed_by_me": any(signature.member_id == member.pk for signature in page.signatures),
        "signature_form": SignatureForm(),
        "may_record_absence": editable
        and timezone.now() >= exam.scheduled_at
        and exam_services.may_record_absence(exam, request.user),
        # What closed the exam, who recorded it and when: read only for a closed exam.
        "outcome_event": exam.events.select_related("user").last() if exam.is_closed else None,
        "livret2": selectors.livret2_of(exam),
    }
    return render(request, "evaluations/grid.html", context, status=status)


def _display(value):
    """A stored value as the conflict banner shows it."""
    if isinstance(value, str):
        return value or _("(vide)")
    if value is None:
        return _("non noté")
    return _("Validé") if value else _("Non validé")


@jury_member_required
def grid(request, exam):
    if request.method != "POST":
        return _render_grid(request, exam, selectors.grid_page(exam))
    form = GridForm(selectors.grid_layout(exam), request.POST)
    if not form.is_valid():
        messages.error(request, _("La grille n'est pas enregistrée : corrigez les champs signalés."))
        return _render_grid(request, exam, selectors.grid_page(exam), form=form, status=400)
    try:
        result = services.save_grid(exam, request.user, form.state(), form.cleaned_data["revision"])
    except services.GridError as error:
        messages.error(request, str(error))
        return redirect("evaluations:grid", pk=exam.pk)
    except DatabaseError:
        # Nothing was written (one transaction); the member's input is shown back, and kept by the browser.
        messages.error(
            request,
            _("La base de données ne répond pas : rien n'est enregistré. Votre saisie est conservée, réessayez."),
        )
        return _render_grid(request, exam, selectors.grid_page(exam), form=form, state=form.state(), status=503)
    if result.conflicts:
        page = selectors.grid_page(exam)
        return _render_grid(
            request,
            exam,
            page,
            state=result.state,
            conflicts=result.conflicts,
            merged_from=result.merged_from,
            status=409,
        )
    if result.merged_from:
        messages.info(
            request,
            _(
                "%(name)s a enregistré la grille pendant votre saisie : "
                "vos modifications ont été fusionnées avec les siennes."
            )
            % {"name": result.merged_from.user.get_full_name()},
        )
    if result.saved:
        messages.success(request, _("Grille enregistrée."))
    if "submit" in request.POST:
        try:
            services.submit_grid(exam, request.user)
        except services.GridError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Grille soumise : chaque membre du jury la signe maintenant avec son compte."))
    return redirect("evaluations:grid", pk=exam.pk)


@require_POST
@jury_member_required
def preview(request, exam):
    """What the rules make of the marks being entered, without saving: for live outcomes."""
    layout = selectors.grid_layout(exam)
    form = GridForm(layout, request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    state = form.state()
    decisions = grids.decide(layout, state)
    outcomes, shorts = {}, {}
    for kind, items in (("competence", decisions.competences), ("bloc", decisions.blocs)):
        for pk, decision in items.items():
            # The same outcome in a word, for the grid's sticky summary: one of six, rendered once each.
            short = (kind, decision.outcome.value)
            if short not in shorts:
                shorts[short] = render_to_string("evaluations/_outcome.html", {"decision": decision, "short": kind})
            outcomes[f"{kind}-{pk}"] = {
                "html": render_to_string("evaluations/_outcome.html", {"decision": decision}),
                "short": shorts[short],
                "outcome": decision.outcome.value,
            }
    problems = grids.submission_problems(layout, state)
    return JsonResponse({"outcomes": outcomes, "problems": problems})


@require_POST
@jury_member_required
def sign(request, exam):
    form = SignatureForm(request.POST)
    if form.is_valid():
        try:
            with password_reentry(request):
                grid = services.sign_grid(exam, request.user, form.cleaned_data["password"])
        except services.GridError as error:
            messages.error(request, str(error))
        else:
            if grid.status == GridStatus.SIGNED:
                messages.success(request, _("Grille signée par les deux membres du jury : elle est définitive."))
            else:
                messages.success(request, _("Votre signature est enregistrée ; l'autre membre du jury doit signer."))
    else:
        messages.error(request, _("Saisissez votre mot de passe pour signer."))
    return redirect("evaluations:grid", pk=exam.pk)


@require_POST
@jury_member_required
def reopen(request, exam):
    try:
        services.reopen_grid(exam, request.user)
    except services.GridError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, _("Grille rouverte : les signatures déjà données sont retirées."))
    return redirect("evaluations:grid", pk=exam.pk)


@require_POST
@jury_member_required
def record_absence(request, exam):
    """The president of the jury records that the candidate did not come (`candidates.services.record_absence`
    says who may, and when): the bloc goes before the national jury as « absent »."""
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Cochez la case pour confirmer que le candidat ne s'est pas présenté."))
        return redirect("evaluations:grid", pk=exam.pk)
    try:
        exam_services.record_absence(exam, acting_user=request.user)
    except exam_services.ExamOutcomeError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Absence du candidat enregistrée : aucune grille n'est saisie, le bloc est présenté au jury "
                "paritaire national comme non validé, «\u00a0absent à l'épreuve\u00a0»."
            ),
        )
    return redirect("evaluations:grid", pk=exam.pk)


@file_download
@jury_member_required
def grid_pdf(request, exam):
    return grid_pdf_response(request, exam)


def grid_pdf_response(request, exam):
    """The grid of an exam as a PDF, for the candidate's file."""
    page = selectors.grid_page(exam)
    form = GridForm(page.layout, state=page.state, revision=page.revision)
    return pdf_response(
        "evaluations/grid_pdf.html",
        {"exam": exam, "page": page, "rows": _rows(form, page, page.state)},
        f"grille-{exam.pk}-{slugify(exam.candidate.last_name)}.pdf",
        request=request,
    )
