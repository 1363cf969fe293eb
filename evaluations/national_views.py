"""The national joint jury's screens: deliberations, candidates' files, decisions, sign-off, minutes."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import JSONField, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from candidates.models import Branch, CertificationSession, Exam, Route
from candidates.roles import is_national_jury_member
from cqp_site.downloads import file_download
from cqp_site.security import password_reentry
from outputs.services import request_output
from outputs.views import output_response

from . import rules, selectors, services, statistics
from .forms import BlocDecisionForm, DeliberationFilterForm, SignatureForm, StatisticsFilterForm
from .models import AppealDocument, BlocDecision, CandidateFile, Deliberation
from .views import grid_pdf_response


def national_jury_required(view):
    """Members of the national joint jury only; the deliberation named in the URL is loaded if the
    member sits on it, else 404: another deliberation's address tells them nothing."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, pk=None, **kwargs):
        if not is_national_jury_member(request.user):
            raise PermissionDenied(_("Cet espace est réservé aux membres du jury paritaire national."))
        if pk is None:
            return view(request, *args, **kwargs)
        try:
            deliberation = selectors.member_deliberation(request.user, pk)
        except Deliberation.DoesNotExist:
            raise Http404(_("Aucune délibération à laquelle vous siégez ne porte ce numéro.")) from None
        return view(request, deliberation, *args, **kwargs)

    return wrapper


@national_jury_required
def deliberation_list(request):
    deliberations = selectors.member_deliberations(request.user)
    return render(request, "evaluations/national/deliberation_list.html", {"deliberations": deliberations})


@national_jury_required
def deliberation(request, deliberation):
    filter_form = DeliberationFilterForm(deliberation, request.GET or None)
    page = selectors.deliberation_page(deliberation, filter_form.filters(), request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluations/national/deliberation.html",
        {
            "deliberation": deliberation,
            "page": page,
            "filter_form": filter_form,
            "query": query.urlencode(),
            "signature_form": SignatureForm(),
            "is_president": request.user.pk == deliberation.president_id,
            "composition": selectors.composition(deliberation),
            "signable": rules.may_sign_deliberation(deliberation.held_on, timezone.localdate()),
            "signable_from": services.signable_from_message(deliberation),
        },
    )


@require_POST
@national_jury_required
def add_files(request, deliberation):
    try:
        added = services.add_ready_files(deliberation, request.user)
    except services.DeliberationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s dossier ajouté à la délibération.", "%(count)s dossiers ajoutés à la délibération.", added
            )
            % {"count": added},
        )
    return redirect("evaluations:deliberation", pk=deliberation.pk)


def _in_deliberation_order(*, before):
    """The file just before (or after) a file in its deliberation, in the order of the deliberation
    page (name, first name, id), as a subquery: its id and its candidate's name, read in the file's own query."""
    last, first, pk = OuterRef("candidate__last_name"), OuterRef("candidate__first_name"), OuterRef("pk")
    lookup = "lt" if before else "gt"
    neighbours = CandidateFile.objects.filter(deliberation=OuterRef("deliberation")).filter(
        Q(**{f"candidate__last_name__{lookup}": last})
        | Q(candidate__last_name=last, **{f"candidate__first_name__{lookup}": first})
        | Q(candidate__last_name=last, candidate__first_name=first, **{f"pk__{lookup}": pk})
    )
    order = ("candidate__last_name", "candidate__first_name", "pk")
    neighbours = neighbours.order_by(*(f"-{field}" for field in order) if before else order)
    summary = JSONObject(pk="pk", first_name="candidate__first_name", last_name="candidate__last_name")
    return Subquery(neighbours.values_list(summary)[:1], output_field=JSONField())


