"""What is signed stays as it was signed: every write path tried on signed grids, signed deliberations,
their records and issued certificates. The model layer refuses on every database; on PostgreSQL the
database's triggers refuse raw SQL too."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc, CqpAward
from certificates import services as certificate_services
from certificates.models import Certificate, CertificateEvent, CertificateRenewal
from cqp_site.frozen import FrozenError
from evaluations import appeals, services
from evaluations.models import (
    Appeal,
    AppealDocument,
    BlocAssessment,
    BlocDecision,
    CandidateFile,
    College,
    CompetenceAssessment,
    CriterionMark,
    Deliberation,
    DeliberationMember,
    Grid,
    GridEvent,
    Signature,
)
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, WINTER, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

# model, a field to change, a new value
FROZEN = [
    (Grid, "revision", 99),
    (CriterionMark, "validated", False),
    (CompetenceAssessment, "comment", "changé"),
    (BlocAssessment, "opinion", "changé"),
    (Signature, "digest", "0" * 64),
    (GridEvent, "revision", 99),
    (Deliberation, "title", "changé"),
    (DeliberationMember, "college", College.EMPLOYEES),
    (CandidateFile, "outcome_reason", "changé"),
    (BlocDecision, "justification", "changé"),
    (Appeal, "grounds", "changé"),
    (AppealDocument, "name", "changé.pdf"),
    (AcquiredBloc, "origin", "changé"),
    (CqpAward, "awarded_on", "2000-01-01"),
    (Certificate, "holder_name", "Quelqu'un d'autre"),
]


def refuses_every_write_to(frozen, changes):
    """Each change (field, value) tried on the frozen row through every write path of the model layer, then its
    deletion: each refused."""
    model, rows = type(frozen), type(frozen).objects.filter(pk=frozen.pk)
    for field, value in changes:
        row = rows.get()
        setattr(row, field, value)
        for attempt in [
            row.save,
            lambda row=row, field=field: model.objects.bulk_update([row], [field]),
            lambda field=field, value=value: rows.update(**{field: value}),
        ]:
            with pytest.raises(FrozenError), transaction.atomic():
                attempt()
    for attempt in [rows.get().delete, rows.delete]:
        with pytest.raises(FrozenError), transaction.atomic():
            attempt()


@pytest.fixture
def signed(demo_exams, signing_certificate):
    """Léa Martin's three grids signed, both deliberations signed, every certificate issued; an appeal against
    the spring decision on MDR, with its letter, confirmed by the winter deliberation."""
    for code in ("GRU", "MDR"):
        run_exam(exam_of("Martin", code))
    spring = deliberation_for(SPRING)
    services.add_ready_files(spring, user("jpn"))
    spring = services.sign_deliberation(spring, user("jpn"), PASSWORD)
    appeal = appeals.record_appeal(
        BlocDecision.objects.get(bloc__code="MDR"),
        received_on=timezone.localdate(),
        grounds="Le candidat conteste les préconisations.",
        documents=[SimpleUploadedFile("lettre.pdf", b"%PDF-1.7 lettre")],
        acting_user=user("gestionnaire"),
    )
    run_exam(exam_of("Martin", "GDU"))
    winter = deliberation_for(WINTER)
    services.add_ready_files(winter, user("jpn"))
    services.decide_bloc(Appeal.objects.get(pk=appeal.pk).ruling, user("jpn"), "validated", "Décision confirmée.")
    winter = services.sign_deliberation(winter, user("jpn"), PASSWORD)
    for deliberation in (spring, winter):
        certificate_services.number_certificates(deliberation)
    for certificate in Certificate.objects.all():
        certificate_services.produce_pdf(certificate)
    assert CqpAward.objects.count() == 1 and Certificate.objects.count() == 4


def snapshot(model):
    return sorted(model._base_manager.values_list(*[f.attname for f in model._meta.concrete_fields]))


def frozen_ids():
    return [model.__name__ for model, _field, _value in FROZEN]


@pytest.mark.parametrize(("model", "field", "value"), FROZEN, ids=frozen_ids())
def test_the_model_layer_refuses_every_write(signed, model, field, value):
    before = snapshot(model)
    row = model.objects.filter(model.frozen_rows()).first()
    setattr(row, field, value)
    attempts = [
        lambda: row.save(),
        lambda: model.objects.get(pk=row.pk).delete(),
        lambda: model.objects.update(**{field: value}),
        lambda: model.objects.all().delete(),
        lambda: model.objects.bulk_update([row], [field]),
    ]
    for attempt in attempts:
        with pytest.raises(FrozenError), transaction.atomic():
            attempt()
    assert snapshot(model) == before


def test_an_upsert_cannot_rewrite_a_signed_grids_marks(signed):
    mark = CriterionMark.objects.first()
    before = snapshot(CriterionMark)
    with pytest.raises(FrozenError):
        CriterionMark.objects.bulk_create(
            [CriterionMark(grid_id=mark.grid_id, criterion_id=mark.criterion_id, validated=not mark.validated)],
            update_conflicts=True,
            unique_fields=["grid", "criterion"],
            update_fields=["validated"],
        )
    assert snapshot(CriterionMark) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers live in PostgreSQL")
@pytest.mark.parametrize(("model", "field", "value"), FROZEN, ids=frozen_ids())
def test_postgresql_refuses_raw_sql_on_signed_rows(signed, model, field, value):
    before = snapshot(model)
    table, column = model._meta.db_table, model._meta.get_field(field).column
    for statement, params in [
        (f'UPDATE "{table}" SET "{column}" = %s', [value]),
        (f'DELETE FROM "{table}"', []),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    assert snapshot(model) == before


def test_no_member_joins_a_signed_deliberation(signed):
    """The composition the minutes print is the one signed: a member added afterwards is refused too."""
    deliberation = Deliberation.objects.filter(status="signed").first()
    before = snapshot(DeliberationMember)
    attempts = [
        lambda: DeliberationMember.objects.create(deliberation=deliberation, name="Après coup", college="employees"),
        lambda: DeliberationMember.objects.bulk_create(
            [DeliberationMember(deliberation=deliberation, name="Après coup", college="employees")]
        ),
        lambda: deliberation.jury_members.create(name="Après coup", college="employees"),
    ]
    for attempt in attempts:
        with pytest.raises(FrozenError, match="une délibération signée ne change plus de composition"):
            with transaction.atomic():
                attempt()
    assert snapshot(DeliberationMember) == before
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO evaluations_deliberationmember (deliberation_id, name, college, organisation) "
                "VALUES (%s, 'Après coup', 'employees', '')",
                [deliberation.pk],
            )
        assert snapshot(DeliberationMember) == before


def test_what_is_not_signed_yet_still_changes_in_bulk(demo_exams):
    exam = exam_of("Martin", "GRU")
    run_exam(exam)  # signed
    draft = exam_of("Martin", "MDR")
    first = next(key for key in services.selectors.grid_layout(draft).empty_state() if key.startswith("criterion-"))
    services.save_grid(draft, user("president"), {first: False}, 0)
    assert CriterionMark.objects.filter(grid__exam=draft).update(validated=True) == 20
    marks = list(CriterionMark.objects.filter(grid__exam=draft))
    for mark in marks:
        mark.validated = False
    CriterionMark.objects.bulk_update(marks, ["validated"])
    assert not CriterionMark.objects.filter(grid__exam=draft, validated=True).exists()


def test_a_certificate_stores_its_pdf_once_and_is_revoked_once(signed):
    certificate = Certificate.objects.first()
    certificate.pdf.name = "certificates/autre.pdf"
    with pytest.raises(FrozenError):
        certificate.save()
    certificate = certificate_services.revoke(Certificate.objects.first(), user("gestionnaire"), "Erreur.")
    certificate.revocation_reason = "Autre motif."
    with pytest.raises(FrozenError):
        certificate.save()
    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == "Erreur."


def reissued(signed):
    """Léa Martin's name corrected, her first CCP re-issued: (the replaced one, its replacement)."""
    old = Certificate.objects.filter(kind="CCP").order_by("number").first()
    old.candidate.last_name = "Martin-Durand"
    old.candidate.save(update_fields=["last_name"])
    return old, certificate_services.reissue_certificate(old, "Nom corrigé.", acting_user=user("gestionnaire"))


