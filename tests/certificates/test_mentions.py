"""Issue 18, « Mentions »: a certificate names its signatory (the one in office on its date of issue), the
place and date of issue, the CQP's RNCP number and level, the referential's registration by France
compétences when known, and a CCP's bloc code in the RNCP record when known; its verification page shows
what it certifies and the same RNCP mentions. Nothing is invented: what is not recorded is not printed."""

import datetime
import re
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats

from candidates.demo import PASSWORD
from certificates import checks, services
from certificates.models import Certificate, Signatory
from certificates.selectors import certificate_contents, certified_parts, signatory_on
from evaluations import services as evaluation_services
from referentials.models import Bloc, Certification, CertificationBloc, ReferentialVersion
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

from .test_certificates import pdf_text

pytestmark = pytest.mark.django_db

REGISTERED = datetime.date(2021, 4, 14)
SIGNATORY = {"name": "Camille Exemple", "title": "Directrice générale de l'Ucanss", "place": "Paris"}


def long_date(day):
    return formats.date_format(day, "j F Y")


def text_of(certificate):
    certificate.refresh_from_db()
    return " ".join(pdf_text(certificate.pdf.read()).split())


def pages_of(data):
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def no_signatory_setting(settings):
    settings.CERTIFICATE_SIGNATORY_NAME = settings.CERTIFICATE_SIGNATORY_TITLE = ""
    settings.CERTIFICATE_ISSUE_PLACE = "Paris"
    return settings


@pytest.fixture
def recorded(no_signatory_setting, shipped_referential):
    """A signatory in office since 2020, the version's registration date and the GC's bloc codes filled in."""
    Signatory.objects.create(from_date=datetime.date(2020, 1, 1), **SIGNATORY)
    ReferentialVersion.objects.filter(pk=shipped_referential.pk).update(registered_on=REGISTERED)
    fill_gc_bloc_codes(shipped_referential)


def fill_gc_bloc_codes(version):
    """GRU's and GDU's codes in the GC's RNCP record: GRU, common to both CQP, has none filled in the COS's."""
    gc = CertificationBloc.objects.filter(certification__version=version, certification__code="GC")
    gc.filter(bloc__code="GRU").update(rncp_code="RNCP35729BC01")
    gc.filter(bloc__code="GDU").update(rncp_code="RNCP35729BC03")


def issue(deliberation, capture):
    with capture(execute=True):
        services.start_issuing(deliberation)
    return {
        certificate.bloc.code if certificate.bloc else "CQP": certificate
        for certificate in Certificate.objects.filter(deliberation=deliberation).select_related("bloc")
    }


# Who signs -------------------------------------------------------------------------------------------


def test_the_signatory_is_the_one_in_office_on_the_date_of_issue(no_signatory_setting):
    before = Signatory.objects.create(
        name="Alex Ancien",
        title="Directeur général",
        from_date=datetime.date(2020, 1, 1),
        to_date=datetime.date(2026, 3, 31),
    )
    after = Signatory.objects.create(
        name="Camille Exemple", title="Directrice générale", from_date=datetime.date(2026, 4, 1)
    )
    assert signatory_on(datetime.date(2020, 1, 1)) == before
    assert signatory_on(datetime.date(2026, 3, 31)) == before
    assert signatory_on(datetime.date(2026, 4, 1)) == after
    assert signatory_on(datetime.date(2030, 1, 1)) == after
    assert signatory_on(datetime.date(2019, 12, 31)) is None  # no one recorded then, none in the settings


def test_without_a_recorded_signatory_the_settings_name_one(no_signatory_setting):
    no_signatory_setting.CERTIFICATE_SIGNATORY_NAME = "Dominique Réglage"
    no_signatory_setting.CERTIFICATE_SIGNATORY_TITLE = "Directeur général de l'Ucanss"
    no_signatory_setting.CERTIFICATE_ISSUE_PLACE = "Montreuil"
    signatory = signatory_on(datetime.date(2026, 11, 27))
    assert (signatory.pk, signatory.name, signatory.title, signatory.place) == (
        None,
        "Dominique Réglage",
        "Directeur général de l'Ucanss",
        "Montreuil",
    )


