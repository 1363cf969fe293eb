"""Every URL of the application × every role, with the expected answer.

The table is checked against Django's URL resolver: a new URL without a row fails the suite.
Roles: anonymous; the president of Léa Martin's GRU exam (assigned jury member); Karim Haddad,
a jury member not on that exam (unassigned); the national joint jury member; an Ucanss
administrator. Objects are those of a signed spring deliberation with a numbered certificate.
"""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from candidates.demo import PASSWORD
from candidates.models import DocumentKind
from certificates import register
from certificates import services as certificate_services
from certificates.models import Certificate
from evaluations import appeals, services
from evaluations.models import CandidateFile
from outputs.services import request_output
from spaces.documents import upload_document
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "assigned",
    "unassigned",
    "national",
    "administrator",
    "candidate",
    "other_candidate",
    "tutor",
    "manager",
)
ACCOUNTS = {
    "assigned": "president",
    "unassigned": "jury.famille",
    "national": "jpn",
    "administrator": "gestionnaire",
    "candidate": "lea.martin",  # the world's candidate: her exam, her file, her certificate
    "other_candidate": "hugo.lambert",
    "tutor": "emma.garnier",  # Léa Martin's tutor
    "manager": "marc.petit",  # Léa Martin's manager
}
LOGIN, ADMIN_LOGIN = "login", "admin-login"

