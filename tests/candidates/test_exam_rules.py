"""The rules of the texts where exams and juries are entered: each refused with a clear message."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from candidates.models import AcquiredBloc, Exam, Route
from referentials.models import ExamKind

from .factories import CandidateFactory, PersonFactory, RepresentativeFactory, SessionFactory, exam_time


def exam(world, **overrides):
    values = {
        "session": world.session,
        "candidate": world.candidate,
        "bloc": world.blocs["GRU"],
        "scheduled_at": exam_time(world.exam_day),
        "place": "CPAM de Paris, salle 4",
        "president": world.president,
        "representative": world.representative,
    }
    values.update(overrides)
    return Exam(**values)


def problems(candidate_exam):
    with pytest.raises(ValidationError) as error:
        candidate_exam.full_clean()
    return error.value.messages


pytestmark = pytest.mark.django_db


def test_a_valid_exam_is_accepted_and_takes_its_kind_from_the_referential(world):
    gru = exam(world)
    gru.full_clean()
    gru.save()
    mdr = exam(world, bloc=world.blocs["MDR"])
    mdr.full_clean()
    mdr.save()
    assert (gru.kind, mdr.kind) == (ExamKind.OBSERVATION, ExamKind.ORAL_PRESENTATION)


def test_the_jury_is_two_different_people(world):
    same = exam(world, representative=world.president)
    assert "Le président et le représentant métier doivent être deux personnes différentes." in problems(same)
    with pytest.raises(IntegrityError), transaction.atomic():
        same.save()


def test_the_president_must_be_a_president(world):
    other_rep = RepresentativeFactory(organisation=world.lyon, first_name="Zoé", last_name="Autre")
    assert "Zoé Autre n'a pas qualité pour présider un jury (Ucanss ou son délégataire)." in problems(
        exam(world, president=other_rep)
    )


def test_the_representative_must_be_a_business_representative(world):
    plain = PersonFactory(organisation=world.lyon, first_name="Jean", last_name="Simple")
    assert "Jean Simple n'a pas le rôle de représentant métier." in problems(exam(world, representative=plain))


def test_the_representative_is_from_the_candidates_branch(world):
    famille = RepresentativeFactory(organisation=world.caf, first_name="Ana", last_name="Caf")
    assert problems(exam(world, representative=famille)) == [
        "Le représentant métier Ana Caf doit être de la même branche que le candidat."
    ]


def test_the_representative_is_not_from_the_candidates_organisation(world):
    colleague = RepresentativeFactory(organisation=world.paris, first_name="Luc", last_name="Collègue")
    assert problems(exam(world, representative=colleague)) == [
        "Le représentant métier Luc Collègue ne peut pas être du même organisme que le candidat."
    ]


def test_the_representative_has_no_hierarchical_link_with_the_candidate(world):
    # The candidate's manager reports to the representative.
    world.candidate.manager = PersonFactory(organisation=world.paris, manager=world.representative)
    world.candidate.save()
    assert problems(exam(world)) == [
        "Le représentant métier Rémi Représentant a un lien hiérarchique avec le candidat."
    ]


def test_the_representative_is_not_the_candidates_tutor_nor_trainer(world):
    world.candidate.tutor = world.representative
    world.candidate.save()
    world.candidate.trainers.add(world.representative)
    assert problems(exam(world)) == [
        "Le représentant métier Rémi Représentant est le tuteur du candidat.",
        "Le représentant métier Rémi Représentant est intervenu dans la formation du candidat.",
    ]


def test_both_members_are_trained_before_the_exam(world):
    world.president.jury_trained_on = None
    world.president.save()
    world.representative.jury_trained_on = world.exam_day
    world.representative.save()
    assert problems(exam(world)) == [
        "Paul Président n'a pas suivi la formation aux modalités d'évaluation.",
        "Rémi Représentant doit avoir suivi la formation aux modalités d'évaluation avant l'épreuve du 10/06/2025.",
    ]


def test_a_bloc_outside_the_candidates_cqp_cannot_be_examined(world):
    assert problems(exam(world, bloc=world.blocs["POS"])) == [
        "Le bloc POS ne fait pas partie du CQP GC visé par le candidat."
    ]


def test_a_bloc_whose_referential_lacks_criteria_cannot_be_examined(world):
    candidate = CandidateFactory(organisation=world.paris, certification=world.cos)
    assert problems(exam(world, session=world.cos_session, candidate=candidate, bloc=world.blocs["TD"])) == [
        "Le bloc TD ne peut pas être évalué : les compétences C15, C16, C17, C18 n'ont aucun critère "
        "d'évaluation. Un administrateur doit ajouter leurs critères au référentiel 2020."
    ]


def test_no_second_exam_for_a_bloc_acquired_through_the_other_cqp(world):
    AcquiredBloc.objects.create(
        candidate=world.candidate, bloc=world.blocs["GRU"], acquired_on=datetime.date(2024, 12, 1), origin="COS"
    )
    assert problems(exam(world)) == ["Le candidat a déjà acquis le bloc GRU : un bloc est acquis définitivement."]


def test_one_exam_per_bloc_and_session(world):
    exam(world).save()
    assert problems(exam(world, scheduled_at=exam_time(world.exam_day, hour=14))) == [
        "Ce candidat a déjà une épreuve pour ce bloc dans cette session."
    ]


def test_the_exam_takes_place_during_its_session_and_for_the_candidates_cqp(world):
    assert problems(exam(world, scheduled_at=exam_time(datetime.date(2025, 7, 1)))) == [
        "L'épreuve doit avoir lieu pendant la session."
    ]
    other = CandidateFactory(organisation=world.paris, certification=world.cos)
    assert problems(exam(world, candidate=other, bloc=world.blocs["MDR"]))[0] == (
        "La session porte sur le CQP GC, le candidat vise le CQP COS."
    )


def test_an_exam_has_a_place_or_a_video_link(world):
    assert problems(exam(world, place="")) == ["Indiquez le lieu de l'épreuve ou son lien de visioconférence."]
    exam(world, place="", video_link="https://visio.exemple.fr/jury-42").full_clean()


def test_vae_interview_covers_every_bloc_once_livret_2_is_received(world):
    candidate = CandidateFactory(
        organisation=world.paris, certification=world.gc, route=Route.VAE, livret2_received_on=datetime.date(2025, 3, 1)
    )
    interview = exam(world, candidate=candidate, bloc=None)
    interview.full_clean()
    interview.save()
    assert interview.kind == ExamKind.VAE_INTERVIEW
    assert [bloc.code for bloc in interview.examined_blocs()] == ["GRU", "MDR", "GDU"]


def test_vae_route_refuses_a_bloc_exam_and_needs_livret_2(world):
    candidate = CandidateFactory(organisation=world.paris, certification=world.gc, route=Route.VAE)
    assert problems(exam(world, candidate=candidate)) == [
        "Sur la voie de la VAE, un seul entretien porte sur tous les blocs du CQP.",
        "Le livret 2 du candidat doit être reçu avant de programmer l'entretien VAE.",
    ]


def test_vae_interview_for_cos_waits_for_the_missing_criteria(world):
    candidate = CandidateFactory(
        organisation=world.paris,
        certification=world.cos,
        route=Route.VAE,
        livret2_received_on=datetime.date(2025, 3, 1),
    )
    messages = problems(exam(world, session=world.cos_session, candidate=candidate, bloc=None))
    assert [m.split(" :")[0] for m in messages] == [
        "Le bloc POS ne peut pas être évalué",
        "Le bloc TD ne peut pas être évalué",
    ]


def test_training_route_refuses_an_exam_without_bloc(world):
    assert "Sur la voie de la formation, chaque épreuve porte sur un bloc." in problems(exam(world, bloc=None))


def test_database_refuses_a_vae_interview_with_a_bloc(world):
    interview = exam(world)
    interview.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Exam.objects.filter(pk=interview.pk).update(kind=ExamKind.VAE_INTERVIEW)


def test_session_dates_are_checked_by_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(certification=world.gc, starts_on=datetime.date(2025, 6, 2), ends_on=datetime.date(2025, 6, 1))
