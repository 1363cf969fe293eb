"""A deliberation's messages as the admin's « Aperçus des messages » shows them: rendered by `messages.results_context`
and `messages.results_draft`, the functions the signature calls, for unsaved demo objects. The outcome is the
one `rules.decide_file` gives for the demo file, so the message reads the reason a real one would."""

import datetime

from candidates.models import Candidate, Organisation, Person
from outbox.models import MessageKind
from outbox.previews import preview
from referentials.models import Certification

from . import messages, rules
from .models import Deliberation

BLOCS = ("GRU", "MDR", "GDU")
HELD_BEFORE = (("GDU", datetime.date(2024, 11, 28)),)
RECOMMENDATIONS = "Approfondir le contrôle des pièces justificatives avant la liquidation d'un droit."


def demo_context():
    organisation = Organisation(name="CPAM de la Somme")
    candidate = Candidate(
        first_name="Camille", last_name="Durand", email="camille.durand@example.fr", organisation=organisation
    )
    certification = Certification(code="GC", title="Gestionnaire conseil de la Sécurité sociale")
    deliberation = Deliberation(title="Jury paritaire national de printemps", held_on=datetime.date(2025, 6, 12))
    blocs = [
        messages.BlocResult(code="GRU", title="Gestion de la relation usagers de la Sécurité sociale", validated=True),
        messages.BlocResult(
            code="MDR",
            title="Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale",
            validated=False,
            professional_recommendations=RECOMMENDATIONS,
            national_recommendations=RECOMMENDATIONS,
        ),
    ]
    decision = rules.decide_file(
        BLOCS,
        {code for code, _acquired_on in HELD_BEFORE},
        {bloc.code for bloc in blocs if bloc.validated},
        pass_validated=True,
        premss_validated=True,
    )
    return messages.results_context(
        deliberation,
        candidate,
        certification,
        blocs=blocs,
        cqp_awarded=decision.cqp_awarded,
        outcome_reason=decision.reason,
        held_before=list(HELD_BEFORE),
    )


@preview(MessageKind.RESULTS)
def results():
    context = demo_context()
    return messages.results_draft(
        messages.results_templates(), context, context["candidate"].email, MessageKind.RESULTS
    )


@preview(MessageKind.RESULTS_MANAGER)
def results_manager():
    manager = Person(first_name="Nathalie", last_name="Lefèvre", email="nathalie.lefevre@example.fr")
    context = {**demo_context(), "manager": manager}
    return messages.results_draft(messages.results_templates(), context, manager.email, MessageKind.RESULTS_MANAGER)
