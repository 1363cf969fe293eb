"""Issue 16, a corrected certificate: the holder's name corrected (or changed) in their record, a new
certificate is issued for the same bloc or CQP under the next number; the old one is « remplacé », its
public page points to the new one, the register declares the new one only, and numbers have no gap."""

import csv
import io
import zipfile
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import formats, timezone

from candidates.demo import PASSWORD
from certificates import checks, services
from certificates.models import Certificate, CertificateAction, CertificateEvent, IssuingRun, NumberSequence
from outbox.models import Message

from .test_certificates import pdf_text

pytestmark = pytest.mark.django_db

REASON = "Nom d'usage : Martin-Durand depuis son mariage."


def long_date(day):
    return formats.date_format(day, "j F Y")


@pytest.fixture
def gestionnaire(client, demo_exams):
    client.login(username="gestionnaire", password=PASSWORD)
    return client


@pytest.fixture
def issued(spring, django_capture_on_commit_callbacks):
    """Léa Martin's CCP GRU and MDR, produced and sent; then her name is corrected in her record."""
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(spring)
    gru, mdr = Certificate.objects.order_by("number")
    lea = gru.candidate
    lea.last_name = "Martin-Durand"
    lea.save(update_fields=["last_name"])
    return gru, mdr


def gestionnaire_user():
    return get_user_model().objects.get(username="gestionnaire")


def reissue(certificate, capture, reason=REASON):
    with capture(execute=True):
        return services.reissue_certificate(certificate, reason, acting_user=gestionnaire_user())


def test_a_corrected_name_reissues_the_certificate_and_the_old_page_says_replaced(
    gestionnaire, client, spring, issued, django_capture_on_commit_callbacks
):
    old, mdr = issued
    year, today = spring.held_on.year, timezone.localdate()
    url = reverse("admin:certificates_certificate_reissue", args=[old.pk])
    page = gestionnaire.get(url).content.decode()
    assert '<th scope="row">Nom sur le certificat CCP-GC-' in page
    assert "<td>Léa MARTIN</td>" in page and "<td>Léa MARTIN-DURAND</td>" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = gestionnaire.post(url, {"reason": REASON})
    new = Certificate.objects.get(replaces=old)
    assert response.status_code == 302 and response.url == reverse(
        "admin:certificates_certificate_change", args=[new.pk]
    )
    old.refresh_from_db()
    # The new one: next number, same bloc and date of issue (the deliberation's), the corrected name, produced.
    assert (new.number, new.holder_name, new.kind, new.bloc, new.acquired_bloc_id, new.issued_on) == (
        f"CCP-GC-{year}-000003",
        "Léa MARTIN-DURAND",
        "CCP",
        old.bloc,
        old.acquired_bloc_id,
        spring.held_on,
    )
    assert new.pdf and new.is_valid
    # The old one says what it said, replaced today.
    assert (old.holder_name, timezone.localdate(old.replaced_at), old.is_valid) == ("Léa MARTIN", today, False)
    event = CertificateEvent.objects.get()
    assert (event.certificate, event.action, event.replacement, event.reason, event.user.username, event.at) == (
        old,
        CertificateAction.REISSUED,
        new,
        REASON,
        "gestionnaire",
        old.replaced_at,
    )
    # In the admin: each certificate names the other, the old one keeps who re-issued it, when and why.
    old_admin = gestionnaire.get(reverse("admin:certificates_certificate_change", args=[old.pk])).content.decode()
    new_change = reverse("admin:certificates_certificate_change", args=[new.pk])
    assert f'Remplacé le {long_date(today)} par le certificat <a href="{new_change}">{new.number}</a>' in old_admin
    assert (
        '<td class="field-validity">remplacé</td>'
        in gestionnaire.get(reverse("admin:certificates_certificate_changelist")).content.decode()
    )
    when = formats.date_format(timezone.localtime(event.at), "DATETIME_FORMAT")
    assert f"{when} — réédité (nom corrigé) ({new.number}) par Gaëlle Gestionnaire : " in old_admin
    assert "Rééditer (nom corrigé)" not in old_admin and "Révoquer ce certificat" not in old_admin
    new_admin = gestionnaire.get(new_change).content.decode()
    old_change = reverse("admin:certificates_certificate_change", args=[old.pk])
    assert f'Remplace le certificat <a href="{old_change}">{old.number}</a>' in new_admin
    assert "Rééditer (nom corrigé)" in new_admin and "Révoquer ce certificat" in new_admin

    run = IssuingRun.objects.get(deliberation=spring)
    assert (run.total, run.done, run.finished_at is not None) == (3, 3, True)
    names = zipfile.ZipFile(services.write_archive(run, io.BytesIO())).namelist()
    assert names == [f"{mdr.number}.pdf", f"{new.number}.pdf"]

    # The PDF in the new name, with the date of the re-issue.
    text = " ".join(pdf_text(new.pdf.read()).split())
    assert "Léa MARTIN-DURAND" in text and "Léa MARTIN " not in text
    assert f"Réédité le {long_date(today)} ; remplace le certificat n° {old.number}." in text
    assert f"Délivré sur décision du jury paritaire national du {long_date(spring.held_on)}." in text

    # Sent to its holder like any certificate, saying which one it replaces.
    message = Message.objects.filter(kind="certificate").latest("pk")
    assert (message.to, message.subject) == (new.candidate.email, f"Votre certificat {new.number} — Ucanss")
    assert (
        f"  Numéro : {new.number}\n"
        f"  Délivré le {spring.held_on:%d/%m/%Y} à Léa MARTIN-DURAND\n"
        f"  Réédité le {today:%d/%m/%Y} : il remplace le certificat n° {old.number}, qui n'est plus valide\n"
        f"  Lien de vérification : {services.verify_url(new)}\n"
    ) in message.text
    assert [attachment["filename"] for attachment in message.attachments] == [f"{new.number}.pdf"]

    # The public pages: the old one replaced, with the link; the new one valid, re-issued.
    old_page = client.get(reverse("certificates:verify", kwargs={"code": old.code})).content.decode()
    new_url = reverse("certificates:verify", kwargs={"code": new.code})
    assert (
        f"<strong>Certificat remplacé</strong> le {long_date(today)} par le "
        f'<a class="alert-link text-nowrap" href="{new_url}">n° {new.number}</a> : il n\'est plus valide, '
        "seul le nouveau certificat fait foi." in old_page.replace("&#x27;", "'")
    )
    assert "Certificat valide" not in old_page and "Léa MARTIN<" in old_page
    new_page = client.get(new_url).content.decode()
    assert "<strong>Certificat valide</strong>" in new_page and "Léa MARTIN-DURAND" in new_page
    assert f"{long_date(today)}, en remplacement du n°&nbsp;{old.number}" in new_page
    assert checks.check_dates(None, databases=["default"]) == []