def test_a_replaced_certificate_receives_nothing_more_and_its_trail_never_changes(signed):
    old, _new = reissued(signed)
    before = snapshot(Certificate), snapshot(CertificateEvent)
    refuses_every_write_to(
        old,
        [
            ("replaced_at", None),
            ("revoked_at", timezone.now()),
            ("revocation_reason", "Erreur."),
            ("pdf", "certificates/autre.pdf"),
            ("holder_name", "Léa MARTIN-DURAND"),
        ],
    )
    event = CertificateEvent.objects.get()
    event.reason = "Autre motif."
    for attempt in [
        lambda: event.save(),
        lambda: event.delete(),
        lambda: CertificateEvent.objects.update(reason="Autre motif."),
        lambda: CertificateEvent.objects.all().delete(),
    ]:
        with pytest.raises(FrozenError), transaction.atomic():
            attempt()
    assert (snapshot(Certificate), snapshot(CertificateEvent)) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers live in PostgreSQL")
def test_postgresql_refuses_raw_sql_on_a_replaced_certificate_and_its_trail(signed):
    old, _new = reissued(signed)
    before = snapshot(Certificate), snapshot(CertificateEvent)
    for statement in [
        "UPDATE certificates_certificate SET replaced_at = NULL WHERE id = %s",
        "UPDATE certificates_certificate SET replaced_at = replaced_at + interval '1 day' WHERE id = %s",
        "UPDATE certificates_certificate SET revoked_at = now(), revocation_reason = 'Erreur.' WHERE id = %s",
        "UPDATE certificates_certificate SET pdf = 'certificates/autre.pdf' WHERE id = %s",
        "UPDATE certificates_certificateevent SET reason = 'Autre motif.' WHERE certificate_id = %s",
        "DELETE FROM certificates_certificateevent WHERE certificate_id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [old.pk])
    assert (snapshot(Certificate), snapshot(CertificateEvent)) == before


def test_a_bloc_is_withdrawn_once_and_nothing_else_changes_with_it(signed):
    """The one change a deliberated bloc or CQP award accepts is its withdrawal on appeal, written once."""
    ruling = BlocDecision.objects.get(on_appeal__isnull=False)
    mdr = AcquiredBloc.objects.get(bloc__code="MDR", candidate=ruling.file.candidate)
    mdr.withdraw(ruling, timezone.localdate())
    mdr.refresh_from_db()
    assert (mdr.withdrawn_on, mdr.withdrawn_by) == (timezone.localdate(), ruling)
    before = snapshot(AcquiredBloc)
    with pytest.raises(FrozenError, match="Déjà retiré le"):
        mdr.withdraw(ruling, timezone.localdate())
    mdr.origin = "changé"
    with pytest.raises(FrozenError), transaction.atomic():
        mdr.save()
    assert snapshot(AcquiredBloc) == before
    if connection.vendor == "postgresql":
        for statement in [
            "UPDATE candidates_acquiredbloc SET withdrawn_on = NULL, withdrawn_by_id = NULL WHERE id = %s",
            "UPDATE candidates_acquiredbloc SET withdrawn_on = withdrawn_on + 1 WHERE id = %s",
        ]:
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [mdr.pk])
        gru = AcquiredBloc.objects.get(bloc__code="GRU", candidate=mdr.candidate)
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(  # a withdrawal that changes anything else with it
                "UPDATE candidates_acquiredbloc SET withdrawn_on = %s, withdrawn_by_id = %s, origin = 'changé' "
                "WHERE id = %s",
                [timezone.localdate(), ruling.pk, gru.pk],
            )
        assert snapshot(AcquiredBloc) == before


