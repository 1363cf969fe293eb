"""The VAE jury reads the candidate's livret 2 from the interview's grid: the two members of that exam's jury
only; to anyone else, whatever their role, it does not exist (404)."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from cqp_site.downloads import file_download

from .selectors import livret2_of
from .views import jury_member_required


@file_download
@jury_member_required
def livret2(request, exam):
    """The livret 2 of the candidate of this VAE interview, to its jury (`jury_member_required` finds the exam
    among the member's own, else 404; a user who is no professional jury member is refused, then not found)."""
    document = livret2_of(exam)
    if document is None:
        raise Http404(_("Aucun livret 2 n'est déposé pour cet entretien."))
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.name)