def test_a_check_warns_when_no_one_would_sign(no_signatory_setting, db):
    (warning,) = checks.check_signatory(None, databases=["default"])
    assert warning.id == "certificates.W020"
    assert warning.msg == (
        "Aucun signataire des certificats n'est en fonction aujourd'hui : les certificats délivrés n'auront pas "
        "de ligne de signataire."
    )
    assert checks.check_signatory(None) == []  # without --database: nothing read
    no_signatory_setting.CERTIFICATE_SIGNATORY_NAME = "Dominique Réglage"
    assert checks.check_signatory(None, databases=["default"]) == []
    no_signatory_setting.CERTIFICATE_SIGNATORY_NAME = ""
    Signatory.objects.create(name="Camille Exemple", title="Directrice générale", from_date=datetime.date(2020, 1, 1))
    assert checks.check_signatory(None, databases=["default"]) == []
    call_command("check", "--database", "default", "--fail-level", "ERROR")  # runs as part of the checks


# What the PDF says ------------------------------------------------------------------------------------


def test_an_issued_ccp_prints_its_mentions(recorded, spring, django_capture_on_commit_callbacks):
    issued = issue(spring, django_capture_on_commit_callbacks)
    held_on = long_date(spring.held_on)
    gru = text_of(issued["GRU"])
    assert (
        "Certification enregistrée au RNCP sous le n° 35729, niveau 5, par décision de France compétences du "
        "14 avril 2021. Bloc de compétences RNCP35729BC01. Délivré sur décision du jury paritaire national du "
        f"{held_on}. Fait à Paris, le {held_on} Camille Exemple Directrice générale de l'Ucanss "
        f"N° {issued['GRU'].number}"
    ) in gru
    mdr = text_of(issued["MDR"])  # its bloc code is not filled in: no code printed
    assert (
        "Certification enregistrée au RNCP sous le n° 35729, niveau 5, par décision de France compétences du "
        f"14 avril 2021. Délivré sur décision du jury paritaire national du {held_on}. Fait à Paris"
    ) in mdr
    assert "RNCP35729BC" not in mdr
    assert pages_of(issued["MDR"].pdf.open().read()) == 1


def test_what_is_not_recorded_is_not_printed(no_signatory_setting, spring, django_capture_on_commit_callbacks):
    issued = issue(spring, django_capture_on_commit_callbacks)
    gru = text_of(issued["GRU"])
    held_on = long_date(spring.held_on)
    assert (
        "Certification enregistrée au RNCP sous le n° 35729, niveau 5. Délivré sur décision du jury paritaire "
        f"national du {held_on}. Fait à Paris, le {held_on} N° {issued['GRU'].number}"
    ) in gru
    assert "France compétences" not in gru and "Bloc de compétences RNCP" not in gru


def test_a_common_bloc_has_a_code_in_each_cqp_record(recorded, spring, django_capture_on_commit_callbacks):
    """GRU is one bloc for both CQP: its CCP issued through the GC prints the GC record's code; through the COS,
    the COS record's own, once filled (none until then, never the GC's)."""
    services.number_certificates(spring)
    gru = Certificate.objects.get(deliberation=spring, bloc__code="GRU")
    cos = Certification.objects.get(version=gru.certification.version, code="COS")
    assert certificate_contents(gru)["mentions"].bloc_rncp_code == "RNCP35729BC01"
    gru.certification = cos  # as issued through the COS
    assert certificate_contents(gru)["mentions"].bloc_rncp_code == ""
    CertificationBloc.objects.filter(certification=cos, bloc=gru.bloc).update(rncp_code="RNCP35543BC01")
    assert certificate_contents(gru)["mentions"].bloc_rncp_code == "RNCP35543BC01"


def test_one_batch_prints_each_holder_the_code_of_the_cqp_they_hold_the_bloc_through(
    recorded, demo_exams, signing_certificate, django_capture_on_commit_callbacks
):
    """Léa (GC) and Yanis (COS) validate GRU before the same deliberation: their CCP are made in one group, and
    each prints GRU's code in the record of its own CQP."""
    CertificationBloc.objects.filter(certification__code="COS", bloc__code="GRU").update(rncp_code="RNCP35543BC01")
    for who, code in [("Martin", "GRU"), ("Martin", "MDR"), ("Robert", "GRU"), ("Robert", "MDR")]:
        run_exam(exam_of(who, code))
    deliberation = deliberation_for(SPRING, "CQP COS — session d'hiver")
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    issued = issue(
        evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD), django_capture_on_commit_callbacks
    )
    gru = Certificate.objects.filter(bloc__code="GRU").select_related("candidate")
    assert {c.candidate.last_name: c.number[:7] for c in gru} == {"Martin": "CCP-GC-", "Robert": "CCP-COS"}
    codes = {c.candidate.last_name: re.findall(r"Bloc de compétences (RNCP\w+)", text_of(c)) for c in gru}
    assert codes == {"Martin": ["RNCP35729BC01"], "Robert": ["RNCP35543BC01"]}
    assert "Bloc de compétences RNCP" not in text_of(issued["MDR"])  # no MDR code filled in either record