def test_a_cqp_certificate_is_reissued_as_a_cqp_under_its_own_sequence(
    client, winter, django_capture_on_commit_callbacks
):
    """The CQP's certificate, like a CCP: the same award and date of issue, the next CQP number, the old one
    « remplacé »; the CCP are left as they are."""
    with django_capture_on_commit_callbacks(execute=True):
        services.start_issuing(winter)
    old = Certificate.objects.get(kind="CQP")
    lea = old.candidate
    lea.last_name = "Martin-Durand"
    lea.save(update_fields=["last_name"])
    ccp_before = list(Certificate.objects.filter(kind="CCP").values_list("number", "holder_name", "replaced_at"))

    reissue(old, django_capture_on_commit_callbacks)
    new = Certificate.objects.get(replaces=old)  # produced once the re-issue committed
    old.refresh_from_db()
    year = winter.held_on.year
    assert (new.kind, new.number, new.cqp_award_id, new.certification, new.issued_on, new.holder_name) == (
        "CQP",
        f"CQP-GC-{year}-000002",
        old.cqp_award_id,
        old.certification,
        winter.held_on,
        "Léa MARTIN-DURAND",
    )
    assert (old.number, old.holder_name, old.is_valid, new.is_valid) == (
        f"CQP-GC-{year}-000001",
        "Léa MARTIN",
        False,
        True,
    )
    assert (
        list(Certificate.objects.filter(kind="CCP").values_list("number", "holder_name", "replaced_at")) == ccp_before
    )
    text = " ".join(pdf_text(new.pdf.read()).split())
    assert "Léa MARTIN-DURAND" in text and f"remplace le certificat n° {old.number}." in text
    old_page = client.get(reverse("certificates:verify", kwargs={"code": old.code})).content.decode()
    assert "<strong>Certificat remplacé</strong>" in old_page
    assert reverse("certificates:verify", kwargs={"code": new.code}) in old_page


