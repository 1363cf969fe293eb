"""A deliberation's results as a spreadsheet (CSV for any tool, Excel), French headers, formula-safe."""

import tablib

HEADERS = [
    "Nom",
    "Prénom",
    "Date de naissance",
    "Organisme",
    "CQP",
    "Voie",
    "Bloc",
    "Résultat calculé",
    "Avis du jury professionnel",
    "Décision du jury paritaire national",
    "Justification",
    "Préconisations",
    "Issue du dossier",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """A text cell never starts a formula when a spreadsheet opens it (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def deliberation_results(deliberation) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=HEADERS, title="Résultats")
    files = (
        deliberation.files.select_related("candidate__certification", "candidate__organisation")
        .prefetch_related("blocs__bloc")
        .order_by("candidate__last_name", "candidate__first_name", "pk")
    )
    for file in files:
        candidate = file.candidate
        for decision in sorted(file.blocs.all(), key=lambda d: d.bloc.code):
            dataset.append(
                [
                    safe(value)
                    for value in (
                        candidate.last_name,
                        candidate.first_name,
                        candidate.birth_date.strftime("%d/%m/%Y"),
                        candidate.organisation.name,
                        candidate.certification.code,
                        candidate.get_route_display(),
                        decision.bloc.code,
                        decision.get_computed_display(),
                        decision.get_opinion_display(),
                        decision.get_decision_display(),
                        decision.justification,
                        decision.recommendations,
                        file.get_outcome_display(),
                    )
                ]
            )
    return dataset