def test_the_cqp_lists_its_blocs_with_their_codes_and_the_longest_ccp_keeps_one_page(
    recorded, winter, spring, django_capture_on_commit_callbacks, settings
):
    """The GDU bloc has the longest competences; with every mention, a name and a signatory's title on two lines
    and a re-issue, its CCP stays on one page, and nothing is drawn under the signature's block before the footer."""
    issue(spring, django_capture_on_commit_callbacks)
    issued = issue(winter, django_capture_on_commit_callbacks)
    cqp = text_of(issued["CQP"])
    assert (
        "• GRU — Gestion de la relation usagers de la Sécurité sociale (RNCP35729BC01) • "
        "MDR — Contribution à la maîtrise des risques et à la qualité du service de la Sécurité sociale • "
        "GDU — Gestion des droits de l'utilisateur de la Sécurité sociale (RNCP35729BC03)"
    ) in cqp

    Signatory.objects.update(title="Directrice générale de l'Union des caisses nationales de sécurité sociale")
    gdu = issued["GDU"]
    lea = gdu.candidate
    lea.first_name, lea.last_name = "Marie-Françoise Léa", "de La Rochefoucauld-Montmorency"
    lea.save(update_fields=["first_name", "last_name"])
    with django_capture_on_commit_callbacks(execute=True):
        services.reissue_certificate(gdu, "Nom d'usage corrigé.", acting_user=user("gestionnaire"))
    new = Certificate.objects.get(replaces=gdu)
    data = new.pdf.open().read()
    text = " ".join(pdf_text(data).split())
    assert "Marie-Françoise Léa DE LA ROCHEFOUCAULD-MONTMORENCY" in text
    assert (
        f"remplace le certificat n° {gdu.number}. Fait à Paris, le {long_date(winter.held_on)} Camille Exemple "
        "Directrice générale de l'Union des caisses nationales de sécurité sociale N°"
    ) in text
    assert pages_of(data) == 1
    assert free_space_under_signature(data, settings.TEST_FILES) >= 20  # points: 7 mm at least


def free_space_under_signature(data, directory):
    """How many points of blank paper lie under the signature's block (« Fait à », the name, the title), across
    its width, before the next ink (the footer): read from the text's boxes and the page drawn at 72 dpi (one
    pixel a point)."""
    (directory / "layout.pdf").write_bytes(data)
    boxes = subprocess.run(
        ["pdftotext", "-bbox-layout", directory / "layout.pdf", "-"], capture_output=True, text=True, check=True
    ).stdout
    lines = [
        (float(x_min), float(x_max), float(y_max), " ".join(re.findall(r">([^<]+)</word>", words)))
        for x_min, x_max, y_max, words in re.findall(
            r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', boxes, re.S
        )
    ]
    first = next(index for index, line in enumerate(lines) if line[3].startswith("Fait à"))
    last = next(index for index, line in enumerate(lines) if line[3].startswith("N°"))
    block = lines[first:last]
    x_min, x_max, y_max = min(line[0] for line in block), max(line[1] for line in block), max(line[2] for line in block)
    subprocess.run(
        ["pdftoppm", "-r", "72", "-gray", "-singlefile", directory / "layout.pdf", directory / "layout"], check=True
    )
    (width, height), pixels = _pgm(directory / "layout.pgm")
    for row in range(int(y_max) + 1, height):
        if any(pixels[row * width + column] < 128 for column in range(int(x_min), int(x_max) + 1)):
            return row - y_max
    return height - y_max


def _pgm(path):
    data = path.read_bytes()
    magic, width, height, maximum, rest = data.split(maxsplit=4)
    assert (magic, maximum) == (b"P5", b"255")
    return (int(width), int(height)), rest


# What a batch reads -------------------------------------------------------------------------------------


