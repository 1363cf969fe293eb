"""Issue 15: when its PDF is produced, each certificate goes to its holder, with its verification link and
the signed PDF attached; issuing again sends nothing twice, and a holder without address blocks nothing."""

import pytest
from django.core import mail

from certificates import services
from certificates.models import Certificate, IssuingRun
from outbox.models import Message, MessageStatus
from outbox.services import email_of

pytestmark = pytest.mark.django_db


def issue(deliberation, capture):
    with capture(execute=True):
        return services.start_issuing(deliberation)


def attached(message):
    """The message's attachments as sent: the PDFs are referred to by their storage name, read at sending."""
    assert all(set(item) == {"filename", "mimetype", "stored"} for item in message.attachments)  # no copy
    return {filename: content for filename, content, _mimetype in email_of(message).attachments}


def test_each_holder_receives_their_certificates_with_link_and_signed_pdf(
    winter, spring, django_capture_on_commit_callbacks
):
    issue(spring, django_capture_on_commit_callbacks)
    issue(winter, django_capture_on_commit_callbacks)
    for deliberation in (spring, winter):
        (message,) = Message.objects.filter(kind="certificate", deliberation_id=deliberation.pk)
        certificates = list(Certificate.objects.filter(deliberation=deliberation).order_by("number"))
        candidate = certificates[0].candidate
        assert (message.to, message.candidate_id, message.topic) == (
            candidate.email,
            candidate.pk,
            f"deliberation:{deliberation.pk}",
        )
        assert message.subject == f"Vos {len(certificates)} certificats — Ucanss"
        pdfs = attached(message)
        assert sorted(pdfs) == [f"{certificate.number}.pdf" for certificate in certificates]
        for certificate in certificates:
            assert pdfs[f"{certificate.number}.pdf"].startswith(b"%PDF")
            assert pdfs[f"{certificate.number}.pdf"] == certificate.pdf.read()
            assert f"Numéro : {certificate.number}" in message.text
            assert f"Lien de vérification : {services.verify_url(certificate)}" in message.text
    assert candidate.email and message.status == MessageStatus.SENT
    winter_text = message.text
    cqp = Certificate.objects.get(kind="CQP")
    ccp = Certificate.objects.get(deliberation=winter, kind="CCP")
    assert f"Certificat de qualification professionnelle (CQP) {cqp.certification.title}\n" in winter_text
    assert (
        f"Certificat de compétences professionnelles (CCP) du bloc {ccp.bloc.code} « {ccp.bloc.title} », "
        f"du CQP {ccp.certification.title}\n" in winter_text
    )
    assert "signé électroniquement par l'Ucanss" in winter_text
    assert "permet à un employeur ou à tout organisme de vérifier" in winter_text
    # Sent through Django's mail API with the PDFs attached.
    sent = [email for email in mail.outbox if email.subject == message.subject]
    assert len(sent) == 2 and all(len(email.attachments) == 2 for email in sent)


def test_issuing_again_queues_nothing_more(spring, django_capture_on_commit_callbacks):
    issue(spring, django_capture_on_commit_callbacks)
    assert Message.objects.filter(kind="certificate").count() == 1
    issue(spring, django_capture_on_commit_callbacks)
    assert IssuingRun.objects.get().finished_at is not None
    assert Message.objects.filter(kind="certificate").count() == 1


def test_a_holder_without_email_is_not_sendable_and_issuing_completes(spring, django_capture_on_commit_callbacks):
    services.number_certificates(spring)
    candidate = Certificate.objects.first().candidate
    candidate.email = ""
    candidate.save(update_fields=["email"])
    run = issue(spring, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert (run.done, run.total, run.finished_at is not None) == (2, 2, True)
    (message,) = Message.objects.filter(kind="certificate")
    assert (message.to, message.status, message.last_error) == (
        "",
        MessageStatus.NOT_SENDABLE,
        "Aucune adresse électronique.",
    )
    assert len(attached(message)) == 2
