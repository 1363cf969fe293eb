"""Issue 17, the candidate's own page (/mon-espace/): their blocs for both CQPs and what remains of each, their
convocations and their calendar files, their results once the national joint jury has signed and never before,
their certificates, their data, and their requests for correction. Anything not theirs is « not found »."""

import datetime
import json

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import formats, timezone

from candidates import privacy, roles
from candidates import services as exam_services
from candidates.demo import PASSWORD, load_demo
from candidates.models import Candidate, CorrectionRequest, Exam
from certificates import services as certificate_services
from certificates.models import Certificate
from evaluations import appeals
from evaluations import services as evaluation_services
from evaluations.models import BlocDecision, Ruling
from outbox.models import Message, MessageKind
from spaces import corrections
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, WINTER, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

GRU = "Gestion de la relation usagers de la Sécurité sociale"
MDR = "Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale"
GDU = "Gestion des droits de l'utilisateur de la Sécurité sociale"
POS = "Promotion des offres de services de la Sécurité sociale"
TD = "Traitement et fiabilité des données de la Sécurité sociale"
PROFESSIONAL = "Revoir l'analyse des risques d'un dossier avant sa liquidation."
NATIONAL = "Suivre le module « maîtrise des risques » avant de repasser le bloc."
WAITING = "le jury paritaire national n'a pas encore signé sa décision."
PAGE = reverse("spaces:candidate_home")


@pytest.fixture
def demo_today(shipped_referential):
    """The demo world as of today: Léa Martin's spring exams held (GRU, MDR), her GDU exam in ten days (9h30,
    remote), Hugo Lambert's VAE interview in twelve."""
    load_demo()


def day(value):
    """« 12 juin 2026 »."""
    return formats.date_format(value, "j F Y")


def text(response, element_id):
    """The text a reader reads in one element of the page, spaces collapsed."""
    element = lxml.html.fromstring(response.content.decode()).get_element_by_id(element_id)
    return " ".join(element.text_content().split())


def ids(response, xpath):
    return [element.get("id") for element in lxml.html.fromstring(response.content.decode()).xpath(xpath)]


def as_candidate(client, username="lea.martin"):
    client.force_login(user(username))
    return client


def give_account(last_name, username):
    """An account for a demo candidate who has none."""
    candidate = Candidate.objects.get(last_name=last_name)
    candidate.user = get_user_model().objects.create_user(username, email=candidate.email, password=PASSWORD)
    candidate.save(update_fields=["user"])
    return candidate


