"""Issue 16, appeals (recours): an administrator records a candidate's appeal against a signed decision, within
the time limit; a later deliberation of the national joint jury confirms or reverses it with a justification.
Nothing signed is edited: the decision on appeal supersedes the contested one, both stay visible with their
links; a reversal to « validé » issues the CCP (and the CQP if the file is now complete), a reversal the other
way withdraws the bloc and revokes its certificates with the appeal as reason."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import AcquiredBloc, CqpAward
from certificates import services as certificates
from certificates.models import Certificate, CertificateKind
from evaluations import appeals, selectors, services
from evaluations.models import Appeal, BlocDecision, FileOutcome, Ruling
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, WINTER, deliberation_for, file_of, run_exam, user
from tests.evaluations.test_resit import refusals, resit_of

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% lettre du candidat\n%%EOF\n"
GROUNDS = "Le jury n'a pas tenu compte de la situation présentée pour la compétence 3."


def gestionnaire():
    return get_user_model().objects.get(username="gestionnaire")


def letter(name="courrier.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def sign(deliberation, capture):
    with capture(execute=True):
        deliberation = services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
        certificates.start_issuing(deliberation)
    return deliberation


@pytest.fixture
def gdu_failed(demo_exams, signing_certificate, django_capture_on_commit_callbacks):
    """Léa Martin: GRU and MDR validated, GDU not validated, by one signed deliberation; her two CCPs issued."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Martin", "GDU"), validated=False, verdict="unfavourable", recommendations="Revoir la GDU.")
    first = deliberation_for(SPRING, WINTER)
    services.add_ready_files(first, user("jpn"))
    assert file_of(first, "Martin").outcome == FileOutcome.CCP
    return sign(first, django_capture_on_commit_callbacks)


def decision(deliberation, bloc):
    return BlocDecision.objects.get(
        file__deliberation=deliberation, file__candidate__last_name="Martin", bloc__code=bloc
    )


def test_an_appeal_reversing_a_failed_bloc_issues_its_ccp_and_the_cqp_now_complete(
    gdu_failed, django_capture_on_commit_callbacks
):
    contested = decision(gdu_failed, "GDU")
    appeal = appeals.record_appeal(
        contested,
        received_on=timezone.localdate(),
        grounds=GROUNDS,
        documents=[letter()],
        acting_user=gestionnaire(),
    )
    assert appeal.documents.get().name == "courrier.pdf"

    later = deliberation_for()  # no session: the file comes for the appeal alone
    assert selectors.readiness_summary(later).appeals == 1
    assert services.add_ready_files(later, user("jpn")) == 1
    appeal.refresh_from_db()
    assert appeal.heard_in == later
    ruling = appeal.ruling
    assert (ruling.file, ruling.bloc.code, ruling.exam, ruling.grid) == (
        file_of(later, "Martin"),
        "GDU",
        contested.exam,
        contested.grid,
    )
    assert (ruling.computed, ruling.decision, ruling.recommendations) == (
        Ruling.NOT_VALIDATED,
        Ruling.NOT_VALIDATED,
        "Revoir la GDU.",
    )  # the contested decision, kept until the jury rules
    assert selectors.readiness_summary(later).appeals == 0

    with pytest.raises(services.DeliberationError, match="demande une justification"):
        services.decide_bloc(ruling, user("jpn"), Ruling.VALIDATED, "")
    services.decide_bloc(ruling, user("jpn"), Ruling.VALIDATED, "La situation présentée couvrait la compétence 3.")
    assert file_of(later, "Martin").outcome == FileOutcome.CQP

    later = sign(later, django_capture_on_commit_callbacks)
    gdu = AcquiredBloc.objects.get(candidate=contested.file.candidate, bloc__code="GDU")
    assert (gdu.deliberation, gdu.acquired_on) == (later, later.held_on)
    award = CqpAward.objects.get(candidate=contested.file.candidate)
    assert award.deliberation == later
    issued = Certificate.objects.filter(deliberation=later).order_by("kind")
    assert [(c.kind, c.bloc.code if c.bloc else None) for c in issued] == [
        (CertificateKind.CCP, "GDU"),
        (CertificateKind.CQP, None),
    ]
    assert all(certificate.pdf for certificate in issued)
    # Nothing signed was edited: the contested decision is as it was signed, superseded by the ruling.
    contested.refresh_from_db()
    assert (contested.decision, contested.justification, contested.file.deliberation) == (
        Ruling.NOT_VALIDATED,
        "",
        gdu_failed,
    )
    assert contested.appeal.ruling.decision == Ruling.VALIDATED


