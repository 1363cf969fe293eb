"""The messages of a deliberation: each candidate's results once it is signed, never before.

`results_drafts` is called by `services.sign_deliberation`, in the signature's transaction: the results
are written to the outbox with the signature, or not at all. It reads the files, their decisions, the
professional jury's recommendations and the blocs held before in a fixed number of queries (5),
whatever the number of files."""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import get_template

from candidates.models import AcquiredBloc
from outbox.models import MessageKind
from outbox.services import Draft

from .models import BlocAssessment, BlocDecision, FileOutcome, Ruling


@dataclass(frozen=True)
class BlocResult:
    """One bloc decided: validated (a CCP) or not, with the recommendations of each jury. The professional
    jury's are copied to the decision when the file is put before the deliberation, and the national jury
    may rewrite them: the same text is said once, two different texts both."""

    code: str
    title: str
    validated: bool
    professional_recommendations: str = ""
    national_recommendations: str = ""
    absent: bool = False  # the candidate missed the exam: not validated, nothing evaluated

    @property
    def same_recommendations(self):
        return self.professional_recommendations == self.national_recommendations


def results_drafts(deliberation) -> list[Draft]:
    """One message per file of the signed deliberation, to its candidate; a copy to the candidate's
    manager when their organisation asked for it (`Organisation.send_results_to_manager`, off by
    default: the results are the candidate's personal data)."""
    files = list(
        deliberation.files.select_related("candidate__organisation", "candidate__manager", "certification")
        .prefetch_related(Prefetch("blocs", queryset=BlocDecision.objects.select_related("bloc").order_by("bloc_id")))
        .order_by("pk")
    )
    professional = {
        (grid_id, bloc_id): recommendations
        for grid_id, bloc_id, recommendations in BlocAssessment.objects.filter(
            grid__decisions__file__deliberation=deliberation
        ).values_list("grid_id", "bloc_id", "recommendations")
    }
    held_before = defaultdict(list)
    for candidate_id, code, acquired_on in (
        AcquiredBloc.objects.held_on(deliberation.held_on)
        .filter(candidate__files__deliberation=deliberation)
        .exclude(deliberation=deliberation)
        .order_by("acquired_on", "bloc_id")
        .values_list("candidate_id", "bloc__code", "acquired_on")
    ):
        held_before[candidate_id].append((code, acquired_on))
    templates = results_templates()
    drafts = []
    for file in files:
        candidate = file.candidate
        context = results_context(
            deliberation,
            candidate,
            file.certification,
            blocs=[
                bloc_result(decision, professional.get((decision.grid_id, decision.bloc_id)))
                for decision in file.blocs.all()
            ],
            cqp_awarded=file.outcome == FileOutcome.CQP,
            outcome_reason=file.outcome_reason,
            held_before=held_before[candidate.pk],
        )
        drafts.append(results_draft(templates, context, candidate.email, MessageKind.RESULTS))
        manager = candidate.manager
        if candidate.organisation.send_results_to_manager and manager is not None and manager.email.strip():
            drafts.append(
                results_draft(templates, {**context, "manager": manager}, manager.email, MessageKind.RESULTS_MANAGER)
            )
    return drafts


def results_templates():
    """The subject's and the text's templates, read once for all the files of a deliberation."""
    return get_template("evaluations/mail/results_subject.txt"), get_template("evaluations/mail/results.txt")


def results_context(deliberation, candidate, certification, *, blocs, cqp_awarded, outcome_reason, held_before):
    """What the templates read about one file: from the database when a deliberation is signed, from demo
    objects for the preview in the admin (`evaluations/previews.py`)."""
    return {
        "deliberation": deliberation,
        "candidate": candidate,
        "certification": certification,
        "cqp_awarded": cqp_awarded,
        # `rules.decide_file`'s reason: "<new CCPs> · CQP (non) délivré : <why>"; the message says <why>.
        "cqp_reason": outcome_reason.partition(" · ")[2].partition(" : ")[2],
        "blocs": blocs,
        "certificates_follow": cqp_awarded or any(bloc.validated for bloc in blocs),
        "held_before": held_before,
        "site_url": settings.SITE_URL,
    }


def results_draft(templates, context, to, kind):
    subject_template, text_template = templates
    deliberation = context["deliberation"]
    return Draft(
        to=to,
        subject="".join(subject_template.render(context).splitlines()),
        text=text_template.render(context),
        kind=kind,
        topic=f"deliberation:{deliberation.pk}",
        candidate_id=context["candidate"].pk,
        deliberation_id=deliberation.pk,
    )


def bloc_result(decision, professional_recommendations) -> BlocResult:
    """A bloc decided, as the candidate is told it (the results mail, their space, their manager's page): a bloc
    not validated comes with the recommendations of the professional jury and of the national jury."""
    if decision.decision == Ruling.VALIDATED:
        return BlocResult(code=decision.bloc.code, title=decision.bloc.title, validated=True)
    return BlocResult(
        code=decision.bloc.code,
        title=decision.bloc.title,
        validated=False,
        absent=decision.is_absence,
        professional_recommendations=(professional_recommendations or "").strip(),
        national_recommendations=decision.recommendations.strip(),
    )