def test_a_batch_reads_the_mentions_once_for_the_certificates_of_a_bloc(
    recorded, spring, django_capture_on_commit_callbacks, django_assert_num_queries
):
    services.number_certificates(spring)
    gru = Certificate.objects.select_related("certification", "bloc", "candidate").get(bloc__code="GRU")
    with django_assert_num_queries(4):  # the competences, the signatory, the version's registration, the codes
        parts = certified_parts(gru)
    with django_assert_num_queries(0):
        contents = certificate_contents(gru, parts)
    assert [competence.code for competence in contents["competences"]] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    mentions = contents["mentions"]
    assert (mentions.rncp_number, mentions.level, mentions.registered_on, mentions.bloc_rncp_code) == (
        "35729",
        5,
        REGISTERED,
        "RNCP35729BC01",
    )
    assert (mentions.place, mentions.issued_on, mentions.signatory.name) == ("Paris", spring.held_on, "Camille Exemple")
    with django_assert_num_queries(3):  # a plain list: the mentions are read for it
        assert certificate_contents(gru, list(parts))["mentions"] == mentions
    gru.issued_on = gru.issued_on + datetime.timedelta(days=1)  # another date: who signs is read again
    with django_assert_num_queries(3):
        assert certificate_contents(gru, parts)["mentions"].issued_on == gru.issued_on


# The verification page --------------------------------------------------------------------------------


def test_the_verification_page_shows_what_a_ccp_and_a_cqp_certify(
    recorded, winter, spring, django_capture_on_commit_callbacks, client
):
    services.number_certificates(spring)
    services.number_certificates(winter)
    gru = Certificate.objects.get(bloc__code="GRU")
    page = client.get(reverse("certificates:verify", kwargs={"code": gru.code})).content.decode()
    assert (
        '<dd class="col-sm-9" id="rncp">Gestionnaire conseil de la Sécurité sociale <span class="text-nowrap">'
        "(RNCP 35729, niveau 5)</span>, enregistrée au RNCP par décision de France compétences du "
        '<span class="text-nowrap">14 avril 2021</span></dd>'
    ) in page
    assert '<dt class="col-sm-3">Bloc au RNCP</dt><dd class="col-sm-9" id="bloc-rncp">RNCP35729BC01</dd>' in page
    competences = Bloc.objects.get(version=gru.certification.version, code="GRU").competences.order_by("order")
    for competence in competences:
        assert f"<strong>{competence.code}</strong> — {competence.text}</li>" in page.replace("&#x27;", "'")

    cqp = Certificate.objects.get(kind="CQP")
    page = client.get(reverse("certificates:verify", kwargs={"code": cqp.code})).content.decode()
    assert "Blocs de compétences validés" in page and 'id="bloc-rncp"' not in page
    assert (
        "<strong>GRU</strong> — Gestion de la relation usagers de la Sécurité sociale "
        '<span class="text-nowrap text-body-secondary">(RNCP35729BC01)</span></li>'
    ) in page
    assert "<strong>MDR</strong> — Contribution à la maîtrise des risques et à la qualité du service de la " in page
    assert "<strong>GDU</strong> — Gestion des droits de l&#x27;utilisateur de la Sécurité sociale <span" in page


# The admin --------------------------------------------------------------------------------------------


def test_signatories_are_recorded_in_the_admin_without_overlapping_offices(admin_client, no_signatory_setting):
    url = reverse("admin:certificates_signatory_add")
    first = {"name": "Alex Ancien", "title": "Directeur général", "place": "Paris", "from_date": "01/01/2020"}
    assert admin_client.post(url, first).status_code == 302
    second = {"name": "Camille Exemple", "title": "Directrice générale", "place": "Paris", "from_date": "01/04/2026"}
    response = admin_client.post(url, second)
    assert response.context["adminform"].form.non_field_errors() == [
        "Alex Ancien est en fonction depuis le 1 janvier 2020, sans date de fin : les dates de fonction de deux "
        "signataires ne se chevauchent pas. Indiquez d'abord la fin de ses fonctions."
    ]
    alex = Signatory.objects.get()
    change = reverse("admin:certificates_signatory_change", args=[alex.pk])
    assert admin_client.post(change, first | {"to_date": "31/03/2026"}).status_code == 302
    assert admin_client.post(url, second).status_code == 302
    listing = admin_client.get(reverse("admin:certificates_signatory_changelist")).content.decode()
    assert "Camille Exemple" in listing and "Alex Ancien" in listing