# name: (method, kwargs from the world, expected answers in ROLES order).
# An int is a status; LOGIN / ADMIN_LOGIN a redirection to that login page; a string starting with "/"
# or naming a URL, a redirection there.
TABLE = {
    "home": (
        "GET",
        {},
        (
            LOGIN,
            "evaluations:jury_home",
            "evaluations:jury_home",
            "evaluations:deliberation_list",
            "admin:index",
            "spaces:candidate_home",
            "spaces:candidate_home",
            "spaces:companion_home",
            "spaces:companion_home",
        ),
    ),
    "login": ("GET", {}, (200, "home", "home", "home", "home", "home", "home", "home", "home")),
    "health": ("GET", {}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "alive": ("GET", {}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "accessibility": ("GET", {}, (200,) * 9),  # the accessibility statement, linked from every page
    "login_code": (
        "GET",
        {},
        (LOGIN, "home", "home", "home", "home", "home", "home", "home", "home"),
    ),  # no second factor on these accounts
    "logout": ("GET", {}, (405, 405, 405, 405, 405, 405, 405, 405, 405)),
    # The help (issue 19): the users' guides and their screenshots, public (they show demo data only).
    "help": ("GET", {}, (200,) * 9),
    "help_guide": ("GET", {"slug": "guide"}, (200,) * 9),
    "help_image": ("GET", {"name": "guide_image"}, (200,) * 9),
    "evaluations:jury_home": ("GET", {}, (LOGIN, 200, 200, 403, 403, 403, 403, 403, 403)),
    "evaluations:grid": ("GET", {"pk": "exam"}, (LOGIN, 200, 404, 403, 403, 403, 403, 403, 403)),
    "evaluations:preview": (
        "POST",
        {"pk": "exam"},
        (LOGIN, 400, 404, 403, 403, 403, 403, 403, 403),
    ),  # 400: an empty form
    "evaluations:sign": ("POST", {"pk": "exam"}, (LOGIN, "grid", 404, 403, 403, 403, 403, 403, 403)),
    "evaluations:reopen": ("POST", {"pk": "exam"}, (LOGIN, "grid", 404, 403, 403, 403, 403, 403, 403)),
    # The president declares the candidate absent (refused here, on a signed grid, and said on the grid page).
    "evaluations:record_absence": ("POST", {"pk": "exam"}, (LOGIN, "grid", 404, 403, 403, 403, 403, 403, 403)),
    "evaluations:grid_pdf": (
        "GET",
        {"pk": "exam"},
        (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    ),  # files: 404 to others
    "evaluations:deliberation_list": ("GET", {}, (LOGIN, 403, 403, 200, 403, 403, 403, 403, 403)),
    "evaluations:statistics": ("GET", {}, (LOGIN, 403, 403, 200, 200, 403, 403, 403, 403)),
    "evaluations:deliberation": ("GET", {"pk": "deliberation"}, (LOGIN, 403, 403, 200, 403, 403, 403, 403, 403)),
    "evaluations:add_files": (
        "POST",
        {"pk": "deliberation"},
        (LOGIN, 403, 403, "deliberation", 403, 403, 403, 403, 403),
    ),
    "evaluations:candidate_file": (
        "GET",
        {"pk": "deliberation", "file_pk": "file"},
        (LOGIN, 403, 403, 200, 403, 403, 403, 403, 403),
    ),
    "evaluations:file_grid_pdf": (
        "GET",
        {"pk": "deliberation", "file_pk": "file", "exam_pk": "exam"},
        (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ),
    "evaluations:sign_deliberation": (
        "POST",
        {"pk": "deliberation"},
        (LOGIN, 403, 403, "deliberation", 403, 403, 403, 403, 403),
    ),
    # A document of an appeal, to the members of the deliberation that hears it: a file, 404 to anyone else.
    "evaluations:appeal_document": (
        "GET",
        {"pk": "hearing", "appeal_pk": "appeal", "document_pk": "appeal_document"},
        (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ),
    "evaluations:minutes_pdf": ("GET", {"pk": "deliberation"}, (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404)),
    "certificates:lookup": ("GET", {}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The credential of a valid certificate, the revocation list and the signing keys: public (issue 18).
    "certificates:credential": ("GET", {"code": "code"}, (200,) * 9),
    "certificates:status_list": ("GET", {}, (200,) * 9),
    "certificates:signing_keys": ("GET", {}, (200,) * 9),
    "certificates:verify": ("GET", {"code": "code"}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "nesting_server_data": (
        "GET",
        {},
        (403, 403, 403, 403, 200, 403, 403, 403, 403),
    ),  # django-nested-admin's data, for the admin
    # A background output (the minutes, asked for by the national jury member): theirs only, 404 to anyone else.
    "outputs:progress": ("GET", {"pk": "output"}, (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404)),
    "outputs:progress_json": ("GET", {"pk": "output"}, (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404)),
    "outputs:download": ("GET", {"pk": "output"}, (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404)),
    # Passwords (accounts/): for anyone, signed in or not; a link whose token has expired or served says so.
    "password_reset": ("GET", {}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "password_reset_done": ("GET", {}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "password_reset_confirm": (
        "GET",
        {"uidb64": "reset_uid", "token": "reset_token"},
        (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ),
    "password_reset_complete": ("GET", {}, (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The spaces of the people the certification is about (issue 17): each their own, 404 to anyone else. The
    # world's objects are Léa Martin's: another candidate (Hugo Lambert) naming them gets 404 (IDOR).
    "spaces:candidate_home": ("GET", {}, (LOGIN, 404, 404, 404, 404, 200, 200, 404, 404)),
    "spaces:candidate_exam_calendar": ("GET", {"pk": "exam"}, (LOGIN, 404, 404, 404, 404, 200, 404, 404, 404)),
    "spaces:candidate_certificate_pdf": (
        "GET",
        {"pk": "certificate"},
        (LOGIN, 404, 404, 404, 404, 200, 404, 404, 404),
    ),
    "spaces:candidate_credential": (
        "GET",
        {"pk": "certificate"},
        (LOGIN, 404, 404, 404, 404, 200, 404, 404, 404),
    ),
    "spaces:candidate_data": ("GET", {}, (LOGIN, 404, 404, 404, 404, 200, 200, 404, 404)),  # each their own
    "spaces:candidate_correction": ("POST", {}, (LOGIN, 404, 404, 404, 404, 400, 400, 404, 404)),  # an empty form
    # A document of the file: the candidate's own; the upload answers each candidate on their own page.
    "spaces:upload_document": (
        "POST",
        {},
        (LOGIN, 404, 404, 404, 404, "spaces:candidate_home", "spaces:candidate_home", 404, 404),
    ),
    "spaces:candidate_document": (
        "GET",
        {"pk": "candidate_document"},
        (LOGIN, 404, 404, 404, 404, 200, 404, 404, 404),
    ),
    # Hugo Lambert's livret 2, from the grid of his VAE interview: its two jury members only (`jury.famille` is one).
    "evaluations:livret2": ("GET", {"pk": "vae_exam"}, (LOGIN, 200, 200, 404, 404, 404, 404, 404, 404)),
    "spaces:companion_home": ("GET", {}, (LOGIN, 404, 404, 404, 404, 404, 404, 200, 200)),
    # Léa Martin's carnet, to her tutor and her manager; an empty form is refused (400), a withdrawal of nothing
    # is refused with a message on her carnet's page.
    "spaces:companion_candidate": (
        "GET",
        {"candidate_pk": "candidate"},
        (LOGIN, 404, 404, 404, 404, 404, 404, 200, 200),
    ),
    "spaces:carnet_attest": (
        "POST",
        {"candidate_pk": "candidate", "competence_pk": "competence", "role": "role"},
        (LOGIN, 404, 404, 404, 404, 404, 404, 400, 400),
    ),
    "spaces:carnet_withdraw": (
        "POST",
        {"candidate_pk": "candidate", "competence_pk": "competence", "role": "role"},
        (LOGIN, 404, 404, 404, 404, 404, 404, "carnet", "carnet"),
    ),
}

# The admin's own pages beyond its change lists (those are walked by test_admin_pages): who may reach them, as in
# TABLE; jury members are sent to the admin's login as anonymous visitors are.
ADMIN_ONLY = (ADMIN_LOGIN,) * 4 + (200,) + (ADMIN_LOGIN,) * 4
ADMIN_TABLE = {
    # Outbox (outbox/admin.py): the previews of every message, the HTML part of one for its frame, and the people
    # without a usable address.
    "admin:outbox_message_previews": ("GET", {}, ADMIN_ONLY),
    # A document of a candidate's file, from its page in the admin: a file, 404 to anyone else, signed in or not.
    "admin:candidates_candidatedocument_download": (
        "GET",
        {"pk": "candidate_document"},
        (404, 404, 404, 404, 200, 404, 404, 404, 404),
    ),
    # A register file produced for the Caisse des Dépôts: a file, 404 to anyone but an administrator.
    "admin:certificates_registerdeposit_file": (
        "GET",
        {"pk": "register_deposit"},
        (404, 404, 404, 404, 200, 404, 404, 404, 404),
    ),
    # An appeal's document, from its page in the admin: a file, 404 to anyone else, signed in or not.
    "admin:evaluations_appeal_document": (
        "GET",
        {"pk": "appeal", "document_pk": "appeal_document"},
        (404, 404, 404, 404, 200, 404, 404, 404, 404),
    ),
    "admin:outbox_message_preview": ("GET", {"kind": "message_kind"}, ADMIN_ONLY),
    "admin:outbox_message_preview_html": ("GET", {"kind": "message_kind"}, ADMIN_ONLY),
    "admin:outbox_message_without_address": ("GET", {}, ADMIN_ONLY),
    # What became of an exam (candidates/admin.py ExamAdmin): the small forms of an absence, an excuse, a
    # postponement and a cancellation.
    "admin:candidates_exam_absence": ("GET", {"object_id": "exam"}, ADMIN_ONLY),
    "admin:candidates_exam_excuse": ("GET", {"object_id": "exam"}, ADMIN_ONLY),
    "admin:candidates_exam_postpone": ("GET", {"object_id": "exam"}, ADMIN_ONLY),
    "admin:candidates_exam_cancel": ("GET", {"object_id": "exam"}, ADMIN_ONLY),
    # Certificates (certificates/admin.py): the page re-issuing a certificate in the holder's corrected name.
    "admin:certificates_certificate_reissue": ("GET", {"pk": "certificate"}, ADMIN_ONLY),
}
# Django's own admin pages: every model's list, add, change, delete and history pages, and the site's.
ADMIN_STANDARD_SUFFIXES = (
    "_changelist",
    "_add",
    "_change",
    "_delete",
    "_history",
    "_delete",
    "_delete",
    "_delete",
    "_delete",
)
ADMIN_SITE_PAGES = {"index", "login", "logout", "password_change", "password_change_done", "jsi18n", "app_list"}
ADMIN_SITE_PAGES |= {"autocomplete", "view_on_site", "None"}
# Pages added before ADMIN_TABLE existed: their rows are still to be written.
ADMIN_PAGES_WITHOUT_ROW = {
    "admin:candidates_candidate_export",
    "admin:candidates_candidate_import",
    "admin:candidates_candidate_process_import",
    "admin:certificates_certificate_pdf",
    "admin:certificates_certificate_revoke",
    "admin:certificates_issuingrun_archive",
    "admin:certificates_issuingrun_progress",
    "admin:otp_totp_totpdevice_config",
    "admin:otp_totp_totpdevice_qrcode",
}

# A link to choose a password that no longer works (tests/test_accounts_mail.py follows a working one).
RESET_LINK = {"reset_uid": "MQ", "reset_token": "cw5zqa-0123456789abcdef0123456789abcdef"}
# A guide and one of its screenshots (docs/guides/).
HELP = {"guide": "jury", "guide_image": "jury-grille"}

# The admin: Ucanss administrators only; jury members are sent to its login as anonymous visitors are.
# Accounts, login attempts and the task queue are the superuser's.
ADMIN_FORBIDDEN_TO_ADMINISTRATORS = {
    "auth.Group",
    "auth.User",
    "django_tasks_database.DBTaskResult",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
    "otp_totp.TOTPDevice",
}


def url_names():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
                yield from walk(pattern.url_patterns, inner)
            else:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_url_has_a_row():
    names = {name for name in url_names() if not name.startswith("admin:")}
    assert names == set(TABLE), "add the new URL to TABLE with its answer for every role"


def test_every_page_added_to_the_admin_has_a_row():
    names = {
        name
        for name in url_names()
        if name.startswith("admin:")
        and not name.endswith(ADMIN_STANDARD_SUFFIXES)
        and name.removeprefix("admin:") not in ADMIN_SITE_PAGES
    }
    assert names - ADMIN_PAGES_WITHOUT_ROW == set(ADMIN_TABLE), "add the new admin page to ADMIN_TABLE"


def candidate_space(lea):
    """Léa Martin's objects of the spaces: a proof in her file, a competence of her carnet, and Hugo Lambert's
    VAE interview with his livret 2."""
    hugo = exam_of("Lambert")
    upload_document(
        hugo.candidate,
        kind=DocumentKind.LIVRET2,
        uploaded_file=SimpleUploadedFile("livret2.pdf", b"%PDF-1.7 livret 2"),
        acting_user=hugo.candidate.user,
    )
    document = upload_document(
        lea,
        kind=DocumentKind.PROOF,
        uploaded_file=SimpleUploadedFile("preuve.pdf", b"%PDF-1.7 preuve"),
        acting_user=lea.user,
    )
    return {
        "candidate": lea.pk,
        "candidate_document": document.pk,
        "vae_exam": hugo.pk,
        "competence": lea.certification.blocs.get(code="GDU").competences.first().pk,
        "role": "tuteur",
    }


def record_appeal(decision):
    """An appeal against a signed decision, with its letter."""
    return appeals.record_appeal(
        decision,
        received_on=timezone.localdate(),
        grounds="Le candidat conteste la décision.",
        documents=[SimpleUploadedFile("lettre.pdf", b"%PDF-1.7 lettre")],
        acting_user=user("gestionnaire"),
    )


@pytest.fixture
def world(demo_exams, signing_certificate):
    exam = exam_of("Martin", "GRU")
    run_exam(exam)
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    file = CandidateFile.objects.get(deliberation=deliberation)
    deliberation = services.sign_deliberation(deliberation, user("jpn"), PASSWORD)
    certificate_services.number_certificates(deliberation)
    output = request_output(
        "minutes", user=user("jpn"), title="Procès-verbal", parameters={"deliberation": deliberation.pk}
    )
    appeal = record_appeal(file.blocs.get(bloc__code="GRU"))
    hearing = deliberation_for()
    services.add_ready_files(hearing, user("jpn"))
    certificate = Certificate.objects.filter(candidate=file.candidate).first()
    certificate_services.produce_pdf(certificate)
    deposit = register.record_deposit(
        register.entries(Certificate.objects.all()), b"x", "csv", "registre.csv", acting_user=user("gestionnaire")
    )
    return SimpleNamespace(
        register_deposit=deposit.pk,
        **candidate_space(file.candidate),
        hearing=hearing.pk,
        appeal=appeal.pk,
        appeal_document=appeal.documents.get().pk,
        exam=exam.pk,
        deliberation=deliberation.pk,
        file=file.pk,
        code=Certificate.objects.first().code,
        certificate=Certificate.objects.first().pk,
        output=output.pk,
        message_kind="results",
        **RESET_LINK,
        **HELP,
    )


def client_for(client, role):
    if role != "anonymous":
        client.force_login(user(ACCOUNTS[role]))
    return client


def expected_location(expected, url, kwargs):
    if expected == LOGIN:
        return f"{reverse('login')}?next={url}"
    if expected == ADMIN_LOGIN:
        return f"{reverse('admin:login')}?next={url}"
    if expected == "grid":
        return reverse("evaluations:grid", kwargs={"pk": kwargs["pk"]})
    if expected == "deliberation":
        return reverse("evaluations:deliberation", kwargs={"pk": kwargs["pk"]})
    if expected == "carnet":
        carnet = reverse("spaces:companion_candidate", kwargs={"candidate_pk": kwargs["candidate_pk"]})
        return f"{carnet}#competence-{kwargs['competence_pk']}"
    return reverse(expected)


@pytest.mark.parametrize("role", ROLES)
def test_access(client, world, role):
    client = client_for(client, role)
    answers = {}
    for name, (method, params, expected) in sorted({**TABLE, **ADMIN_TABLE}.items()):
        kwargs = {key: getattr(world, value) for key, value in params.items()}
        url = reverse(name, kwargs=kwargs)
        response = getattr(client, method.lower())(url)
        wanted = expected[ROLES.index(role)]
        if isinstance(wanted, int):
            answers[name] = (response.status_code, wanted)
        else:
            answers[name] = (
                (response.status_code, response.get("Location")),
                (302, expected_location(wanted, url, kwargs)),
            )
    assert {name: got for name, (got, _) in answers.items()} == {name: want for name, (_, want) in answers.items()}


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages(client, world, role):
    client = client_for(client, role)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if role != "administrator":
            assert (response.status_code, response["Location"]) == (302, f"{reverse('admin:login')}?next={url}"), url
        elif model._meta.label in ADMIN_FORBIDDEN_TO_ADMINISTRATORS:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 200, url
