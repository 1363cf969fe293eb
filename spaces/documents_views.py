"""The candidate deposits the documents of their file from their space, and downloads their own (only)."""

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from candidates.models import CandidateDocument
from cqp_site.downloads import file_download

from .access import candidate_required
from .documents import DocumentForm, DocumentRefused, upload_document


@candidate_required
@require_POST
def upload(request, candidate):
    """The deposit, then back to the candidate's page, which says what became of it: stored, or refused with every
    reason (nothing stored)."""
    form = DocumentForm(candidate, request.POST, request.FILES)
    if not form.is_valid():
        for problem in form.problems():
            messages.error(request, problem)
        return redirect("spaces:candidate_home")
    try:
        document = upload_document(
            candidate, kind=form.cleaned_data["kind"], uploaded_file=form.cleaned_data["file"], acting_user=request.user
        )
    except DocumentRefused as refused:
        for problem in refused.messages:
            messages.error(request, _("Document refusé — %(problem)s") % {"problem": problem})
        return redirect("spaces:candidate_home")
    messages.success(
        request,
        _("%(kind)s déposé : « %(name)s ».") % {"kind": capfirst(document.get_kind_display()), "name": document.name},
    )
    return redirect("spaces:candidate_home")


@file_download
@candidate_required
def download(request, candidate, pk):
    """One of the candidate's own documents; another candidate's number does not exist for them (404)."""
    document = get_object_or_404(CandidateDocument, pk=pk, candidate=candidate)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
