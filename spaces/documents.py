"""The documents of a candidate's file (issue 17): the livret 2 of a VAE, the scan of a paper carnet de suivi, a
proof. The candidate deposits them from their space, an administrator from the admin (a carnet received by post);
both through `upload_document`. The administrator then records the livret 2's receipt from the document deposited
(`record_livret2_receipt`), the date the VAE interview waits for (candidates.rules: « le livret 2 du candidat doit
être reçu avant de programmer l'entretien VAE »). Files are never served from a public address: the candidate gets
their own from their space, an administrator from the admin, the VAE jury the livret 2 from the interview's grid."""

import logging
from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import Candidate, CandidateDocument, DocumentKind, Route
from cqp_site import logs, uploads

logger = logging.getLogger("spaces")


@dataclass(frozen=True)
class Accepted:
    """What a kind of document may be: its formats and its largest size."""

    formats: tuple
    max_bytes: int


ACCEPTED = {
    # The livret 2 is a written text, read by the jury as such: PDF only. Often printed, signed and scanned: about
    # 60 pages at 300 dpi in greyscale weigh 10 to 15 MB, so 20 MB takes a scanned livret whole, while keeping
    # what a candidate's phone line uploads in a few minutes.
    DocumentKind.LIVRET2: Accepted((uploads.PDF,), 20 * 1024 * 1024),
    # A paper carnet de suivi is scanned as a whole booklet too, or photographed page by page.
    DocumentKind.CARNET: Accepted(uploads.DOCUMENT_FORMATS, 20 * 1024 * 1024),
    # A proof (a training certificate, an employer's letter) is a page or two.
    DocumentKind.PROOF: Accepted(uploads.DOCUMENT_FORMATS, 10 * 1024 * 1024),
}
# Enough for a livret 2 deposited again after corrections, a carnet in several scans and the proofs asked for; a
# file that grows beyond is a mistake (the same file again and again), which the Ucanss sorts out.
MAX_DOCUMENTS = 20
NAME_LENGTH = CandidateDocument._meta.get_field("name").max_length


class DocumentRefused(Exception):
    """A document not stored, with the messages to show."""

    def __init__(self, *messages):
        super().__init__(" ".join(str(message) for message in messages))
        self.messages = [str(message) for message in messages]


def is_vae(candidate) -> bool:
    return candidate.route == Route.VAE


def kinds_for(candidate) -> list[DocumentKind]:
    """What this candidate's file may receive: the livret 2 on the VAE route only."""
    return [kind for kind in DocumentKind if kind != DocumentKind.LIVRET2 or is_vae(candidate)]


def document_problems(candidate, *, kind, uploaded_file) -> list[str]:
    """Every reason this file cannot join the candidate's file, one sentence each."""
    problems = []
    if kind == DocumentKind.LIVRET2 and not is_vae(candidate):
        problems.append(_("Le livret 2 ne concerne que la voie de la VAE."))
    if candidate.documents.count() >= MAX_DOCUMENTS:
        problems.append(
            _(
                "Le dossier compte déjà %(max)s documents, le nombre maximal : adressez-vous à l'Ucanss pour en "
                "retirer un."
            )
            % {"max": MAX_DOCUMENTS}
        )
    if not uploaded_file.size:
        problems.append(_("%(name)s : le fichier est vide.") % {"name": uploaded_file.name})
    else:
        accepted = ACCEPTED[kind]
        problems += uploads.upload_problems(uploaded_file, formats=accepted.formats, max_bytes=accepted.max_bytes)
    return problems


