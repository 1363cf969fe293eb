"""An output's progress page, its progress as JSON for the page's script, and its file: for the person who
asked for it only; « not found » (404) for anyone else, whatever their role."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from cqp_site.downloads import file_download

from .models import Output, OutputStatus


def output_response(output, *, inline=False):
    """The file when the output is already made (a finished one served again, or an immediate task backend),
    else its progress page."""
    if output.status == OutputStatus.DONE and output.file:
        return FileResponse(output.file.open("rb"), as_attachment=not inline, filename=output.filename)
    return redirect("outputs:progress", pk=output.pk)


def own_output(request, pk):
    return get_object_or_404(Output, pk=pk, requested_by=request.user)


@login_required
def progress(request, pk):
    """The progress bar; a small script (static/outputs/progress.js) updates it, and without script the page
    offers « Actualiser » (it never refreshes itself: an accessibility rule)."""
    return render(request, "outputs/progress.html", {"output": own_output(request, pk)})


@never_cache
@login_required
def progress_json(request, pk):
    output = own_output(request, pk)
    return JsonResponse(
        {
            "status": output.status,
            "status_label": output.get_status_display(),
            "done": output.done,
            "total": output.total,
            "percent": output.percent,
            "finished": output.is_finished,
            "summary": output.summary,
            "error": output.error,
            "download_url": reverse("outputs:download", args=[output.pk]) if output.file else "",
        }
    )


@never_cache
@file_download
@login_required
def download(request, pk):
    output = own_output(request, pk)
    if output.status != OutputStatus.DONE or not output.file:
        raise Http404
    return FileResponse(output.file.open("rb"), as_attachment=True, filename=output.filename)
