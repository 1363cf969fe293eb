"""candidates/rules.py's exam rules on their own, without a database: an exam is refused exactly when the texts
refuse it, with the sentence the administrator reads."""

import dataclasses
import datetime

import pytest

from candidates import rules

JUNE = rules.ExamFacts(
    route=rules.TRAINING,
    candidate_certification="GC",
    session_certification="GC",
    session_starts=datetime.date(2025, 6, 2),
    session_ends=datetime.date(2025, 6, 27),
    exam_date=datetime.date(2025, 6, 10),
    bloc="GDU",
    bloc_of_certification_version=True,
    certification_blocs=("GRU", "MDR", "GDU"),
    acquired_blocs=frozenset({"GRU"}),
    livret2_received=False,
)
VAE = dataclasses.replace(JUNE, route=rules.VAE, bloc=None, bloc_of_certification_version=False, livret2_received=True)


def test_a_training_exam_on_a_bloc_not_yet_held_during_its_session_is_accepted():
    assert rules.exam_problems(JUNE) == []


def test_a_vae_interview_after_the_livret_2_is_accepted():
    assert rules.exam_problems(VAE) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"session_certification": "COS"},
            ["La session porte sur le CQP COS, le candidat vise le CQP GC."],
        ),
        ({"exam_date": datetime.date(2025, 6, 28)}, ["L'épreuve doit avoir lieu pendant la session."]),
        ({"exam_date": datetime.date(2025, 6, 1)}, ["L'épreuve doit avoir lieu pendant la session."]),
        ({"exam_date": datetime.date(2025, 6, 27)}, []),
        ({"bloc": None}, ["Sur la voie de la formation, chaque épreuve porte sur un bloc."]),
        ({"bloc": "GRU"}, ["Le candidat a déjà acquis le bloc GRU : un bloc est acquis définitivement."]),
        ({"bloc": "POS"}, ["Le bloc POS ne fait pas partie du CQP GC visé par le candidat."]),
        (
            {"bloc_of_certification_version": False},
            ["Le bloc doit être celui de la version du référentiel du CQP."],
        ),
    ],
)
def test_training_exam_refusals(changes, expected):
    assert rules.exam_problems(dataclasses.replace(JUNE, **changes)) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"bloc": "GDU"}, ["Sur la voie de la VAE, un seul entretien porte sur tous les blocs du CQP."]),
        (
            {"livret2_received": False},
            ["Le livret 2 du candidat doit être reçu avant de programmer l'entretien VAE."],
        ),
        ({"acquired_blocs": frozenset({"GRU", "MDR", "GDU"})}, ["Le candidat détient déjà tous les blocs du CQP."]),
        ({"acquired_blocs": frozenset({"GRU", "MDR"})}, []),
    ],
)
def test_vae_interview_refusals(changes, expected):
    assert rules.exam_problems(dataclasses.replace(VAE, **changes)) == expected


def test_every_refusal_is_said_at_once():
    facts = dataclasses.replace(JUNE, session_certification="COS", exam_date=datetime.date(2025, 7, 1), bloc="GRU")
    assert rules.exam_problems(facts) == [
        "La session porte sur le CQP COS, le candidat vise le CQP GC.",
        "L'épreuve doit avoir lieu pendant la session.",
        "Le candidat a déjà acquis le bloc GRU : un bloc est acquis définitivement.",
    ]


def test_a_bloc_not_validated_is_examined_again_once_its_previous_exam_is_decided():
    assert rules.exam_problems(dataclasses.replace(JUNE, awaiting_blocs={"MDR"})) == []
    assert rules.exam_problems(dataclasses.replace(JUNE, awaiting_blocs={"GDU"})) == [
        "Le candidat a déjà une épreuve du bloc GDU en attente de la délibération du jury paritaire national : "
        "une nouvelle épreuve se programme une fois le bloc non validé."
    ]


def test_a_bloc_under_appeal_is_examined_again_once_the_appeal_is_ruled_on():
    assert rules.exam_problems(dataclasses.replace(JUNE, appealed_blocs={"MDR"})) == []
    assert rules.exam_problems(dataclasses.replace(JUNE, appealed_blocs={"GDU"})) == [
        "Le candidat a formé un recours contre la décision sur le bloc GDU : une nouvelle épreuve se programme une "
        "fois le recours tranché, s'il confirme le bloc non validé."
    ]
