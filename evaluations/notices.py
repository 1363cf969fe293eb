"""The notices of the national joint jury: its members are told when a deliberation has files ready, and
when it is signed.

`files_ready_drafts` is called by `services.add_ready_files` and `signed_drafts` by
`services.sign_deliberation`, each in the transaction of its change: a change rolled back tells no one.
Each reads the members in one query, whatever their number and the number of files; the counts come from
the service, which has them at hand. Every member gets the notice, the president among them (also when
the president is not listed in `members`), and the member who acted too: the notice is the record of the
change in everyone's mailbox. Inactive accounts get nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from outbox.models import MessageKind
from outbox.previews import preview
from outbox.services import Draft

from .models import Deliberation


def recipients(deliberation):
    """The active accounts sitting on the deliberation, its president among them (one query)."""
    return list(
        get_user_model()
        .objects.filter(Q(deliberations=deliberation) | Q(pk=deliberation.president_id), is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def files_ready_drafts(deliberation, *, added, total, missing, added_by) -> list[Draft]:
    """One notice to each member: `added` files were put before the deliberation by `added_by`, `total`
    are before it now, and `missing` candidates of its sessions still have a grid to sign."""
    templates = _templates("deliberation_ready")
    context = {"added": added, "total": total, "missing": missing, "added_by": _name(added_by)}
    return [
        _draft(templates, deliberation, member, context, MessageKind.DELIBERATION_READY)
        for member in recipients(deliberation)
    ]


def signed_drafts(deliberation, *, signed_by, files, ccp, cqp) -> list[Draft]:
    """One notice to each member: the deliberation is signed, with its `files`, the `ccp` it delivered
    (blocs newly acquired) and the `cqp` it awarded."""
    templates = _templates("deliberation_signed")
    context = {"signed_by": _name(signed_by), "files": files, "ccp": ccp, "cqp": cqp}
    return [
        _draft(templates, deliberation, member, context, MessageKind.DELIBERATION_SIGNED)
        for member in recipients(deliberation)
    ]


def deliberation_link(deliberation) -> str:
    """The deliberation's page for its members, on SITE_URL."""
    return settings.SITE_URL + reverse("evaluations:deliberation", kwargs={"pk": deliberation.pk})


def _templates(name):
    return get_template(f"evaluations/mail/{name}_subject.txt"), get_template(f"evaluations/mail/{name}.txt")


def _name(user):
    return user.get_full_name() or user.get_username()


def _draft(templates, deliberation, member, context, kind):
    subject_template, text_template = templates
    context = {
        **context,
        "deliberation": deliberation,
        "member": _name(member),
        "link": deliberation_link(deliberation),
        "site_url": settings.SITE_URL,
    }
    return Draft(
        to=member.email,
        subject="".join(subject_template.render(context).splitlines()),
        text=text_template.render(context),
        kind=kind,
        topic=f"deliberation:{deliberation.pk}",
        deliberation_id=deliberation.pk,
    )


# Previews for the administrators: unsaved demo objects, nothing read nor written ---------------------


def _demo():
    user_model = get_user_model()
    member = user_model(username="jpn", first_name="Jean", last_name="Paritaire", email="jpn@demo.invalid")
    president = user_model(username="president", first_name="Marie", last_name="Syndicat")
    today = timezone.localdate()
    deliberation = Deliberation(
        pk=1,
        title="Jury paritaire national — session de printemps",
        held_on=today,  # signed on or after its date
        members_present="Jean Paritaire (collège employeurs)\nMarie Syndicat (collège salariés)",
        signed_at=timezone.now(),
    )
    return deliberation, member, president


@preview(MessageKind.DELIBERATION_READY)
def preview_files_ready() -> Draft:
    deliberation, member, president = _demo()
    context = {"added": 12, "total": 30, "missing": 3, "added_by": _name(president)}
    return _draft(_templates("deliberation_ready"), deliberation, member, context, MessageKind.DELIBERATION_READY)


@preview(MessageKind.DELIBERATION_SIGNED)
def preview_signed() -> Draft:
    deliberation, member, president = _demo()
    context = {"signed_by": _name(president), "files": 30, "ccp": 41, "cqp": 9}
    return _draft(_templates("deliberation_signed"), deliberation, member, context, MessageKind.DELIBERATION_SIGNED)
