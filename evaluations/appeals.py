"""Appeals (recours): an administrator records a candidate's appeal against a signed decision on a bloc,
within the time limit, with the documents received. The national joint jury rules on it in a later
deliberation (`services.add_ready_files`, `decide_bloc`, `sign_deliberation`): nothing signed is edited, the
decision on appeal supersedes the contested one."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Exam
from cqp_site import logs, uploads

from . import rules
from .models import Appeal, AppealDocument, BlocDecision, Ruling

logger = logging.getLogger("evaluations")

# What an appeal's documents may be: a letter, a scan, a photograph (checked by cqp_site.uploads).
DOCUMENT_FORMATS = uploads.DOCUMENT_FORMATS
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 10


class AppealError(Exception):
    """A refused appeal, with the messages to show."""

    def __init__(self, *messages):
        super().__init__(" ".join(str(message) for message in messages))
        self.messages = [str(message) for message in messages]


def document_problems(documents) -> list[str]:
    """What keeps these uploaded files from being stored with an appeal, one sentence each."""
    problems = []
    if len(documents) > MAX_DOCUMENTS:
        problems.append(_("%(max)s pièces au plus par recours.") % {"max": MAX_DOCUMENTS})
    for document in documents:
        problems += uploads.upload_problems(document, formats=DOCUMENT_FORMATS, max_bytes=MAX_DOCUMENT_BYTES)
    return problems


def notified_on(decision):
    """The day a signed decision was notified: its deliberation's signature, when the results are mailed."""
    return timezone.localdate(decision.file.deliberation.signed_at)


def _later_decision_exists(contested):
    return (
        BlocDecision.objects.filter(
            file__candidate=contested.file.candidate_id,
            bloc__code=contested.bloc.code,
            file__deliberation__held_on__gt=contested.file.deliberation.held_on,
        )
        .exclude(pk=contested.pk)
        .exists()
    )


def contest_problems(contested) -> list[str]:
    """What keeps this decision from being appealed, whatever the appeal says."""
    deliberation = contested.file.deliberation
    if not deliberation.is_signed:
        return [
            _(
                "La délibération du %(date)s n'est pas signée : la décision se discute encore devant elle, pas "
                "en recours."
            )
            % {"date": rules.long_date(deliberation.held_on)}
        ]
    appeal = Appeal.objects.filter(contested=contested).first()
    if appeal:
        return [
            _("Un recours contre cette décision a déjà été reçu le %(date)s.")
            % {"date": rules.long_date(appeal.received_on)}
        ]
    if contested.on_appeal_id:
        return [_("Cette décision a été rendue sur recours : le jury paritaire national ne la réexamine pas.")]
    if _later_decision_exists(contested):
        return [
            _("Une décision plus récente porte sur le bloc %(bloc)s : c'est elle qui peut faire l'objet d'un recours.")
            % {"bloc": contested.bloc.code}
        ]
    awaiting = Exam.objects.awaiting_decision().filter(candidate=contested.file.candidate_id, bloc=contested.bloc_id)
    if awaiting.exists():
        return [
            _("Une épreuve du bloc %(bloc)s attend sa décision : le recours attendrait une décision déjà remplacée.")
            % {"bloc": contested.bloc.code}
        ]
    return []


def appeal_problems(contested, *, received_on, grounds, documents=()) -> list[str]:
    """Every reason this appeal cannot be recorded: the decision cannot be appealed, the appeal is out of
    time, has no grounds, or documents that cannot be kept."""
    problems = contest_problems(contested)
    if not problems and received_on is not None:
        problems = rules.appeal_problems(
            received_on=received_on,
            notified_on=notified_on(contested),
            today=timezone.localdate(),
            months=settings.APPEAL_DEADLINE_MONTHS,
        )
    if not grounds.strip():
        problems.append(_("Indiquez les motifs du recours."))
    return problems + document_problems(documents)


@transaction.atomic
def record_appeal(contested, *, received_on, grounds, documents=(), acting_user) -> Appeal:
    """Record a candidate's appeal against the signed decision `contested`, with its documents (uploaded
    files): refused, with every reason, if it is out of time or cannot be heard. It goes before the next
    deliberation of the national joint jury whose date is on or after its reception."""
    contested = (
        BlocDecision.objects.select_for_update(of=("self",))
        .select_related("file__deliberation", "file__candidate", "bloc")
        .get(pk=contested.pk)
    )
    problems = appeal_problems(contested, received_on=received_on, grounds=grounds, documents=documents)
    if problems:
        raise AppealError(*problems)
    appeal = Appeal.objects.create(
        contested=contested, received_on=received_on, grounds=grounds.strip(), recorded_by=acting_user
    )
    for document in documents:
        AppealDocument.objects.create(
            appeal=appeal,
            file=document,
            name=document.name[:200],
            size=document.size,
            sha256=uploads.digest_of(document),
        )
    logs.log_once_committed(
        logger, "appeal_recorded", appeal_id=appeal.pk, decision_id=contested.pk, user_id=acting_user.pk
    )
    return appeal


def ruling_for(appeal) -> BlocDecision:
    """The decision on appeal, before the jury rules: the contested decision's facts (same exam, grid,
    computed result and opinion), its decision kept (confirmed) until the jury decides and justifies."""
    contested = appeal.contested
    return BlocDecision(
        bloc=contested.bloc,
        exam=contested.exam,
        grid=contested.grid,
        computed=contested.computed,
        computed_reason=contested.computed_reason,
        opinion=contested.opinion,
        opinion_text=contested.opinion_text,
        decision=contested.decision,
        recommendations=contested.recommendations,
        on_appeal=appeal,
    )


def ruling_problems(rulings) -> list[str]:
    """The decisions on appeal the jury has not ruled on yet, with a justification: the deliberation is not
    signed before (one sentence each)."""
    return [
        _("Recours de %(candidate)s sur le bloc %(bloc)s : décidez-le, avec sa justification.")
        % {"candidate": ruling.file.candidate, "bloc": ruling.bloc.code}
        for ruling in rulings
        if ruling.decided_at is None or not ruling.justification
    ]


def is_reversal(ruling) -> bool:
    return ruling.decision != ruling.on_appeal.contested.decision


def reversed_down(rulings):
    """The decisions on appeal that take back a validated bloc."""
    return [r for r in rulings if is_reversal(r) and r.decision == Ruling.NOT_VALIDATED]
