"""A candidate's request to correct what the application holds on them (RGPD, article 16), and its handling.

`request_correction` records the request from the candidate's space and tells the Ucanss administrators by mail,
in one transaction: a request rolled back tells no one. `handle_correction` is what an administrator does in the
admin once the data is corrected (or the request answered otherwise): the answer, who, when. The RGPD (article
12) gives one month to answer."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import Candidate, CorrectionRequest
from candidates.roles import UCANSS_ADMINISTRATORS
from cqp_site import logs
from outbox.models import MessageKind
from outbox.previews import preview
from outbox.services import Draft, queue_many

logger = logging.getLogger("spaces")

TEXT_LIMIT = 5000
EMPTY_REQUEST = gettext_lazy("Écrivez ce qui est à corriger : la demande est vide.")


class CorrectionError(Exception):
    """A refused request or handling, with the message to show."""


def administrators():
    """The active Ucanss administrators with an address (one query)."""
    return list(
        get_user_model()
        .objects.filter(groups__name=UCANSS_ADMINISTRATORS, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


@transaction.atomic
def request_correction(candidate, text, *, acting_user) -> CorrectionRequest:
    """The candidate asks, from their own account, that what is held on them be corrected."""
    if acting_user.pk is None or candidate.user_id != acting_user.pk:
        raise CorrectionError(_("Seul le candidat demande la rectification de ses données, depuis son espace."))
    text = text.strip()
    if not text:
        raise CorrectionError(str(EMPTY_REQUEST))
    if len(text) > TEXT_LIMIT:
        raise CorrectionError(_("La demande dépasse %(limit)s caractères.") % {"limit": TEXT_LIMIT})
    correction = CorrectionRequest.objects.create(candidate=candidate, text=text, asked_by=acting_user)
    queue_many(correction_drafts(correction))
    logs.log_once_committed(
        logger, "correction_requested", candidate_id=candidate.pk, correction_request_id=correction.pk
    )
    return correction


def correction_drafts(correction, recipients=None) -> list[Draft]:
    """One notice to each administrator (or each of `recipients`), with the request and its link in the admin."""
    subject_template = get_template("spaces/mail/correction_request_subject.txt")
    text_template = get_template("spaces/mail/correction_request.txt")
    link = settings.SITE_URL + reverse("admin:candidates_correctionrequest_change", args=[correction.pk])
    drafts = []
    for administrator in administrators() if recipients is None else recipients:
        context = {
            "administrator": administrator.get_full_name() or administrator.get_username(),
            "candidate": correction.candidate,
            "correction": correction,
            "asked_at": timezone.localtime(correction.asked_at),
            "link": link,
            "site_url": settings.SITE_URL,
        }
        drafts.append(
            Draft(
                to=administrator.email,
                subject="".join(subject_template.render(context).splitlines()),
                text=text_template.render(context),
                kind=MessageKind.CORRECTION_REQUEST,
                topic=f"correction:{correction.pk}",
                candidate_id=correction.candidate_id,
            )
        )
    return drafts


@transaction.atomic
def handle_correction(correction, answer, *, acting_user) -> CorrectionRequest:
    """An administrator records the answer to a request: it is handled, by them, now; once."""
    if not (acting_user.is_active and acting_user.has_perm("candidates.change_correctionrequest")):
        raise CorrectionError(_("Seul un administrateur traite une demande de rectification."))
    correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
    if correction.handled_at is not None:
        raise CorrectionError(
            _("Cette demande a déjà été traitée le %(date)s.")
            % {"date": timezone.localtime(correction.handled_at).strftime("%d/%m/%Y")}
        )
    answer = answer.strip()
    if not answer:
        raise CorrectionError(
            _("Écrivez la réponse faite au candidat : ce qui a été corrigé, ou pourquoi rien ne l'a été.")
        )
    correction.answer, correction.handled_by, correction.handled_at = answer, acting_user, timezone.now()
    correction.save(update_fields=["answer", "handled_by", "handled_at"])
    logs.log_once_committed(logger, "correction_handled", correction_request_id=correction.pk, user_id=acting_user.pk)
    return correction


@preview(MessageKind.CORRECTION_REQUEST)
def preview_correction_request() -> Draft:
    """The notice as an administrator receives it, from unsaved demo objects."""
    candidate = Candidate(pk=1, first_name="Léa", last_name="Martin")
    correction = CorrectionRequest(
        pk=1,
        candidate=candidate,
        text="Mon nom d'usage est Martin-Durand depuis mon mariage : merci de le corriger.",
        asked_at=timezone.now(),
    )
    administrator = get_user_model()(username="gestionnaire", first_name="Gaëlle", last_name="Gestionnaire")
    administrator.email = "gestionnaire@ucanss.invalid"
    return correction_drafts(correction, recipients=[administrator])[0]