def test_an_appeal_confirmed_leaves_the_record_as_it_was(gdu_failed, django_capture_on_commit_callbacks):
    contested = decision(gdu_failed, "GDU")
    appeal = appeals.record_appeal(
        contested, received_on=timezone.localdate(), grounds=GROUNDS, acting_user=gestionnaire()
    )
    later = deliberation_for()
    services.add_ready_files(later, user("jpn"))
    with pytest.raises(services.DeliberationError) as refused:
        services.sign_deliberation(later, user("jpn"), PASSWORD)
    assert str(refused.value) == (
        "La délibération n'est pas signée. Recours de MARTIN Léa sur le bloc GDU : décidez-le, avec sa justification."
    )
    services.decide_bloc(appeal.ruling, user("jpn"), Ruling.NOT_VALIDATED, "Les critères 3 et 4 restent non observés.")
    sign(later, django_capture_on_commit_callbacks)
    candidate = contested.file.candidate
    assert sorted(candidate.acquired_bloc_codes()) == ["GRU", "MDR"]
    assert not CqpAward.objects.filter(candidate=candidate).exists()
    assert Certificate.objects.filter(deliberation=later).count() == 0
    assert appeals.is_reversal(Appeal.objects.get().ruling) is False


def test_an_appeal_out_of_time_is_refused_with_its_deadline(
    demo_exams, signing_certificate, monkeypatch, django_capture_on_commit_callbacks, settings
):
    run_exam(exam_of("Martin", "GRU"), validated=False, verdict="unfavourable")
    run_exam(exam_of("Martin", "MDR"))
    first = deliberation_for(SPRING)
    first.held_on = timezone.localdate() - datetime.timedelta(days=100)
    first.save(update_fields=["held_on"])
    services.add_ready_files(first, user("jpn"))
    signed_at = timezone.now() - datetime.timedelta(days=90)
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: signed_at)
        sign(first, django_capture_on_commit_callbacks)
    notified = timezone.localdate(signed_at)
    deadline = appeals.rules.appeal_deadline(notified, 2)
    contested = decision(first, "GRU")
    with pytest.raises(appeals.AppealError) as refused:
        appeals.record_appeal(contested, received_on=timezone.localdate(), grounds=GROUNDS, acting_user=gestionnaire())
    assert refused.value.messages == [
        f"Recours hors délai : reçu le {appeals.rules.long_date(timezone.localdate())}, après le "
        f"{appeals.rules.long_date(deadline)}, fin du délai de 2 mois ouvert par la notification de la décision le "
        f"{appeals.rules.long_date(notified)}."
    ]
    assert not Appeal.objects.exists()
    # The time limit is a setting (APPEAL_DEADLINE_MONTHS): a shorter one ends sooner, and the message says it.
    settings.APPEAL_DEADLINE_MONTHS = 1
    with pytest.raises(appeals.AppealError) as refused:
        appeals.record_appeal(contested, received_on=deadline, grounds=GROUNDS, acting_user=gestionnaire())
    assert refused.value.messages == [
        f"Recours hors délai : reçu le {appeals.rules.long_date(deadline)}, après le "
        f"{appeals.rules.long_date(appeals.rules.appeal_deadline(notified, 1))}, fin du délai de 1 mois ouvert par la "
        f"notification de la décision le {appeals.rules.long_date(notified)}."
    ]
    settings.APPEAL_DEADLINE_MONTHS = 2
    # Received in time, even if recorded today: it is the day received that counts.
    appeal = appeals.record_appeal(contested, received_on=deadline, grounds=GROUNDS, acting_user=gestionnaire())
    assert appeal.received_on == deadline