def test_the_register_declares_the_current_certificate_only(gestionnaire, issued, django_capture_on_commit_callbacks):
    old, mdr = issued
    new = reissue(old, django_capture_on_commit_callbacks)
    response = gestionnaire.post(
        reverse("admin:certificates_certificate_changelist"),
        {"action": "register_csv", "_selected_action": [c.pk for c in Certificate.objects.all()]},
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [(row[0], row[6], row[9]) for row in rows[1:]] == [
        (mdr.number, "MDR", "Martin-Durand"),
        (new.number, "GRU", "Martin-Durand"),
    ]


def test_numbers_have_no_gap_and_a_refused_reissue_takes_none(
    winter, spring, issued, django_capture_on_commit_callbacks
):
    old, mdr = issued
    year = spring.held_on.year
    new = reissue(old, django_capture_on_commit_callbacks)
    with pytest.raises(services.CertificateError, match="porte le même nom que le certificat"):
        reissue(new, django_capture_on_commit_callbacks)
    with (
        mock.patch.object(services, "start_issuing", side_effect=services.IssuingUnderWay(services.UNDER_WAY)),
        pytest.raises(services.IssuingUnderWay),
    ):
        reissue(mdr, django_capture_on_commit_callbacks)  # issuing under way: all of it rolled back
    assert not Certificate.objects.get(pk=mdr.pk).is_replaced
    assert NumberSequence.objects.get(prefix=f"CCP-GC-{year}").last == 3
    reissue(mdr, django_capture_on_commit_callbacks)
    services.number_certificates(winter)
    numbers = sorted(Certificate.objects.filter(kind="CCP").values_list("number", flat=True))
    assert numbers == [f"CCP-GC-{year}-{n:06d}" for n in range(1, 6)]
    assert list(Certificate.objects.current().filter(kind="CCP").values_list("number", flat=True)) == numbers[2:]


def test_what_cannot_be_reissued_says_why(spring, issued, django_capture_on_commit_callbacks):
    old, mdr = issued
    with pytest.raises(services.CertificateError, match="Indiquez le motif de la réédition."):
        reissue(old, django_capture_on_commit_callbacks, reason="  ")
    new = reissue(old, django_capture_on_commit_callbacks)
    with pytest.raises(services.CertificateError) as refused:
        reissue(old, django_capture_on_commit_callbacks)
    assert str(refused.value) == f"Ce certificat est déjà remplacé par le n° {new.number}."
    with pytest.raises(services.CertificateError) as refused:
        services.revoke(old, gestionnaire_user(), "Erreur.")
    assert (
        str(refused.value) == f"Ce certificat est remplacé par le n° {new.number} : c'est celui-ci qu'il faut révoquer."
    )
    with pytest.raises(services.CertificateError) as refused:
        reissue(new, django_capture_on_commit_callbacks)
    assert str(refused.value) == (
        "Le dossier du candidat porte le même nom que le certificat (Léa MARTIN-DURAND) : corrigez d'abord "
        "le nom dans le dossier du candidat, puis rééditez le certificat."
    )
    services.revoke(mdr, gestionnaire_user(), "Fraude constatée.")
    with pytest.raises(services.CertificateError, match="Ce certificat est révoqué : il n'est pas réédité."):
        reissue(mdr, django_capture_on_commit_callbacks)
    assert list(CertificateEvent.objects.values_list("certificate__number", "action")) == [
        (old.number, "reissued"),
        (mdr.number, "revoked"),
    ]


def test_a_certificate_still_in_production_is_not_reissued(spring, django_capture_on_commit_callbacks):
    services.number_certificates(spring)
    certificate = Certificate.objects.first()
    with pytest.raises(services.CertificateError, match="en cours de production"):
        reissue(certificate, django_capture_on_commit_callbacks)


def test_the_database_keeps_one_current_certificate_per_bloc(issued, django_capture_on_commit_callbacks):
    old, _mdr = issued
    new = reissue(old, django_capture_on_commit_callbacks)
    same = {
        field: getattr(new, field)
        for field in ("kind", "candidate_id", "certification_id", "bloc_id", "acquired_bloc_id", "deliberation_id")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(number="CCP-GC-2000-000001", holder_name="X", issued_on=new.issued_on, **same)
    # A replaced certificate is never revoked (its replacement is): the database refuses both at once.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE certificates_certificate SET revoked_at = %s, revocation_reason = 'Erreur.' WHERE id = %s",
            [timezone.now(), old.pk],
        )
    assert Certificate.objects.get(pk=old.pk).revoked_at is None


def test_the_check_reports_a_certificate_replaced_by_nothing(issued, django_capture_on_commit_callbacks):
    old, mdr = issued
    new = reissue(old, django_capture_on_commit_callbacks)
    assert checks.check_dates(None, databases=["default"]) == []
    with connection.cursor() as cursor:  # as a stray script would: replaced, with no replacement
        cursor.execute(
            "UPDATE certificates_certificate SET replaced_at = %s WHERE id = %s",
            [connection.ops.adapt_datetimefield_value(timezone.now()), mdr.pk],
        )
    (warning,) = checks.check_dates(None, databases=["default"])
    assert (warning.id, warning.msg) == (
        "certificates.W008",
        f"1 réédition incohérente (le certificat remplacé et son remplaçant ne se correspondent pas) : {mdr.number}.",
    )
    assert new.replaces_id == old.pk