def spring_deliberation(*, national=None):
    """Léa Martin's spring file before the national jury, not signed yet: GRU validated; MDR not, with the
    professional jury's recommendations and, if given, other ones written by the national jury."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"), validated=False, verdict="unfavourable", recommendations=PROFESSIONAL)
    deliberation = deliberation_for(SPRING)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    if national is not None:
        mdr = BlocDecision.objects.get(file__deliberation=deliberation, bloc__code="MDR")
        evaluation_services.decide_bloc(mdr, user("jpn"), Ruling.NOT_VALIDATED, recommendations=national)
    return deliberation


def sign(deliberation, capture):
    """Signed, its certificates issued (the task worker, immediate in tests, produces and signs the PDFs)."""
    with capture(execute=True):
        deliberation = evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
        certificate_services.start_issuing(deliberation)
    return deliberation


# --- The blocs of both CQPs ---------------------------------------------------------------------------------


def test_each_bloc_of_both_cqps_says_its_state_and_what_remains_of_each(
    client, demo_today, signing_certificate, django_capture_on_commit_callbacks
):
    gru, mdr, gdu = (exam_of("Martin", code).scheduled_at for code in ("GRU", "MDR", "GDU"))
    page = as_candidate(client).get(PAGE)
    assert text(page, "target") == (
        "Léa Martin — CQP GC « Gestionnaire conseil de la Sécurité sociale », par la formation."
    )
    assert ids(page, "//section[starts-with(@id, 'cqp-')]") == ["cqp-GC", "cqp-COS"]  # hers first
    assert text(page, "cqp-GC-GRU") == f"GRU {GRU} En attente de délibération Épreuve passée le {day(gru)} : {WAITING}"
    assert text(page, "cqp-GC-MDR") == f"MDR {MDR} En attente de délibération Épreuve passée le {day(mdr)} : {WAITING}"
    assert text(page, "cqp-GC-GDU") == f"GDU {GDU} Épreuve prévue le {day(gdu)} à 09h30"
    assert text(page, "cqp-COS-GRU") == text(page, "cqp-GC-GRU")  # one bloc, shared by both CQPs
    assert text(page, "cqp-COS-POS") == f"POS {POS} À passer"
    assert text(page, "cqp-COS-TD") == f"TD {TD} À passer"
    assert text(page, "remaining-GC") == "Reste à valider pour le CQP GC : les blocs GRU, MDR, GDU."
    assert text(page, "remaining-COS") == "Reste à valider pour le CQP COS : les blocs GRU, MDR, POS, TD."

    deliberation = sign(spring_deliberation(), django_capture_on_commit_callbacks)
    page = client.get(PAGE)
    signed_on = day(deliberation.held_on)
    acquired = f"GRU {GRU} Acquis le {signed_on} par le jury paritaire national, CQP GC"
    assert text(page, "cqp-GC-GRU") == text(page, "cqp-COS-GRU") == acquired
    not_validated = f"MDR {MDR} À passer Non validé par le jury paritaire national du {signed_on}."
    assert text(page, "cqp-GC-MDR") == text(page, "cqp-COS-MDR") == not_validated
    assert text(page, "cqp-GC-GDU") == f"GDU {GDU} Épreuve prévue le {day(gdu)} à 09h30"
    assert text(page, "remaining-GC") == "Reste à valider pour le CQP GC : les blocs MDR, GDU."
    assert text(page, "remaining-COS") == "Reste à valider pour le CQP COS : les blocs MDR, POS, TD."


def test_blocs_taken_over_from_the_other_cqp_count_for_both(client, demo_today):
    """Amina Diallo aims at the COS and holds GRU and MDR from an earlier CQP GC course."""
    give_account("Diallo", "amina.diallo")
    page = as_candidate(client, "amina.diallo").get(PAGE)
    assert ids(page, "//section[starts-with(@id, 'cqp-')]") == ["cqp-COS", "cqp-GC"]
    held_on = day(timezone.localdate() - datetime.timedelta(days=500))
    origin = "Reprise de l'historique : délibération du jury paritaire national (CQP GC)"
    assert text(page, "cqp-COS-GRU") == text(page, "cqp-GC-GRU") == f"GRU {GRU} Acquis le {held_on} {origin}"
    assert text(page, "cqp-COS-MDR") == f"MDR {MDR} Acquis le {held_on} {origin}"
    assert text(page, "remaining-COS") == "Reste à valider pour le CQP COS : les blocs POS, TD."
    assert text(page, "remaining-GC") == "Reste à valider pour le CQP GC : le bloc GDU."


def test_a_training_not_validated_remains_for_each_cqp(client, demo_today):
    """Chloé Fontaine has not validated Prem'ss yet."""
    give_account("Fontaine", "chloe.fontaine")
    page = as_candidate(client, "chloe.fontaine").get(PAGE)
    pass_on = day(timezone.localdate() - datetime.timedelta(days=150))
    assert (text(page, "training-pass"), text(page, "training-premss")) == (f"validée le {pass_on}", "non validée")
    assert (
        text(page, "remaining-GC")
        == "Reste à valider pour le CQP GC : les blocs GRU, MDR, GDU et la formation Prem'ss."
    )
    assert text(page, "remaining-COS") == (
        "Reste à valider pour le CQP COS : les blocs GRU, MDR, POS, TD et la formation Prem'ss."
    )