def test_what_cannot_be_appealed_says_why(gdu_failed):
    contested = decision(gdu_failed, "GDU")
    today = timezone.localdate()
    with pytest.raises(appeals.AppealError) as refused:
        appeals.record_appeal(
            contested,
            received_on=today,
            grounds="  ",
            documents=[letter("photo.exe", b"MZ\x90\x00"), letter("lourd.pdf", PDF + b" " * (10 * 1024 * 1024))],
            acting_user=gestionnaire(),
        )
    assert refused.value.messages == [
        "Indiquez les motifs du recours.",
        "photo.exe : ni un PDF, ni une image PNG ou JPEG ; seuls ces formats sont acceptés.",
        "lourd.pdf : 10,0\xa0Mio, au-delà de 10,0\xa0Mio.",
    ]
    appeals.record_appeal(contested, received_on=today, grounds=GROUNDS, acting_user=gestionnaire())
    with pytest.raises(appeals.AppealError, match="Un recours contre cette décision a déjà été reçu le"):
        appeals.record_appeal(contested, received_on=today, grounds=GROUNDS, acting_user=gestionnaire())
    open_deliberation = deliberation_for()
    services.add_ready_files(open_deliberation, user("jpn"))
    ruling = Appeal.objects.get().ruling
    with pytest.raises(appeals.AppealError, match="n'est pas signée : la décision se discute encore devant elle"):
        appeals.record_appeal(ruling, received_on=today, grounds=GROUNDS, acting_user=gestionnaire())
    assert Appeal.objects.count() == 1


