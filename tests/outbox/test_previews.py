"""« Aperçus des messages » (issue 15): every kind of message the platform sends, filled with demo data, rendered
by the code that writes the real one, shown in the admin with its HTML part in a sandboxed frame."""

from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils.html import escape
from playwright.sync_api import expect

from accounts import services as account_services
from candidates import roles
from candidates.demo import PASSWORD
from candidates.models import Organisation
from certificates import messages as certificate_messages
from certificates import services as certificate_services
from certificates.models import Certificate
from evaluations import services as evaluation_services
from outbox import previews
from outbox.models import Message, MessageKind
from outbox.services import html_version
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

RESULTS_SUBJECT = "Vos résultats — jury paritaire national du 12/06/2025"
RESULTS_LINES = [
    "Bonjour Camille Durand,",
    "- Bloc GRU « Gestion de la relation usagers de la Sécurité sociale » : validé. Le certificat de compétences "
    "professionnelles (CCP) de ce bloc vous est délivré.",
    "  Préconisations des jurys : Approfondir le contrôle des pièces justificatives avant la liquidation d'un droit.",
    "Blocs que vous aviez déjà acquis : GDU (le 28/11/2024).",
    "Le CQP Gestionnaire conseil de la Sécurité sociale ne vous est pas délivré à ce jour : 2 blocs acquis sur 3 ; "
    "bloc manquant : MDR ; formations Pass et Prem'ss validées.",
]


