"""The certificates' message as the admin's « Aperçus des messages » shows it: `messages.issued_drafts`, the
function the production of the PDFs calls, over unsaved demo certificates. Their PDFs are named, not made: the
preview lists the attachments' names and reads no file."""

import datetime

from candidates.models import Candidate
from outbox.models import MessageKind
from outbox.previews import preview
from referentials.models import Bloc, Certification

from . import messages
from .models import Certificate, CertificateKind

ISSUED_ON = datetime.date(2025, 6, 12)


def demo_certificate(kind, number, candidate, certification, bloc):
    return Certificate(
        kind=kind,
        number=number,
        code=f"DEMO{number[-6:]}",
        candidate=candidate,
        certification=certification,
        bloc=bloc,
        holder_name=f"{candidate.first_name} {candidate.last_name.upper()}",
        issued_on=ISSUED_ON,
        pdf=f"certificates/{ISSUED_ON.year}/{number}.pdf",
    )


@preview(MessageKind.CERTIFICATE)
def certificate():
    """The certificate of the bloc Camille Durand validated in the results' preview (evaluations/previews.py)."""
    candidate = Candidate(first_name="Camille", last_name="Durand", email="camille.durand@example.fr")
    certification = Certification(code="GC", title="Gestionnaire conseil de la Sécurité sociale")
    bloc = Bloc(code="GRU", title="Gestion de la relation usagers de la Sécurité sociale")
    (draft,) = messages.issued_drafts(
        [demo_certificate(CertificateKind.CCP, "CCP-GC-2025-000042", candidate, certification, bloc)]
    )
    return draft