def test_the_cqp_awarded_is_said_and_nothing_remains(client, demo_exams, django_capture_on_commit_callbacks):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Martin", "GDU"))
    deliberation = deliberation_for(SPRING, WINTER)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    page = as_candidate(client).get(PAGE)
    today = day(deliberation.held_on)
    assert text(page, "award-GC") == (
        f"Le CQP GC « Gestionnaire conseil de la Sécurité sociale » vous a été délivré le {today}."
    )
    assert text(page, "remaining-GC") == f"CQP GC délivré le {today}."
    assert text(page, "remaining-COS") == "Reste à valider pour le CQP COS : les blocs POS, TD."


# --- Convocations and closed exams --------------------------------------------------------------------------


def test_an_exam_to_come_shows_its_convocation_and_its_calendar_file(client, demo_today):
    exam = exam_of("Martin", "GDU")
    starts = timezone.localtime(exam.scheduled_at)
    page = as_candidate(client).get(PAGE)
    assert text(page, f"convocation-{exam.pk}") == (
        f"Épreuve du bloc GDU « {GDU} » "
        f"Date le {formats.date_format(starts, 'l j F Y')} à 09h30 (heure de Paris), jusqu'à 11h00 environ "
        "Durée 1 h 30 "
        "Épreuve Observation en situation réelle de travail "
        "Visioconférence https://visio.demo.invalid/gc-martin "
        "Jury Claire Dumas (présidence du jury) et Sophie Bernard (représentation métier) "
        "À apporter votre carnet de suivi des compétences, avec les attestations de votre tuteur et de votre "
        "manager une pièce d'identité "
        "Ajouter à mon agenda (fichier .ics)"
    )
    url = reverse("spaces:candidate_exam_calendar", kwargs={"pk": exam.pk})
    assert url == f"/mon-espace/epreuves/{exam.pk}/convocation.ics"
    calendar = client.get(url)
    assert (calendar.status_code, calendar["Content-Type"]) == (200, "text/calendar; charset=utf-8")
    assert calendar["Content-Disposition"] == (f'attachment; filename="convocation-GDU-{starts:%Y-%m-%d}.ics"')
    lines = calendar.content.decode().splitlines()
    assert f"UID:epreuve-{exam.pk}@certification.example.fr" in lines  # the convocation's own event
    assert f"DTSTART;TZID=Europe/Paris:{starts:%Y%m%dT093000}" in lines
    assert "LOCATION:https://visio.demo.invalid/gc-martin" in lines

    hugo = exam_of("Lambert")  # another candidate's exam: it does not exist for her
    assert client.get(reverse("spaces:candidate_exam_calendar", kwargs={"pk": hugo.pk})).status_code == 404
    assert client.get(reverse("spaces:candidate_exam_calendar", kwargs={"pk": 10**9})).status_code == 404


def test_the_vae_interview_convocation_asks_for_the_livret_2(client, demo_today):
    interview = exam_of("Lambert")
    page = as_candidate(client, "hugo.lambert").get(PAGE)
    assert text(page, f"convocation-{interview.pk}").startswith("Entretien avec le jury VAE — CQP GC Date le ")
    assert "À apporter votre livret 2, dont le jury VAE s'entretiendra avec vous une pièce d'identité" in text(
        page, f"convocation-{interview.pk}"
    )
    received = day(timezone.localdate() - datetime.timedelta(days=40))
    assert f"reçu le {received}" in text(page, "documents-livret2")  # with the upload (spaces/_documents.html)
    planned = f"Épreuve prévue entretien VAE le {day(interview.scheduled_at)} à 14h00"
    assert text(page, "cqp-GC-GDU") == f"GDU {GDU} {planned}"
    assert text(page, "cqp-COS-GRU") == f"GRU {GRU} {planned}"  # a bloc of the CQP GC too
    assert text(page, "cqp-COS-POS") == f"POS {POS} À passer"