def test_the_decision_an_appeal_superseded_stays_as_it_was_signed(signed):
    """The contested decision (spring, MDR) is superseded by the ruling on appeal (winter), never edited: every
    write path tried on that very row."""
    contested = BlocDecision.objects.get(appeal__isnull=False)
    assert contested.appeal.ruling.on_appeal_id == contested.appeal.pk  # superseded by the ruling
    before = snapshot(BlocDecision)
    refuses_every_write_to(
        contested, [("decision", "not_validated"), ("justification", "Réformée."), ("recommendations", "")]
    )
    if connection.vendor == "postgresql":
        for statement in [
            "UPDATE evaluations_blocdecision SET decision = 'not_validated' WHERE id = %s",
            "UPDATE evaluations_blocdecision SET justification = 'Réformée.' WHERE id = %s",
            "DELETE FROM evaluations_blocdecision WHERE id = %s",
        ]:
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [contested.pk])
    assert snapshot(BlocDecision) == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers live in PostgreSQL")
def test_no_decision_on_appeal_joins_a_signed_deliberation(signed):
    ruling = BlocDecision.objects.get(on_appeal__isnull=False)
    before = snapshot(BlocDecision), snapshot(Appeal)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evaluations_blocdecision (file_id, bloc_id, exam_id, grid_id, computed, computed_reason, "
            "opinion, opinion_text, decision, justification, recommendations) SELECT file_id, bloc_id, exam_id, "
            "grid_id, computed, computed_reason, opinion, opinion_text, 'not_validated', 'après coup', '' "
            "FROM evaluations_blocdecision WHERE id = %s",
            [ruling.pk],
        )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE evaluations_appeal SET heard_in_id = NULL")
    assert (snapshot(BlocDecision), snapshot(Appeal)) == before


def test_a_renewal_of_a_certificate_timestamp_is_written_once(signed):
    """`manage.py renew_timestamps` records each renewed PDF: the record never changes, nor goes."""
    certificate = Certificate.objects.exclude(pdf="").first()
    renewal = CertificateRenewal.objects.create(
        certificate=certificate,
        pdf=f"certificates/2026/{certificate.number}-renouvele-2036-01-02.pdf",
        sha256="a" * 64,
        timestamp_valid_until=timezone.now(),
    )
    before = snapshot(CertificateRenewal)
    renewal.sha256 = "b" * 64
    for attempt in [
        lambda: renewal.save(),
        lambda: renewal.delete(),
        lambda: CertificateRenewal.objects.update(sha256="b" * 64),
        lambda: CertificateRenewal.objects.all().delete(),
    ]:
        with pytest.raises(FrozenError), transaction.atomic():
            attempt()
    if connection.vendor == "postgresql":
        for statement in [
            "UPDATE certificates_certificaterenewal SET sha256 = repeat('b', 64) WHERE id = %s",
            "DELETE FROM certificates_certificaterenewal WHERE id = %s",
        ]:
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [renewal.pk])
    assert snapshot(CertificateRenewal) == before
