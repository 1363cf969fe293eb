"""Issue 16, dates that cannot lie: a deliberation is signed on or after its date; the blocs it validates are
acquired, and its certificates issued, on that date; a certificate is revoked or replaced on or after it.
The service, the jury's page, the admin and the database refuse otherwise; rows written before the
guarantees that break them are reported by a check, never changed."""

import contextlib
import datetime
import html

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, migrations, transaction
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from django.utils import formats, timezone

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc
from certificates import checks
from certificates import services as certificate_services
from certificates.models import Certificate
from certificates.selectors import signatory_on
from cqp_site.constraints import AddCheckForNewRows
from evaluations import rules, services
from evaluations.models import Deliberation, DeliberationStatus

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)


def long_date(day):
    return formats.date_format(day, "j F Y")


def not_before(day):
    return (
        f"La délibération est datée du {long_date(day)} : elle ne peut être signée qu'à partir de ce jour, "
        "date à laquelle ses blocs seront acquis et ses certificats délivrés."
    )


def at_paris(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def as_stored(moment):
    """A moment as the database stores it, for raw SQL (SQLite: UTC text)."""
    return connection.ops.adapt_datetimefield_value(moment)


def test_a_deliberation_is_signed_on_or_after_its_date():
    assert rules.may_sign_deliberation(TODAY, TODAY)
    assert rules.may_sign_deliberation(TODAY, TOMORROW)
    assert not rules.may_sign_deliberation(TOMORROW, TODAY)


@pytest.fixture
def ready(demo_exams):
    """Léa Martin's GRU and MDR graded and signed; the spring deliberation, dated tomorrow, with her file."""
    for code in ("GRU", "MDR"):
        run_exam(exam_of("Martin", code))
    deliberation = deliberation_for(SPRING)
    deliberation.held_on = TOMORROW
    deliberation.save(update_fields=["held_on"])
    services.add_ready_files(deliberation, user("jpn"))
    return deliberation


@pytest.mark.django_db
def test_the_service_refuses_to_sign_before_the_date_and_nothing_is_acquired(ready):
    with pytest.raises(services.DeliberationError) as refused:
        services.sign_deliberation(ready, user("jpn"), PASSWORD)
    assert str(refused.value) == not_before(TOMORROW)
    ready.refresh_from_db()
    assert (ready.status, ready.signed_at, AcquiredBloc.objects.filter(deliberation=ready).count()) == ("open", None, 0)

    # Held today instead (the deliberation is open: its date still changes): signed, and everything dated today.
    ready.held_on = TODAY
    ready.save(update_fields=["held_on"])
    signed = services.sign_deliberation(ready, user("jpn"), PASSWORD)
    assert timezone.localdate(signed.signed_at) == TODAY
    assert set(AcquiredBloc.objects.filter(deliberation=signed).values_list("acquired_on", flat=True)) == {TODAY}
    certificate_services.number_certificates(signed)
    assert set(Certificate.objects.values_list("issued_on", flat=True)) == {TODAY}
    assert checks.check_dates(None, databases=["default"]) == []


@pytest.mark.django_db
def test_the_presidents_page_says_from_which_date_it_can_be_signed(client, ready):
    client.force_login(user("jpn"))
    url = reverse("evaluations:deliberation", kwargs={"pk": ready.pk})
    page = html.unescape(client.get(url).content.decode())
    warning = f'<p class="alert alert-warning" id="signable-from">{not_before(TOMORROW)}</p>'
    assert warning in page
    assert page.index(warning) < page.index("Signer la délibération</button>")
    assert '<button class="btn btn-success" type="submit" disabled aria-describedby="signable-from">' in page

    response = client.post(
        reverse("evaluations:sign_deliberation", kwargs={"pk": ready.pk}), {"password": PASSWORD}, follow=True
    )
    assert not_before(TOMORROW) in html.unescape(response.content.decode())
    ready.refresh_from_db()
    assert not ready.is_signed

    ready.held_on = TODAY
    ready.save(update_fields=["held_on"])
    page = client.get(url).content.decode()
    assert 'id="signable-from"' not in page
    assert '<button class="btn btn-success" type="submit">Signer la délibération</button>' in page


@pytest.mark.django_db
def test_the_admin_says_what_the_date_is_and_cannot_move_it_once_signed(client, ready):
    client.login(username="gestionnaire", password=PASSWORD)
    change = reverse("admin:evaluations_deliberation_change", args=[ready.pk])
    page = client.get(change).content.decode()
    assert "La délibération ne peut être signée qu'à partir de cette date" in page
    ready.held_on = TODAY
    ready.save(update_fields=["held_on"])
    services.sign_deliberation(ready, user("jpn"), PASSWORD)
    response = client.post(change, {"title": ready.title, "held_on": TOMORROW.strftime("%d/%m/%Y")})
    assert response.status_code == 403
    ready.refresh_from_db()
    assert ready.held_on == TODAY


@pytest.mark.django_db
def test_the_database_refuses_a_signature_dated_before_the_deliberation_in_french_time(ready):
    """The date of the signature is its date in Paris: 00:30 on the day is 23:30 UTC the day before."""
    signed = {"status": DeliberationStatus.SIGNED, "digest": "0" * 64}
    rows = Deliberation.objects.filter(pk=ready.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(signed_at=at_paris(TODAY, 23, 59), **signed)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE evaluations_deliberation SET status = 'signed', signed_at = %s, digest = %s WHERE id = %s",
            [as_stored(at_paris(TODAY, 12)), "0" * 64, ready.pk],
        )
    ready.status, ready.signed_at, ready.digest = DeliberationStatus.SIGNED, at_paris(TODAY, 23, 59), "0" * 64
    with pytest.raises(ValidationError) as invalid:
        ready.validate_constraints()
    assert invalid.value.messages == ["Une délibération ne peut pas être signée avant sa date."]
    with transaction.atomic():
        rows.update(signed_at=at_paris(TOMORROW, 0, 30), **signed)  # 23:30 UTC today, the 00:30 of its date
    assert timezone.localdate(rows.get().signed_at) == TOMORROW


@pytest.mark.django_db
def test_the_database_refuses_a_revocation_dated_before_the_issue(ready):
    ready.held_on = TODAY
    ready.save(update_fields=["held_on"])
    certificate_services.number_certificates(services.sign_deliberation(ready, user("jpn"), PASSWORD))
    certificate = Certificate.objects.first()
    for column in ("revoked_at", "replaced_at"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE certificates_certificate SET {column} = %s, revocation_reason = 'Erreur.' WHERE id = %s",
                [as_stored(at_paris(TODAY - datetime.timedelta(days=1), 23, 59)), certificate.pk],
            )
    assert Certificate.objects.get(pk=certificate.pk).is_valid


# Rows written before the guarantees -----------------------------------------------------------------------

DATE_CONSTRAINTS = [
    (Deliberation, "deliberation_signed_on_or_after_its_date"),
    (Certificate, "certificate_revoked_on_or_after_its_issue"),
    (Certificate, "certificate_replaced_on_or_after_its_issue"),
]


@contextlib.contextmanager
def before_the_guarantees():
    """Writes as they were possible before issue 16: the date constraints not checked (in the test's
    transaction, which gives them back)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
            return
        for model, name in DATE_CONSTRAINTS:
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DROP CONSTRAINT "{name}"')
        yield


@pytest.mark.django_db
def test_the_issues_case_is_reported_by_the_check_and_left_as_it_is(ready, monkeypatch, signing_certificate):
    """The demo's deliberation dated in two days, signed today the way it could be before: blocs acquired
    and certificates issued on its date, one of them revoked today, before that date."""
    in_two_days = TODAY + datetime.timedelta(days=2)
    ready.held_on = in_two_days
    ready.save(update_fields=["held_on"])
    with before_the_guarantees():
        with monkeypatch.context() as before:
            before.setattr(rules, "may_sign_deliberation", lambda held_on, today: True)
            signed = services.sign_deliberation(ready, user("jpn"), PASSWORD)
        certificate_services.number_certificates(signed)
        revoked, other = Certificate.objects.order_by("number")
        revoked.revoked_at, revoked.revocation_reason = timezone.now(), "Erreur de saisie."
        revoked.save()
    rows = sorted(Certificate.objects.values_list()), sorted(Deliberation.objects.values_list())

    warnings = checks.check_dates(None, databases=["default"])
    held, today = in_two_days.strftime("%d/%m/%Y"), TODAY.strftime("%d/%m/%Y")
    assert [(warning.id, warning.msg) for warning in warnings] == [
        (
            "certificates.W002",
            f"1 délibération signée avant sa date : « {signed.title} » datée du {held}, signée le {today}.",
        ),
        (
            "certificates.W006",
            f"1 certificat révoqué avant sa date de délivrance : {revoked.number} délivré le {held}, "
            f"révoqué le {today}.",
        ),
    ]
    assert all(warning.hint == checks.DATES_HINT for warning in warnings)
    assert (sorted(Certificate.objects.values_list()), sorted(Deliberation.objects.values_list())) == rows

    # Nothing more is dated before the date of issue: neither a revocation nor a re-issue.
    refusal = f"Ce certificat est délivré le {long_date(in_two_days)} : rien ne peut le changer avant cette date."
    with pytest.raises(certificate_services.CertificateError, match=refusal):
        certificate_services.revoke(other, user("gestionnaire"), "Erreur.")
    certificate_services.produce_pdf(other)
    other.candidate.last_name = "Martin-Durand"
    other.candidate.save()
    with pytest.raises(certificate_services.CertificateError, match=refusal):
        certificate_services.reissue_certificate(other, "Nom corrigé.", acting_user=user("gestionnaire"))


@pytest.mark.django_db(transaction=True)
def test_adding_the_guarantee_keeps_the_rows_that_break_it_and_refuses_new_ones():
    """The migration that brings the guarantee to a database holding a deliberation signed before its date
    neither fails nor changes it; from then on, no such signature is written."""
    president = get_user_model().objects.create(username="president-jpn")
    name = "deliberation_signed_on_or_after_its_date"
    constraint = next(c for c in Deliberation._meta.constraints if c.name == name)
    guaranteed = MigrationLoader(connection).project_state()
    before = guaranteed.clone()
    before.remove_constraint("evaluations", "deliberation", name)
    with connection.schema_editor() as editor:
        migrations.RemoveConstraint("deliberation", name).database_forwards("evaluations", editor, guaranteed, before)
    early = Deliberation.objects.create(
        title="Signée avant sa date",
        held_on=TOMORROW,
        members_present="Jean Paritaire",
        president=president,
        status=DeliberationStatus.SIGNED,
        signed_at=timezone.now(),
        digest="0" * 64,
    )
    with connection.schema_editor() as editor:
        AddCheckForNewRows("deliberation", constraint).database_forwards("evaluations", editor, before, guaranteed)

    assert Deliberation.objects.get(pk=early.pk).signed_at == early.signed_at
    later = Deliberation.objects.create(
        title="Ouverte", held_on=TOMORROW, members_present="Jean Paritaire", president=president
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Deliberation.objects.filter(pk=later.pk).update(
            status=DeliberationStatus.SIGNED, signed_at=timezone.now(), digest="0" * 64
        )
    (warning,) = checks.check_dates(None, databases=["default"])
    assert warning.id == "certificates.W002" and "« Signée avant sa date »" in warning.msg


# The demo ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_deliberation_is_dated_the_day_it_is_loaded_and_signed_at_once(shipped_referential):
    from candidates import demo
    from evaluations import demo as evaluations_demo

    demo.load_demo()
    evaluations_demo.load_demo()
    deliberation = Deliberation.objects.get()
    assert deliberation.held_on == TODAY
    signed = services.sign_deliberation(deliberation, deliberation.president, PASSWORD)
    certificate_services.number_certificates(signed)
    acquired = AcquiredBloc.objects.filter(deliberation=signed)
    assert acquired.exists() and set(acquired.values_list("acquired_on", flat=True)) == {TODAY}
    assert set(Certificate.objects.values_list("issued_on", flat=True)) == {TODAY}
    assert checks.check_dates(None, databases=["default"]) == []
    # Its certificates name the demo's signatory, in office from that day: no warning that none would sign.
    assert signatory_on(TODAY).name == "Dominique Exemple"
    assert checks.check_signatory(None, databases=["default"]) == []