def test_closed_exams_show_their_outcome_and_offer_no_calendar(client, demo_today):
    gestionnaire = user("gestionnaire")
    gru, mdr, gdu = (exam_of("Martin", code) for code in ("GRU", "MDR", "GDU"))
    exam_services.record_absence(gru, acting_user=gestionnaire)
    exam_services.excuse_absence(mdr, "Arrêt maladie du 16 au 20 juin.", acting_user=gestionnaire)
    exam_services.cancel_exam(gdu, "Jury indisponible : l'épreuve sera reprogrammée.", acting_user=gestionnaire)
    page = as_candidate(client).get(PAGE)
    assert text(page, "no-upcoming") == "Aucune épreuve à venir."
    assert text(page, f"exam-{gru.pk}") == (
        f"Bloc GRU, le {day(gru.scheduled_at)} à 09h00 : absence l'épreuve s'est tenue sans vous ; "
        "le jury paritaire national en décidera."
    )
    assert text(page, f"exam-{mdr.pk}") == (
        f"Bloc MDR, le {day(mdr.scheduled_at)} à 14h00 : absence excusée Arrêt maladie du 16 au 20 juin."
    )
    assert text(page, f"exam-{gdu.pk}") == (
        f"Bloc GDU, le {day(gdu.scheduled_at)} à 09h30 : annulée Jury indisponible : l'épreuve sera reprogrammée."
    )
    assert text(page, "cqp-GC-GRU") == (
        f"GRU {GRU} En attente de délibération Absence à l'épreuve du {day(gru.scheduled_at)} : {WAITING}"
    )
    assert text(page, "cqp-GC-MDR") == f"MDR {MDR} À passer"
    assert text(page, "cqp-GC-GDU") == f"GDU {GDU} À passer"
    assert client.get(reverse("spaces:candidate_exam_calendar", kwargs={"pk": gdu.pk})).status_code == 404


# --- Results: once signed, never before ---------------------------------------------------------------------