@national_jury_required
def candidate_file(request, deliberation, file_pk):
    """One file of the deliberation, its decisions to take, and the way to the files before and after it. A
    decision refused (no choice, no justification for an override) shows the page again with the error and what
    the member chose and typed (400)."""
    file = get_object_or_404(
        CandidateFile.objects.select_related("certification__version", "candidate__organisation").annotate(
            previous_file=_in_deliberation_order(before=True),
            next_file=_in_deliberation_order(before=False),
        ),
        pk=file_pk,
        deliberation=deliberation,
    )
    refused = None
    if request.method == "POST":
        decision_id = request.POST.get("decision", "")
        if not (decision_id.isascii() and decision_id.isdigit()):
            raise Http404(_("Décision introuvable dans ce dossier."))
        decision = get_object_or_404(BlocDecision, pk=decision_id, file=file)
        form = BlocDecisionForm(request.POST, prefix=f"decision-{decision.pk}")
        if form.is_valid():
            try:
                services.decide_bloc(
                    decision,
                    request.user,
                    form.cleaned_data["ruling"],
                    form.cleaned_data["justification"],
                    form.cleaned_data["recommendations"],
                )
            except services.DeliberationError as error:
                messages.error(request, str(error))
                form.add_error(None, str(error))
                refused = form
            else:
                messages.success(
                    request,
                    _("Décision enregistrée pour le bloc %(bloc)s.") % {"bloc": decision.bloc.code},
                )
                return redirect("evaluations:candidate_file", pk=deliberation.pk, file_pk=file.pk)
        else:
            messages.error(request, _("Choisissez une décision pour le bloc."))
            refused = form
    page = selectors.file_page(file)
    forms = [
        (
            decision,
            refused
            if refused is not None and refused.prefix == f"decision-{decision.pk}"
            else BlocDecisionForm(
                prefix=f"decision-{decision.pk}",
                initial={
                    "ruling": decision.decision,
                    "justification": decision.justification,
                    "recommendations": decision.recommendations,
                },
            ),
        )
        for decision in page.decisions
    ]
    linked = {d.on_appeal.contested.file.deliberation_id for d in page.decisions if d.on_appeal_id} | {
        d.appeal.heard_in_id for d in page.decisions if getattr(d, "appeal", None) and d.appeal.heard_in_id
    }
    return render(
        request,
        "evaluations/national/candidate_file.html",
        {
            "deliberation": deliberation,
            "page": page,
            "forms": forms,
            "previous_file": file.previous_file,
            "next_file": file.next_file,
            # The other deliberations an appeal links this file to, that this member sits on (else no link).
            "sits_on": set(
                Deliberation.objects.for_member(request.user).filter(pk__in=linked).values_list("pk", flat=True)
            )
            if linked
            else set(),
        },
        status=400 if refused is not None else 200,
    )


@file_download
@national_jury_required
def appeal_document(request, deliberation, appeal_pk, document_pk):
    """A document of an appeal, to the members of the deliberation that hears it."""
    document = get_object_or_404(AppealDocument.objects.select_related("appeal"), pk=document_pk)
    if (document.appeal_id, document.appeal.heard_in_id) != (appeal_pk, deliberation.pk):
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)


@file_download
@national_jury_required
def file_grid_pdf(request, deliberation, file_pk, exam_pk):
    """A grid the file rests on, as a PDF."""
    file = get_object_or_404(CandidateFile, pk=file_pk, deliberation=deliberation)
    exam = get_object_or_404(
        Exam.objects.for_listing().select_related("session__certification__version"),
        pk=exam_pk,
        grid__decisions__file=file,
    )
    return grid_pdf_response(request, exam)


@require_POST
@national_jury_required
def sign_deliberation(request, deliberation):
    form = SignatureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Saisissez votre mot de passe pour signer."))
    else:
        try:
            with password_reentry(request):
                services.sign_deliberation(deliberation, request.user, form.cleaned_data["password"])
        except services.DeliberationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Délibération signée : ses décisions sont inscrites au dossier de chaque candidat.")
            )
    return redirect("evaluations:deliberation", pk=deliberation.pk)


@file_download
@national_jury_required
def minutes_pdf(request, deliberation):
    """The minutes are laid out by the task worker (a deliberation of 2,000 files takes minutes): the PDF once
    made (a signed deliberation's is made once and served to every member while it is kept), else the
    progress page of the one asked for."""
    output = request_output(
        "minutes",
        user=request.user,
        title=_("Procès-verbal de « %(deliberation)s »") % {"deliberation": deliberation},
        parameters={"deliberation": deliberation.pk},
        back_url=reverse("evaluations:deliberation", kwargs={"pk": deliberation.pk}),
    )
    return output_response(output, inline=True)


@login_required
def statistics_page(request):
    """For administrators and the national joint jury: how the certification goes.

    Unknown filter values (a hand-made address) answer 400 with the unfiltered figures."""
    if not (request.user.is_staff or is_national_jury_member(request.user)):
        raise PermissionDenied(_("Les statistiques sont ouvertes aux administrateurs et au jury paritaire national."))
    form = StatisticsFilterForm(request.GET)
    status = 200
    if not form.is_valid():
        messages.error(request, _("Filtre inconnu : les statistiques sont affichées sans filtre."))
        form, status = StatisticsFilterForm({}), 400
        form.is_valid()
    filters, dimension = form.filters(), form.dimension()
    context = {
        "filters": filters,
        "dimension": dimension,
        "dimensions": [(key, label) for key, (_field, label) in statistics.DIMENSIONS.items()],
        "sessions": CertificationSession.objects.select_related("certification"),
        "branches": Branch.choices,
        "routes": Route.choices,
        "outcomes": statistics.outcomes_by(dimension, filters),
        "exam_outcomes": statistics.exam_outcomes(dimension, filters),
        "over_time": statistics.success_over_time(filters),
        "blocs": statistics.bloc_rates(filters),
        "competences": statistics.competence_rates(filters),
        "criteria": statistics.criterion_rates(filters),
    }
    return render(request, "evaluations/statistics.html", context, status=status)
