"""The candidate's space and the tutors' and managers' space."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from candidates import convocations, privacy
from candidates.models import ExamStatus
from certificates.models import Certificate
from cqp_site.downloads import attachment

from . import corrections, documents, selectors
from .access import candidate_required
from .forms import CorrectionRequestForm


def _candidate_page(request, candidate, form=None, status=200):
    context = {
        "candidate": candidate,
        "page": selectors.candidate_page(candidate),
        "form": form or CorrectionRequestForm(),
        "documents_section": documents.documents_section(candidate),  # spaces/_documents.html
    }
    return render(request, "spaces/candidate_home.html", context, status=status)


@candidate_required
def candidate_home(request, candidate):
    """The candidate's own page: their blocs for both CQPs, their exams, results, certificates and data."""
    return _candidate_page(request, candidate)


@never_cache
@candidate_required
def candidate_exam_calendar(request, candidate, pk):
    """The calendar invitation of one of the candidate's exams to come, the same as their convocation's."""
    exam = (
        candidate.exams.filter(pk=pk, status=ExamStatus.SCHEDULED)
        .select_related("session__certification", "bloc", "president", "representative")
        .first()
    )
    if exam is None:
        raise Http404(_("Aucune épreuve prévue de votre dossier ne porte ce numéro."))
    ics = convocations.calendar(
        exam, convocations.Convened("candidate", candidate), method="REQUEST", sequence=exam.convocation_sequence
    )
    day = timezone.localdate(exam.scheduled_at)
    name = f"convocation-{exam.bloc.code if exam.bloc_id else 'entretien-vae'}-{day:%Y-%m-%d}.ics"
    return attachment(HttpResponse(ics, content_type="text/calendar; charset=utf-8"), name)


@never_cache
@candidate_required
def candidate_certificate_pdf(request, candidate, pk):
    """The signed PDF of one of the candidate's certificates in force; a revoked one is not handed out again."""
    certificate = (
        Certificate.objects.current()
        .filter(candidate=candidate, pk=pk, revoked_at__isnull=True)
        .exclude(pdf="")
        .first()
    )
    if certificate is None:
        raise Http404(_("Aucun certificat de votre dossier ne porte ce numéro."))
    return FileResponse(
        certificate.latest_pdf().open("rb"),  # its timestamp renewed, if it was
        as_attachment=True,
        filename=f"{certificate.number}.pdf",
        content_type="application/pdf",
    )


@never_cache
@candidate_required
def candidate_data(request, candidate):
    """« Télécharger mes données »: what the administrators export (RGPD, article 15), signed decisions only."""
    data = privacy.export_candidate(candidate, signed_only=True)
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return attachment(response, "mes-donnees.json")


@candidate_required
@require_POST
def candidate_correction(request, candidate):
    """« Demander une rectification »: recorded, and the administrators told by mail."""
    form = CorrectionRequestForm(request.POST)
    if form.is_valid():
        try:
            corrections.request_correction(candidate, form.cleaned_data["text"], acting_user=request.user)
        except corrections.CorrectionError as error:
            form.add_error("text", str(error))
        else:
            messages.success(
                request,
                _(
                    "Votre demande de rectification est enregistrée : les administrateurs de l'Ucanss y répondent "
                    "dans un délai d'un mois."
                ),
            )
            return redirect("spaces:candidate_home")
    return _candidate_page(request, candidate, form=form, status=400)