def test_results_show_once_the_deliberation_is_signed_with_both_juries_recommendations(
    client, demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    deliberation = spring_deliberation(national=NATIONAL)
    lea = exam_of("Martin", "GRU").candidate
    page = as_candidate(client).get(PAGE)
    assert text(page, "no-results") == "Aucun résultat pour l'instant."
    content = page.content.decode()
    assert "non validé" not in content and PROFESSIONAL not in content and NATIONAL not in content
    assert text(page, "cqp-GC-MDR").endswith(
        f"En attente de délibération Épreuve passée le {day(exam_of('Martin', 'MDR').scheduled_at)} : {WAITING}"
    )
    data = json.loads(client.get(reverse("spaces:candidate_data")).content)
    assert data["décisions"] == []
    assert [exam["saisie"] for exam in data["épreuves"]] == [None, None, None]  # the grids' opinions are results
    assert PROFESSIONAL not in json.dumps(data, ensure_ascii=False)
    # The administrators' export is as it was: everything, the open deliberation's decisions included.
    everything = privacy.export_candidate(lea)
    assert [(d["bloc"], d["décision"]) for d in everything["décisions"]] == [
        ("GRU", "validated"),
        ("MDR", "not_validated"),
    ]
    assert everything["épreuves"][1]["saisie"][f"recommendations-{exam_of('Martin', 'MDR').bloc_id}"] == PROFESSIONAL

    deliberation = sign(deliberation, django_capture_on_commit_callbacks)
    page = client.get(PAGE)
    assert ids(page, "//section[@id='resultats']/section") == [f"deliberation-{deliberation.pk}"]
    assert text(page, f"deliberation-{deliberation.pk}") == (
        f"Jury paritaire national du {day(deliberation.held_on)} "
        f"Bloc GRU « {GRU} » : ✔ validé, le certificat de compétences professionnelles (CCP) de ce bloc vous est "
        "délivré. "
        f"Bloc MDR « {MDR} » : ✘ non validé. "
        f"Préconisations du jury professionnel : {PROFESSIONAL} "
        f"Préconisations du jury paritaire national : {NATIONAL}"
    )
    data = json.loads(client.get(reverse("spaces:candidate_data")).content)
    assert [(d["bloc"], d["décision"]) for d in data["décisions"]] == [("GRU", "validated"), ("MDR", "not_validated")]
    assert data["épreuves"][1]["saisie"][f"recommendations-{exam_of('Martin', 'MDR').bloc_id}"] == PROFESSIONAL
    assert data == json.loads(json.dumps(privacy.export_candidate(lea)))  # once signed, all of it


def test_the_same_recommendations_of_both_juries_are_said_once(
    client, demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    deliberation = sign(spring_deliberation(), django_capture_on_commit_callbacks)
    mdr = BlocDecision.objects.get(file__deliberation=deliberation, bloc__code="MDR")
    page = as_candidate(client).get(PAGE)
    assert text(page, f"result-{mdr.pk}") == (
        f"Bloc MDR « {MDR} » : ✘ non validé. Préconisations des jurys : {PROFESSIONAL}"
    )


def test_a_decision_on_appeal_replaces_the_contested_one_once_signed(
    client, demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    run_exam(exam_of("Martin", "GDU"), validated=False, verdict="unfavourable", recommendations="Revoir la GDU.")
    first = deliberation_for(SPRING, WINTER)
    evaluation_services.add_ready_files(first, user("jpn"))
    first = sign(first, django_capture_on_commit_callbacks)
    contested = BlocDecision.objects.get(file__deliberation=first, bloc__code="GDU")
    received = timezone.localdate()
    appeal = appeals.record_appeal(
        contested, received_on=received, grounds="La compétence 3 a été couverte.", acting_user=user("gestionnaire")
    )
    later = deliberation_for()
    evaluation_services.add_ready_files(later, user("jpn"))
    appeal.refresh_from_db()
    evaluation_services.decide_bloc(appeal.ruling, user("jpn"), Ruling.VALIDATED, "La situation couvrait C3.")

    page = as_candidate(client).get(PAGE)  # the ruling is not signed: the contested decision stands
    assert text(page, f"result-{contested.pk}") == (
        f"Bloc GDU « {GDU} » : ✘ non validé. Votre recours, reçu le {day(received)}, sera examiné par une "
        "prochaine délibération du jury paritaire national. Préconisations des jurys : Revoir la GDU."
    )
    assert text(page, "cqp-GC-GDU") == (
        f"GDU {GDU} À passer Non validé par le jury paritaire national du {day(first.held_on)} ; recours reçu le "
        f"{day(received)}, en attente de décision."
    )
    assert f"result-{appeal.ruling.pk}" not in page.content.decode()

    later = sign(later, django_capture_on_commit_callbacks)
    page = client.get(PAGE)
    assert ids(page, "//section[@id='resultats']/section") == [f"deliberation-{later.pk}", f"deliberation-{first.pk}"]
    assert text(page, f"result-{appeal.ruling.pk}") == (
        f"Bloc GDU « {GDU} » : ✔ validé, le certificat de compétences professionnelles (CCP) de ce bloc vous est "
        f"délivré. Décision sur recours : elle remplace la décision du jury paritaire national du {day(first.held_on)}."
    )
    assert f"result-{contested.pk}" not in page.content.decode()
    assert (
        text(page, "cqp-GC-GDU") == f"GDU {GDU} Acquis le {day(later.held_on)} par le jury paritaire national, CQP GC"
    )
    assert text(page, "remaining-GC") == f"CQP GC délivré le {day(later.held_on)}."


# --- Certificates -------------------------------------------------------------------------------------------


def test_certificates_download_their_own_signed_pdf_and_show_their_verification_link(
    client, demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    run_exam(exam_of("Fontaine", "GRU"))
    deliberation = sign(spring_deliberation(), django_capture_on_commit_callbacks)
    hers = Certificate.objects.get(candidate__last_name="Martin")
    chloes = Certificate.objects.get(candidate__last_name="Fontaine")
    assert hers.pdf and chloes.pdf
    page = as_candidate(client).get(PAGE)
    assert text(page, f"certificate-{hers.pk}") == (
        f"CCP — bloc GRU : {GRU} N° {hers.number}, délivré le {day(deliberation.held_on)}. "
        "Télécharger le certificat signé (PDF) Télécharger l'attestation numérique (Open Badges 3.0) "
        "Lien de vérification, à copier pour un employeur "
        "Voir la page de vérification"
    )
    verify = lxml.html.fromstring(page.content.decode()).get_element_by_id(f"verify-{hers.pk}")
    assert verify.get("value") == f"https://certification.example.fr/verifier/{hers.code}/"
    assert verify.get("value") == certificate_services.verify_url(hers)

    url = reverse("spaces:candidate_certificate_pdf", kwargs={"pk": hers.pk})
    assert url == f"/mon-espace/certificats/{hers.pk}/pdf/"
    pdf = client.get(url)
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")
    assert pdf["Content-Disposition"] == f'attachment; filename="{hers.number}.pdf"'
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF") and body == hers.pdf.open("rb").read()
    assert client.get(reverse("spaces:candidate_certificate_pdf", kwargs={"pk": chloes.pk})).status_code == 404
    assert str(chloes.number) not in page.content.decode()

    certificate_services.revoke(hers, user("gestionnaire"), "Délivré par erreur : décision corrigée.")
    page = client.get(PAGE)
    assert text(page, f"certificate-{hers.pk}-revoked") == (
        f"Révoqué le {day(timezone.localdate())} : Délivré par erreur : décision corrigée."
    )
    assert url not in page.content.decode()
    assert client.get(url).status_code == 404  # a revoked certificate is not handed out again


def test_a_certificate_whose_pdf_is_not_produced_yet_is_not_downloaded(
    client, demo_exams, django_capture_on_commit_callbacks
):
    deliberation = spring_deliberation()
    with django_capture_on_commit_callbacks(execute=True):
        deliberation = evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    certificate_services.number_certificates(deliberation)
    certificate = Certificate.objects.get()
    assert not certificate.pdf
    page = as_candidate(client).get(PAGE)
    assert "Le certificat signé est en cours de production : il vous sera aussi adressé par courriel." in text(
        page, f"certificate-{certificate.pk}"
    )
    assert client.get(reverse("spaces:candidate_certificate_pdf", kwargs={"pk": certificate.pk})).status_code == 404


# --- Who reaches what ---------------------------------------------------------------------------------------


def candidate_urls():
    lea_exam, hugo_exam = exam_of("Martin", "GDU"), exam_of("Lambert")
    return [
        ("get", PAGE),
        ("get", reverse("spaces:candidate_exam_calendar", kwargs={"pk": lea_exam.pk})),
        ("get", reverse("spaces:candidate_exam_calendar", kwargs={"pk": hugo_exam.pk})),
        ("get", reverse("spaces:candidate_certificate_pdf", kwargs={"pk": 1})),
        ("get", reverse("spaces:candidate_data")),
        ("post", reverse("spaces:candidate_correction")),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, demo_today):
    for method, url in candidate_urls():
        response = getattr(client, method)(url)
        assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={url}"), url


@pytest.mark.parametrize("username", ["jury.famille", "president", "jpn", "gestionnaire", "emma.garnier"])
def test_an_account_that_is_no_candidate_finds_nothing_under_mon_espace(client, demo_today, username):
    client.force_login(user(username))
    for method, url in candidate_urls():
        assert getattr(client, method)(url).status_code == 404, url


def test_a_candidate_never_reaches_another_candidates_exam_data_or_page(client, demo_today):
    hugo = as_candidate(client, "hugo.lambert")
    lea_exam = exam_of("Martin", "GDU")
    assert hugo.get(reverse("spaces:candidate_exam_calendar", kwargs={"pk": lea_exam.pk})).status_code == 404
    data = json.loads(hugo.get(reverse("spaces:candidate_data")).content)
    assert data["identité"]["nom"] == "Lambert"
    page = hugo.get(PAGE)
    assert "Léa" not in page.content.decode() and "Martin" not in page.content.decode()


def test_the_data_download_is_a_json_attachment(client, demo_today):
    response = as_candidate(client).get(reverse("spaces:candidate_data"))
    assert reverse("spaces:candidate_data") == "/mon-espace/mes-donnees.json"
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["identité"]["nom"] == "Martin" and data["parcours"]["CQP visé"] == "GC"


# --- Correction requests ------------------------------------------------------------------------------------


def test_a_correction_request_is_recorded_and_mailed_to_the_administrators(client, demo_today):
    administrators = Group.objects.get(name=roles.UCANSS_ADMINISTRATORS)
    get_user_model().objects.create_user("second.admin", email="second.admin@demo.invalid").groups.add(administrators)
    get_user_model().objects.create_user("inactive", email="x@demo.invalid", is_active=False).groups.add(administrators)
    get_user_model().objects.create_user("no.address").groups.add(administrators)
    wanted = "Mon nom de naissance est Durand, pas Durant."
    response = as_candidate(client).post(reverse("spaces:candidate_correction"), {"text": f"  {wanted}\n"})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    request = CorrectionRequest.objects.get()
    lea = Candidate.objects.get(last_name="Martin")
    assert (request.candidate, request.text, request.asked_by, request.handled_at) == (
        lea,
        wanted,
        user("lea.martin"),
        None,
    )
    messages = list(Message.objects.filter(topic=f"correction:{request.pk}").order_by("to"))
    assert [(m.to, m.kind, m.candidate_id) for m in messages] == [
        ("gestionnaire@demo.invalid", MessageKind.CORRECTION_REQUEST, lea.pk),
        ("second.admin@demo.invalid", MessageKind.CORRECTION_REQUEST, lea.pk),
    ]
    assert messages[0].subject == "Demande de rectification — Léa Martin"
    lines = messages[0].text.splitlines()
    assert lines[0] == "Bonjour Gaëlle Gestionnaire,"
    assert f"« {wanted} »" in lines
    assert f"https://certification.example.fr/admin/candidates/correctionrequest/{request.pk}/change/" in lines

    page = client.get(PAGE)
    asked = day(timezone.localdate())
    assert text(page, f"correction-{request.pk}") == f"Le {asked} : « {wanted} » En cours de traitement."
    assert "Votre demande de rectification est enregistrée" in page.content.decode()


def test_an_empty_correction_request_is_refused_with_a_clear_message(client, demo_today):
    response = as_candidate(client).post(reverse("spaces:candidate_correction"), {"text": "   \n "})
    assert response.status_code == 400
    assert "Écrivez ce qui est à corriger : la demande est vide." in response.content.decode()
    assert (
        not CorrectionRequest.objects.exists() and not Message.objects.filter(topic__startswith="correction").exists()
    )
    assert as_candidate(client).get(reverse("spaces:candidate_correction")).status_code == 405


def test_an_administrator_answers_a_request_once_and_the_candidate_reads_the_answer(client, demo_today):
    request = corrections.request_correction(
        Candidate.objects.get(last_name="Martin"),
        "Mon emploi est gestionnaire conseil senior.",
        acting_user=user("lea.martin"),
    )
    with pytest.raises(corrections.CorrectionError, match="Seul le candidat"):
        corrections.request_correction(request.candidate, "Autre chose.", acting_user=user("hugo.lambert"))
    client.force_login(user("gestionnaire"))
    changelist = client.get(reverse("admin:candidates_correctionrequest_changelist"), {"traitee": "non"})
    assert (
        changelist.status_code == 200 and "Mon emploi est gestionnaire conseil senior." in changelist.content.decode()
    )
    change = reverse("admin:candidates_correctionrequest_change", args=[request.pk])
    refused = client.post(change, {"answer": "  "})
    assert refused.status_code == 200
    assert "Écrivez la réponse faite au candidat pour marquer la demande comme traitée." in refused.content.decode()
    assert client.post(change, {"answer": "Emploi corrigé dans votre dossier."}).status_code == 302
    request.refresh_from_db()
    assert (request.answer, request.handled_by, request.handled_at is not None) == (
        "Emploi corrigé dans votre dossier.",
        user("gestionnaire"),
        True,
    )
    assert client.post(change, {"answer": "Autre réponse."}).status_code == 403  # answered once
    with pytest.raises(corrections.CorrectionError, match="déjà été traitée"):
        corrections.handle_correction(request, "Autre réponse.", acting_user=user("gestionnaire"))

    page = as_candidate(client).get(PAGE)
    today = day(timezone.localdate())
    assert text(page, f"correction-{request.pk}") == (
        f"Le {today} : « Mon emploi est gestionnaire conseil senior. » Traitée le {today} : "
        "Emploi corrigé dans votre dossier."
    )


# --- A fixed number of queries ------------------------------------------------------------------------------

# The session, the account, the account's candidate, the page's 7 reads (spaces/selectors.py), and the
# documents' section's one (spaces/documents.py).
PAGE_QUERIES = 11


def test_the_page_reads_a_fixed_number_of_queries_for_a_candidate_with_little(
    client, demo_exams, django_assert_num_queries
):
    as_candidate(client)
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(PAGE)
    assert len(ids(page, "//li[starts-with(@id, 'exam-')]")) == 3
    assert ids(page, "//li[starts-with(@id, 'result-')] | //article[starts-with(@id, 'certificate-')]") == []


def test_the_page_reads_as_many_queries_for_a_candidate_with_much(
    client, demo_exams, signing_certificate, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """Three blocs decided, two certificates, five exams (one to come, one cancelled), three requests."""
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    gdu = exam_of("Martin", "GDU")
    run_exam(gdu, validated=False, verdict="unfavourable", recommendations=PROFESSIONAL)
    deliberation = deliberation_for(SPRING, WINTER)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    sign(deliberation, django_capture_on_commit_callbacks)
    lea = Candidate.objects.get(last_name="Martin")
    spring = exam_of("Martin", "GRU").session
    for days, status in ((20, "scheduled"), (15, "cancelled")):  # convened again to GDU, once cancelled
        Exam.objects.create(
            session=spring if status == "scheduled" else gdu.session,
            candidate=lea,
            bloc=gdu.bloc,
            scheduled_at=timezone.now() + datetime.timedelta(days=days),
            video_link="https://visio.demo.invalid/gc-martin-2",
            president=gdu.president,
            representative=gdu.representative,
            status=status,
            status_reason="Salle indisponible." if status == "cancelled" else "",
        )
    for number in range(3):
        corrections.request_correction(lea, f"Demande {number}.", acting_user=user("lea.martin"))
    as_candidate(client)
    with django_assert_num_queries(PAGE_QUERIES):
        page = client.get(PAGE)
    assert len(ids(page, "//article[starts-with(@id, 'convocation-')]")) == 1
    assert len(ids(page, "//li[starts-with(@id, 'exam-')]")) == 4
    assert len(ids(page, "//li[starts-with(@id, 'result-')]")) == 3
    assert len(ids(page, "//article[starts-with(@id, 'certificate-')]")) == 2
    assert len(ids(page, "//li[starts-with(@id, 'correction-')]")) == 3