@contextmanager
def rendered_templates():
    """The names of the templates rendered inside the block (Django's test signal)."""
    names = []

    def record(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(record)
    try:
        yield names
    finally:
        template_rendered.disconnect(record)


def preview_templates(kind):
    with rendered_templates() as names:
        previews.render(kind)
    return set(names)


# --- The previews ----------------------------------------------------------------------------------------


def test_every_kind_of_message_has_a_preview():
    assert previews.kinds() == list(MessageKind)


@pytest.mark.parametrize("kind", list(MessageKind))
def test_each_preview_renders_a_french_message_and_reads_nothing(kind, django_assert_num_queries):
    with django_assert_num_queries(0):
        draft = previews.render(kind)
    assert draft.kind == kind
    assert draft.subject.strip() and "\n" not in draft.subject
    assert draft.to.endswith("@example.fr") or draft.to.endswith(".invalid")
    assert draft.text.startswith("Bonjour ")
    assert "L'équipe Certification CQP — Ucanss" in draft.text


def test_the_results_preview_reads_as_a_candidates_results():
    draft = previews.render(MessageKind.RESULTS)
    assert (draft.to, draft.subject) == ("camille.durand@example.fr", RESULTS_SUBJECT)
    lines = draft.text.splitlines()
    assert all(line in lines for line in RESULTS_LINES)


def test_the_certificate_preview_names_its_pdf_without_reading_it():
    draft = previews.render(MessageKind.CERTIFICATE)
    assert draft.subject == "Votre certificat CCP-GC-2025-000042 — Ucanss"
    assert [name for name, _storage, _mimetype in draft.stored_attachments] == ["CCP-GC-2025-000042.pdf"]
    assert "  Lien de vérification : https://certification.example.fr/verifier/DEMO000042/" in draft.text.splitlines()


# --- The preview and the real path share their rendering --------------------------------------------------


def test_the_password_mails_preview_with_the_templates_of_the_real_path(client, django_capture_on_commit_callbacks):
    marie = get_user_model().objects.create_user(
        "marie", email="marie.dupont@example.fr", first_name="Marie", last_name="Dupont"
    )
    with rendered_templates() as invitation:
        account_services.invite([marie])
    marie.set_password("un mot de passe assez long")
    marie.save()
    with rendered_templates() as reset, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": marie.email})
    assert preview_templates(MessageKind.INVITATION) == {
        "accounts/mail/invitation_subject.txt",
        "accounts/mail/invitation.txt",
    }
    assert preview_templates(MessageKind.INVITATION) <= set(invitation)
    assert preview_templates(MessageKind.PASSWORD_RESET) == {
        "accounts/mail/password_reset_subject.txt",
        "accounts/mail/password_reset.txt",
    }
    assert preview_templates(MessageKind.PASSWORD_RESET) <= set(reset)
    assert Message.objects.filter(kind=MessageKind.PASSWORD_RESET).count() == 1


def test_the_results_and_certificate_preview_with_the_templates_of_the_real_path(demo_exams):
    """The spring deliberation signed, its organisation sending copies to the managers: every template the
    previews render, the signature renders too; and the certificates' message of its numbered certificates."""
    Organisation.objects.filter(name="CPAM de Paris").update(send_results_to_manager=True)
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    evaluation_services.add_ready_files(deliberation, user("jpn"))
    with rendered_templates() as signature:
        deliberation = evaluation_services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    assert Message.objects.filter(kind=MessageKind.RESULTS_MANAGER).exists()
    certificate_services.number_certificates(deliberation)
    certificates = Certificate.objects.select_related("candidate", "bloc", "certification")
    with rendered_templates() as issuing:
        certificate_messages.issued_drafts(certificates)

    results = preview_templates(MessageKind.RESULTS)
    assert results == {"evaluations/mail/results_subject.txt", "evaluations/mail/results.txt"}
    assert results == preview_templates(MessageKind.RESULTS_MANAGER)
    assert results <= set(signature)
    certificate = preview_templates(MessageKind.CERTIFICATE)
    assert certificate == {"certificates/mail/issued_subject.txt", "certificates/mail/issued.txt"}
    assert certificate == set(issuing)


# --- The admin's pages ------------------------------------------------------------------------------------


def test_the_message_list_links_to_the_previews_and_to_the_people_without_address(admin_client):
    response = admin_client.get(reverse("admin:outbox_message_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="{reverse("admin:outbox_message_previews")}">Aperçus des messages</a>' in html
    assert f'<a href="{reverse("admin:outbox_message_without_address")}">Personnes sans adresse utilisable</a>' in html


def test_the_previews_page_lists_every_kind_with_its_french_label_and_subject(admin_client):
    response = admin_client.get(reverse("admin:outbox_message_previews"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Aperçus des messages | " in html
    for kind in previews.kinds():
        link = reverse("admin:outbox_message_preview", args=[kind])
        label = kind.label[0].upper() + kind.label[1:]
        assert f'<a href="{link}">{escape(label)}</a>' in html
        assert f"<td>{escape(previews.render(kind).subject)}</td>" in html
    assert '<a href="/admin/outbox/message/apercus/results/">Résultats</a>' in html


def test_the_preview_page_shows_subject_addressee_text_and_a_sandboxed_frame(admin_client):
    response = admin_client.get(reverse("admin:outbox_message_preview", args=["results"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Aperçu : résultats | " in html
    assert f'<td id="preview-subject">{RESULTS_SUBJECT}</td>' in html
    assert '<td id="preview-to">camille.durand@example.fr</td>' in html
    assert '<td id="preview-attachments">—</td>' in html
    assert escape(previews.render(MessageKind.RESULTS).text) in html
    frame = '<iframe id="preview-html" sandbox src="/admin/outbox/message/apercus/results/html/"'
    assert frame in html


def test_the_certificate_preview_page_names_the_attachment(admin_client):
    response = admin_client.get(reverse("admin:outbox_message_preview", args=["certificate"]))
    assert '<td id="preview-attachments">CCP-GC-2025-000042.pdf</td>' in response.content.decode()


def test_the_html_part_is_served_to_a_frame_of_the_site_only_with_no_script(admin_client):
    response = admin_client.get(reverse("admin:outbox_message_preview_html", args=["results"]))
    assert response.status_code == 200
    draft = previews.render(MessageKind.RESULTS)
    assert response.content.decode() == html_version(draft.subject, draft.text)
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy = dict(directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "img-src": "data:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'self'",
    }


@pytest.mark.parametrize("name", ["admin:outbox_message_preview", "admin:outbox_message_preview_html"])
def test_an_unknown_kind_has_no_preview(admin_client, name):
    assert admin_client.get(reverse(name, args=["inconnu"])).status_code == 404


@pytest.mark.parametrize(
    "name, args",
    [
        ("admin:outbox_message_previews", []),
        ("admin:outbox_message_preview", ["results"]),
        ("admin:outbox_message_preview_html", ["results"]),
    ],
)
def test_the_previews_are_refused_to_staff_without_the_view_permission(client, name, args):
    staff = get_user_model().objects.create_user("agent", is_staff=True)
    client.force_login(staff)
    url = reverse(name, args=args)
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_message"))
    assert client.get(url).status_code == 200


def test_the_previews_are_refused_to_jury_members(client, demo_exams):
    client.force_login(user("president"))
    url = reverse("admin:outbox_message_previews")
    response = client.get(url)
    assert (response.status_code, response["Location"]) == (302, f"{reverse('admin:login')}?next={url}")


# --- In a real browser ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_results_preview_shows_its_html_part_in_the_frame(open_browser):
    administrator = get_user_model().objects.create_user("gaelle", password=PASSWORD, is_staff=True)
    administrator.groups.add(Group.objects.get(name=roles.UCANSS_ADMINISTRATORS))
    page = open_browser()
    page.goto(reverse("login"))
    page.locator("#id_username").fill("gaelle")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(reverse("admin:outbox_message_changelist"))
    page.get_by_role("link", name="Aperçus des messages").click()
    page.get_by_role("link", name="Résultats", exact=True).click()
    expect(page.locator("#preview-subject")).to_have_text(RESULTS_SUBJECT)
    frame = page.frame_locator("#preview-html")
    expect(frame.get_by_text("Bonjour Camille Durand,")).to_be_visible()
    expect(frame.get_by_text("Certification CQP — Ucanss", exact=True)).to_be_visible()
    link = frame.get_by_role("link", name="https://certification.example.fr", exact=True)
    expect(link).to_have_attribute("href", "https://certification.example.fr")
    # The mail's own inline styles apply in the frame (its policy allows them there, and only there).
    heading = frame.get_by_text("Certification CQP — Ucanss", exact=True)
    assert heading.evaluate("element => getComputedStyle(element).fontWeight") == "700"
    page.locator("#preview-html").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/preview.png")