@transaction.atomic
def upload_document(candidate, *, kind, uploaded_file, acting_user) -> CandidateDocument:
    """Store this uploaded file in the candidate's file, with its size and SHA-256 digest: refused, with every
    reason, if it is not of the kind's formats, too large, empty, or the file is full. The candidate's row is
    locked meanwhile, so that two uploads at once do not both take the last place."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    problems = document_problems(candidate, kind=kind, uploaded_file=uploaded_file)
    if problems:
        raise DocumentRefused(*problems)
    name = uploads.stored_name(
        uploaded_file.name, uploads.format_of(uploaded_file, ACCEPTED[kind].formats), NAME_LENGTH
    )
    document = CandidateDocument(
        candidate=candidate,
        kind=kind,
        name=name,
        size=uploaded_file.size,
        sha256=uploads.digest_of(uploaded_file),
        uploaded_by=acting_user,
    )
    document.file.save(name, uploaded_file, save=False)
    try:
        document.save()
    except BaseException:
        document.file.delete(save=False)  # no row, no file
        raise
    logs.log_once_committed(
        logger, "document_uploaded", document_id=document.pk, candidate_id=candidate.pk, user_id=acting_user.pk
    )
    return document


@transaction.atomic
def record_livret2_receipt(document, *, acting_user) -> Candidate:
    """The candidate's livret 2 is received on the day it was deposited: `Candidate.livret2_received_on`, which
    the VAE interview waits for. Refused for another document, a candidate not on the VAE route, or a livret 2
    already received (the date recorded stays: correcting it is the candidate's record's business)."""
    candidate = Candidate.objects.select_for_update().get(pk=document.candidate_id)
    if document.kind != DocumentKind.LIVRET2:
        raise DocumentRefused(
            _("%(candidate)s : « %(name)s » n'est pas un livret 2.") % {"candidate": candidate, "name": document.name}
        )
    if not is_vae(candidate):
        raise DocumentRefused(
            _("%(candidate)s n'est pas candidat par la VAE : le livret 2 ne concerne que cette voie.")
            % {"candidate": candidate}
        )
    if candidate.livret2_received_on:
        raise DocumentRefused(
            _("Le livret 2 de %(candidate)s est déjà reçu, le %(date)s.")
            % {"candidate": candidate, "date": candidate.livret2_received_on.strftime("%d/%m/%Y")}
        )
    candidate.livret2_received_on = timezone.localdate(document.uploaded_at)
    candidate.save(update_fields=["livret2_received_on"])
    logs.log_once_committed(
        logger, "livret2_received", document_id=document.pk, candidate_id=candidate.pk, user_id=acting_user.pk
    )
    return candidate


def formats_text(kind):
    """« PDF », « PDF, PNG ou JPEG »: what a kind of document may be, as a sentence says it."""
    names = [file_format.name for file_format in ACCEPTED[kind].formats]
    return (
        names[0]
        if len(names) == 1
        else _("%(first)s ou %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
    )


def accepted_text(kinds):
    """What each kind of document may be, as the upload forms say it."""
    return " ".join(
        _("%(kind)s : %(formats)s, %(max)s au plus.")
        % {"kind": capfirst(kind.label), "formats": formats_text(kind), "max": filesizeformat(ACCEPTED[kind].max_bytes)}
        for kind in kinds
    )


class DocumentForm(forms.Form):
    """The candidate's deposit, from their space; the checks are `upload_document`'s."""

    kind = forms.ChoiceField(label=gettext_lazy("Nature du document"))
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        allow_empty_file=True,  # refused by upload_document, with the file's name
        error_messages={"required": gettext_lazy("Choisissez le fichier à déposer.")},
    )

    def __init__(self, candidate, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = kinds_for(candidate)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in kinds]
        self.fields["kind"].initial = kinds[0].value
        self.fields["file"].help_text = accepted_text(kinds)
        self.helper = FormHelper()
        self.helper.form_id = "document-upload"
        self.helper.form_action = reverse("spaces:upload_document")
        self.helper.add_input(Submit("deposit", _("Déposer"), css_class="btn-primary"))

    def problems(self) -> list[str]:
        """The form's errors as the messages shown after the deposit."""
        return [str(error) for errors in self.errors.values() for error in errors]


@dataclass(frozen=True)
class DocumentsSection:
    """What the candidate's page shows of their documents (spaces/_documents.html)."""

    candidate: Candidate
    documents: list
    form: DocumentForm

    @property
    def is_vae(self):
        return is_vae(self.candidate)

    @property
    def livret2(self):
        """The latest livret 2 deposited, the one the jury reads."""
        return next((document for document in self.documents if document.kind == DocumentKind.LIVRET2), None)

    @property
    def is_full(self):
        return len(self.documents) >= MAX_DOCUMENTS

    @property
    def max_documents(self):
        return MAX_DOCUMENTS


def documents_section(candidate) -> DocumentsSection:
    """The candidate page's documents section, in one query (the candidate's documents, newest first): the
    candidate page's view passes it to its template as `documents_section`."""
    return DocumentsSection(
        candidate=candidate, documents=list(candidate.documents.all()), form=DocumentForm(candidate)
    )
