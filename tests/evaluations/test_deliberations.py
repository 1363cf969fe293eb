"""The national joint jury: files put before it, sovereign decisions, sign-off into the record."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc, CertificationSession, CqpAward
from evaluations import selectors, services
from evaluations.demo import seat_example_jury
from evaluations.models import BlocDecision, CandidateFile, Deliberation, DeliberationStatus, FileOutcome, Ruling

from .conftest import exam_of

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


def graded_state(exam, validated=True, verdict="favourable", only=None, recommendations=""):
    """A whole grid's marks: every criterion `validated` (or, with `only`, validated in those blocs only), the
    oral presentation's rules met, with the professional jury's `recommendations` on each bloc."""
    layout = selectors.grid_layout(exam)
    state = layout.empty_state()
    for bloc in layout.blocs:
        ok = validated if only is None else bloc.code in only
        for position, competence in enumerate(bloc.competences):
            state.update({criterion.key: ok for criterion in competence.criteria})
            if bloc.oral_presentation:
                state[competence.presented_key if position < 2 else competence.discussed_key] = True
        state[bloc.verdict_key] = verdict if only is None else ("favourable" if ok else "unfavourable")
        state[bloc.recommendations_key] = recommendations
    return state


def run_exam(exam, validated=True, verdict="favourable", only=None, recommendations=""):
    """Grade (`graded_state`) and sign an exam."""
    state = graded_state(exam, validated, verdict, only, recommendations)
    services.save_grid(exam, user("president"), state, 0)
    services.submit_grid(exam, user("president"))
    for member in (exam.president, exam.representative):
        services.sign_grid(exam, member.user, PASSWORD)


def deliberation_for(*session_names):
    """A deliberation on these sessions, presided by `jpn`, its one member with an account; its jury is
    complete (two members of each college, `evaluations.demo.EXAMPLE_JURY`)."""
    deliberation = Deliberation.objects.create(
        title="Délibération du jury paritaire national",
        held_on=datetime.date.today(),
        president=user("jpn"),
    )
    seat_example_jury(deliberation)
    deliberation.members.add(deliberation.president)
    deliberation.sessions.set(CertificationSession.objects.filter(name__in=session_names))
    return deliberation


SPRING = "CQP GC — session de printemps"
WINTER = "CQP GC — session d'hiver"


def file_of(deliberation, last_name):
    return CandidateFile.objects.get(deliberation=deliberation, candidate__last_name=last_name)


def decision_of(deliberation, last_name, bloc):
    return BlocDecision.objects.get(
        file__deliberation=deliberation, file__candidate__last_name=last_name, bloc__code=bloc
    )


def test_only_files_whose_grids_are_all_signed_come_before_the_jury(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    deliberation = deliberation_for(SPRING)
    readiness = selectors.file_readiness(deliberation)
    assert [(str(candidate), [exam.bloc.code for exam in exams]) for candidate, exams in readiness.missing] == [
        ("FONTAINE Chloé", ["GRU"]),
        ("MARTIN Léa", ["MDR"]),
    ]
    assert services.add_ready_files(deliberation, user("jpn")) == 0
    run_exam(exam_of("Martin", "MDR"))
    assert services.add_ready_files(deliberation, user("jpn")) == 1
    assert services.add_ready_files(deliberation, user("jpn")) == 0  # once


def test_agreement_gives_a_ccp_per_validated_bloc(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    assert services.add_ready_files(deliberation, user("jpn")) == 2
    lea, chloe = file_of(deliberation, "Martin"), file_of(deliberation, "Fontaine")
    assert (lea.outcome, lea.disagreement, lea.overridden) == (FileOutcome.CCP, False, False)
    assert lea.outcome_reason.startswith("CCP délivrés : GRU, MDR · CQP non délivré : 2 blocs acquis sur 3")
    assert (chloe.outcome, chloe.disagreement) == (FileOutcome.NONE, False)
    gru = decision_of(deliberation, "Martin", "GRU")
    assert (gru.computed, gru.decision, gru.computed_reason) == (
        Ruling.VALIDATED,
        Ruling.VALIDATED,
        "6 compétences acquises sur 6, 5 requises : bloc validé",
    )


def test_an_opinion_against_the_computed_result_is_flagged(demo_exams):
    run_exam(exam_of("Fontaine", "GRU"), validated=True, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    services.add_ready_files(deliberation, user("jpn"))
    assert file_of(deliberation, "Fontaine").disagreement is True
    assert file_of(deliberation, "Martin").disagreement is False


def test_overriding_up_needs_a_justification_and_is_kept_beside_the_computed_result(demo_exams):
    run_exam(exam_of("Fontaine", "GRU"), validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    decision = decision_of(deliberation, "Fontaine", "GRU")
    with pytest.raises(services.DeliberationError, match="demande une justification écrite"):
        services.decide_bloc(decision, user("jpn"), Ruling.VALIDATED, "   ")
    services.decide_bloc(decision, user("jpn"), Ruling.VALIDATED, "Situation d'examen atypique : maîtrise attestée.")
    decision.refresh_from_db()
    assert (decision.computed, decision.decision, decision.decided_by.username) == (
        Ruling.NOT_VALIDATED,
        Ruling.VALIDATED,
        "jpn",
    )
    chloe = file_of(deliberation, "Fontaine")
    assert (chloe.outcome, chloe.overridden) == (FileOutcome.CCP, True)


def test_overriding_down_withdraws_the_bloc_from_the_outcome(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    services.decide_bloc(
        decision_of(deliberation, "Martin", "MDR"),
        user("jpn"),
        Ruling.NOT_VALIDATED,
        "Présentation hors sujet.",
        "Retravailler l'analyse des risques.",
    )
    lea = file_of(deliberation, "Martin")
    assert lea.outcome_reason.startswith("CCP délivré : GRU ·")
    assert decision_of(deliberation, "Martin", "MDR").recommendations == "Retravailler l'analyse des risques."


def test_signing_makes_the_decisions_the_candidates_record_and_freezes_the_deliberation(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    with pytest.raises(services.DeliberationError, match="Seuls les membres du jury paritaire national"):
        services.sign_deliberation(deliberation, user("president"), PASSWORD)
    with pytest.raises(services.DeliberationError, match="Mot de passe incorrect"):
        services.sign_deliberation(deliberation, user("jpn"), "pas le bon")
    signed = services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert (signed.status, len(signed.digest)) == (DeliberationStatus.SIGNED, 64)
    acquired = AcquiredBloc.objects.filter(deliberation=deliberation)
    assert sorted(acquired.values_list("candidate__last_name", "bloc__code")) == [("Martin", "GRU"), ("Martin", "MDR")]
    assert not CqpAward.objects.exists()
    with pytest.raises(services.DeliberationError, match="La délibération est signée"):
        services.decide_bloc(decision_of(deliberation, "Martin", "GRU"), user("jpn"), Ruling.NOT_VALIDATED, "x")
    with pytest.raises(services.DeliberationError, match="La délibération est signée"):
        services.add_ready_files(deliberation, user("jpn"))
    assert decision_of(deliberation, "Martin", "GRU").decision == Ruling.VALIDATED


def test_blocs_acquired_in_one_deliberation_complete_the_cqp_in_the_next(demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    spring = deliberation_for(SPRING)
    services.add_ready_files(spring, user("jpn"))
    services.sign_deliberation(spring, user("jpn"), PASSWORD)
    run_exam(exam_of("Martin", "GDU"))
    winter = deliberation_for(WINTER)
    services.add_ready_files(winter, user("jpn"))
    lea = file_of(winter, "Martin")
    assert lea.outcome == FileOutcome.CQP
    assert lea.outcome_reason == (
        "CCP délivré : GDU · CQP délivré : 3 blocs acquis sur 3 ; formations Pass et Prem'ss validées"
    )
    services.sign_deliberation(winter, user("jpn"), PASSWORD)
    award = CqpAward.objects.get()
    assert (str(award.candidate), award.certification.code, award.deliberation) == ("MARTIN Léa", "GC", winter)


def test_blocs_held_through_the_cos_count_for_the_gc(demo_exams):
    lea = exam_of("Martin", "GDU").candidate
    for code in ("GRU", "MDR"):
        AcquiredBloc.objects.create(
            candidate=lea,
            bloc=exam_of("Martin", code).bloc,
            acquired_on=datetime.date(2024, 6, 1),
            origin="Reprise de l'historique (CQP COS)",
        )
    run_exam(exam_of("Martin", "GDU"))
    winter = deliberation_for(WINTER)
    services.add_ready_files(winter, user("jpn"))
    assert file_of(winter, "Martin").outcome == FileOutcome.CQP


def test_missing_premss_gives_ccps_but_no_cqp(demo_exams):
    chloe = exam_of("Fontaine", "GRU").candidate
    assert chloe.premss_validated_on is None
    run_exam(exam_of("Fontaine", "GRU"))
    run_exam(exam_of("Fontaine", "MDR"))
    deliberation = deliberation_for(SPRING, WINTER)
    services.add_ready_files(deliberation, user("jpn"))
    chloe_file = file_of(deliberation, "Fontaine")
    assert chloe_file.outcome == FileOutcome.CCP
    assert "formation non validée : Prem'ss" in chloe_file.outcome_reason


def test_vae_partial_validation_gives_a_ccp_per_validated_bloc(demo_exams):
    run_exam(exam_of("Lambert"), only={"GRU", "GDU"})
    deliberation = deliberation_for(WINTER)
    services.add_ready_files(deliberation, user("jpn"))
    hugo = file_of(deliberation, "Lambert")
    assert hugo.outcome == FileOutcome.CCP
    assert hugo.outcome_reason.startswith("CCP délivrés : GRU, GDU · CQP non délivré : 2 blocs acquis sur 3")
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert sorted(AcquiredBloc.objects.filter(candidate=hugo.candidate).values_list("bloc__code", flat=True)) == [
        "GDU",
        "GRU",
    ]


def test_a_full_vae_success_awards_the_cqp(demo_exams):
    run_exam(exam_of("Lambert"))
    deliberation = deliberation_for(WINTER)
    services.add_ready_files(deliberation, user("jpn"))
    services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert list(CqpAward.objects.values_list("candidate__last_name", "certification__code")) == [("Lambert", "GC")]


def test_a_failure_while_signing_leaves_the_deliberation_as_it_was(demo_exams):
    from unittest import mock

    from candidates.models import CqpAward

    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    with mock.patch.object(CqpAward.objects, "bulk_create", side_effect=RuntimeError("panne")):
        with pytest.raises(RuntimeError):
            services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    deliberation.refresh_from_db()
    assert deliberation.status == DeliberationStatus.OPEN
    assert not AcquiredBloc.objects.filter(deliberation=deliberation).exists()