def test_a_reversal_down_withdraws_the_bloc_and_the_cqp_and_revokes_their_certificates(
    demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    for code in ("GRU", "MDR", "GDU"):
        run_exam(exam_of("Martin", code))
    first = deliberation_for(SPRING, WINTER)
    services.add_ready_files(first, user("jpn"))
    first = sign(first, django_capture_on_commit_callbacks)
    assert Certificate.objects.count() == 4  # three CCP and the CQP
    contested = decision(first, "MDR")
    appeal = appeals.record_appeal(
        contested,
        received_on=timezone.localdate(),
        grounds="L'employeur signale que la situation présentée n'était pas celle du candidat.",
        acting_user=gestionnaire(),
    )
    later = deliberation_for()
    services.add_ready_files(later, user("jpn"))
    file = file_of(later, "Martin")
    assert file.outcome == FileOutcome.CQP  # confirmed until the jury rules
    services.decide_bloc(
        appeal.ruling, user("jpn"), Ruling.NOT_VALIDATED, "Situation non personnelle : fraude établie."
    )
    file.refresh_from_db()
    assert (file.outcome, file.outcome_reason) == (
        FileOutcome.NONE,
        "aucun nouveau bloc validé · CQP non délivré : 2 blocs acquis sur 3 ; bloc manquant : MDR ; "
        "formations Pass et Prem'ss validées",
    )
    sign(later, django_capture_on_commit_callbacks)

    candidate = contested.file.candidate
    assert sorted(candidate.acquired_bloc_codes()) == ["GDU", "GRU"]
    mdr = AcquiredBloc.objects.get(candidate=candidate, bloc__code="MDR")
    award = CqpAward.objects.get(candidate=candidate)
    for holding in (mdr, award):
        assert (holding.withdrawn_on, holding.withdrawn_by, holding.deliberation) == (
            later.held_on,
            appeal.ruling,
            first,
        )
    revoked = Certificate.objects.filter(revoked_at__isnull=False).order_by("kind")
    assert [(c.kind, c.acquired_bloc or c.cqp_award) for c in revoked] == [
        (CertificateKind.CCP, mdr),
        (CertificateKind.CQP, award),
    ]
    reason = (
        f"Décision réformée sur recours par la délibération du jury paritaire national du "
        f"{appeals.rules.long_date(later.held_on)} : bloc MDR non validé. Situation non personnelle : fraude établie."
    )
    assert {c.revocation_reason for c in revoked} == {reason}
    assert Certificate.objects.filter(revoked_at__isnull=True).count() == 2  # GRU and GDU stay in force
    # The bloc is no longer held: a new exam on it may be convened, and what it gives is acquired again.
    assert selectors.held_bloc_codes([candidate.pk])[candidate.pk] == {"GDU", "GRU"}


def test_the_jury_reads_the_appeal_and_both_decisions_link_to_each_other(gdu_failed, client):
    contested = decision(gdu_failed, "GDU")
    appeal = appeals.record_appeal(
        contested, received_on=timezone.localdate(), grounds=GROUNDS, documents=[letter()], acting_user=gestionnaire()
    )
    later = deliberation_for()
    services.add_ready_files(later, user("jpn"))
    client.force_login(user("jpn"))
    new_file = reverse("evaluations:candidate_file", kwargs={"pk": later.pk, "file_pk": appeal.ruling.file_id})
    old_file = reverse("evaluations:candidate_file", kwargs={"pk": gdu_failed.pk, "file_pk": contested.file_id})
    page = client.get(new_file).content.decode()
    assert GROUNDS.replace("'", "&#x27;") in page
    assert f'href="{old_file}#decision-{contested.pk}"' in page
    document = appeal.documents.get()
    document_url = reverse(
        "evaluations:appeal_document", kwargs={"pk": later.pk, "appeal_pk": appeal.pk, "document_pk": document.pk}
    )
    assert document_url in page
    download = client.get(document_url)
    assert (download.status_code, b"".join(download.streaming_content)) == (200, PDF)
    assert download["Content-Disposition"] == 'attachment; filename="courrier.pdf"'
    # The contested decision's page says where the appeal stands, and links to it.
    page = client.get(old_file).content.decode()
    assert "examiné par la délibération" in page
    assert f'href="{new_file}#decision-{appeal.ruling.pk}"' in page
    # Another deliberation's address does not give the document.
    other = reverse(
        "evaluations:appeal_document",
        kwargs={"pk": gdu_failed.pk, "appeal_pk": appeal.pk, "document_pk": document.pk},
    )
    assert client.get(other).status_code == 404


def test_the_administrator_records_an_appeal_in_the_admin(gdu_failed, client):
    contested = decision(gdu_failed, "GDU")
    client.force_login(gestionnaire())
    add = reverse("admin:evaluations_appeal_add")
    form = client.get(f"{add}?contested={contested.pk}")
    assert form.status_code == 200
    too_early = timezone.localdate() - datetime.timedelta(days=1)
    refused = client.post(
        add, {"contested": contested.pk, "received_on": too_early.strftime("%d/%m/%Y"), "grounds": GROUNDS}
    )
    assert refused.status_code == 200
    assert "avant la notification de la décision" in refused.content.decode()
    assert not Appeal.objects.exists()
    accepted = client.post(
        add,
        {
            "contested": contested.pk,
            "received_on": timezone.localdate().strftime("%d/%m/%Y"),
            "grounds": GROUNDS,
            "documents": [letter()],
        },
    )
    assert accepted.status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.contested, appeal.recorded_by, appeal.documents.count()) == (contested, gestionnaire(), 1)
    page = client.get(reverse("admin:evaluations_appeal_change", args=[appeal.pk])).content.decode()
    assert "En attente de la prochaine délibération" in page
    assert reverse("admin:evaluations_appeal_document", args=[appeal.pk, appeal.documents.get().pk]) in page


def test_a_bloc_under_appeal_is_examined_again_only_once_the_appeal_is_ruled_on(
    gdu_failed, django_capture_on_commit_callbacks
):
    appeal = appeals.record_appeal(
        decision(gdu_failed, "GDU"), received_on=timezone.localdate(), grounds=GROUNDS, acting_user=gestionnaire()
    )
    assert refusals(resit_of("Martin", "GDU")) == [
        "Le candidat a formé un recours contre la décision sur le bloc GDU : une nouvelle épreuve se programme une "
        "fois le recours tranché, s'il confirme le bloc non validé."
    ]
    later = deliberation_for()
    services.add_ready_files(later, user("jpn"))
    services.decide_bloc(Appeal.objects.get(pk=appeal.pk).ruling, user("jpn"), Ruling.NOT_VALIDATED, "Confirmé.")
    sign(later, django_capture_on_commit_callbacks)
    resit_of("Martin", "GDU").full_clean()  # the appeal confirmed the bloc not validated: it may be taken again
