"""Logs as the service writes them on standard output: one line per event, JSON or text, with the request
id echoed to the client; events with database ids and no personal data; server errors mailed to ADMINS."""

import contextlib
import email
import email.policy
import io
import json
import logging
import logging.config
import re

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponse
from django.urls import path, reverse

from candidates.demo import PASSWORD
from cqp_site import logs
from cqp_site.error_reports import ReportWithoutRequest
from evaluations import services
from evaluations.models import Deliberation

from .evaluations.conftest import exam_of
from .evaluations.test_deliberations import SPRING, deliberation_for, run_exam
from .evaluations.test_services import all_validated

pytestmark = pytest.mark.django_db

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


# --- A URLconf of the tests' own (`@pytest.mark.urls(__name__)`): nothing of it reaches the project --------


def traced_view(request):
    logger = logging.getLogger("tests.logs")
    logger.info("first line of the request", extra={"exam_id": 12})
    logger.warning("second line of the request")
    return HttpResponse("ok")


def failing_view(request):
    raise RuntimeError("panne pour le test")


urlpatterns = [path("trace/", traced_view), path("panne/", failing_view)]


# --- Helpers --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def stdout_of(log_format):
    """What the stdout handler, as `logging_config(log_format, ...)` builds it, writes meanwhile.

    The handler is built by the logging module's own configurator from the project's dict, writing into a
    buffer, and attached where the real one is (the root, `django` and `django.request`, which do not
    propagate), so the lines are those production would print.
    """
    config = logs.logging_config(log_format, "INFO")
    output = io.StringIO()
    config["handlers"]["stdout"]["stream"] = output
    configurator = logging.config.DictConfigurator(config)
    for section, build in (
        ("formatters", configurator.configure_formatter),
        ("filters", configurator.configure_filter),
    ):
        built = configurator.config[section]
        for name in list(built):
            built[name] = build(built[name])
    handler = configurator.configure_handler(configurator.config["handlers"]["stdout"])
    loggers = [logging.getLogger(name) for name in ("", "django", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield output
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def json_lines(output):
    return [json.loads(line) for line in output.getvalue().splitlines()]


def user(username):
    return get_user_model().objects.get(username=username)


# --- Format and request id ------------------------------------------------------------------------------


@pytest.mark.urls(__name__)
def test_json_lines_carry_timestamp_level_logger_request_id_message_and_fields(client):
    with stdout_of("json") as output:
        response = client.get("/trace/")
    rid = response["X-Request-ID"]
    assert GENERATED_ID.fullmatch(rid)
    first, second = json_lines(output)
    assert set(first) == {"timestamp", "level", "logger", "request_id", "message", "exam_id"}
    assert (first["level"], first["logger"], first["request_id"], first["message"], first["exam_id"]) == (
        "INFO",
        "tests.logs",
        rid,
        "first line of the request",
        12,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", first["timestamp"])
    assert (second["level"], second["request_id"], second["message"]) == ("WARNING", rid, "second line of the request")
    # The next request has an id of its own.
    assert client.get("/trace/")["X-Request-ID"] not in (rid, "-")


@pytest.mark.urls(__name__)
def test_a_plain_incoming_request_id_is_kept(client):
    with stdout_of("json") as output:
        response = client.get("/trace/", headers={"X-Request-ID": "proxy-7f3a9c-0001"})
    assert response["X-Request-ID"] == "proxy-7f3a9c-0001"
    assert [line["request_id"] for line in json_lines(output)] == ["proxy-7f3a9c-0001", "proxy-7f3a9c-0001"]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    "hostile",
    [
        "abcdefgh\nINFO forged line",
        "abcdefgh\r\nSet-Cookie: sessionid=x",
        "abcdefgh\n",
        "a" * 500,
        "short",
        "id with spaces",
        "<script>alert(1)</script>",
    ],
    ids=["newline", "header-injection", "trailing-newline", "500-chars", "too-short", "spaces", "markup"],
)
def test_a_hostile_incoming_request_id_is_replaced(client, hostile):
    with stdout_of("text") as output:
        response = client.get("/trace/", headers={"X-Request-ID": hostile})
    rid = response["X-Request-ID"]
    assert GENERATED_ID.fullmatch(rid)
    lines = output.getvalue().splitlines()
    assert len(lines) == 2
    assert all(f" tests.logs [{rid}] " in line for line in lines)


def test_text_lines_are_one_line_per_event_whatever_the_message():
    with stdout_of("text") as output, logs.request_id("task-0123456789"):
        logger = logging.getLogger("tests.logs")
        logger.warning("a message\nINFO forged line")
        try:
            raise ValueError("a failure")
        except ValueError:
            logger.exception("a traceback")
    forged, failure = output.getvalue().splitlines()
    assert forged.endswith(" WARNING tests.logs [task-0123456789] a message\\nINFO forged line")
    assert " ERROR tests.logs [task-0123456789] a traceback\\nTraceback (most recent call last):\\n" in failure
    assert failure.endswith("ValueError: a failure")


def test_a_background_task_carries_the_id_it_is_given_and_lines_outside_any_request_a_dash():
    logger = logging.getLogger("tests.logs")
    with stdout_of("json") as output:
        logger.info("outside")
        with logs.request_id("0123456789abcdef"):
            assert logs.current_request_id() == "0123456789abcdef"
            logger.info("in the task")
        logger.info("outside again")
    assert [line["request_id"] for line in json_lines(output)] == ["-", "0123456789abcdef", "-"]


# --- Events without personal data ---------------------------------------------------------------------

PERSONAL = ("Léa", "Martin", "Claire", "Dumas", "Sophie", "Bernard", "Jean", "Paritaire", "president", "jury.maladie")


def events(output):
    """Each JSON line's level, event and ids; and all the lines as one text, accents unescaped."""
    lines = json_lines(output)
    constant = [{key: line[key] for key in line if key not in ("timestamp", "request_id")} for line in lines]
    return constant, json.dumps(lines, ensure_ascii=False)


def test_grid_submission_signatures_and_refusals_are_logged_with_ids_only(
    demo_exams, django_capture_on_commit_callbacks
):
    exam = exam_of("Martin", "GRU")
    president, representative = user("president"), user("jury.maladie")
    services.save_grid(exam, president, all_validated(exam), 0)
    with stdout_of("json") as output:
        for call in (
            lambda: services.submit_grid(exam, president),
            lambda: services.sign_grid(exam, president, PASSWORD),
            lambda: services.sign_grid(exam, representative, "pas le bon mot de passe"),
            lambda: services.sign_grid(exam, representative, PASSWORD),
        ):
            with django_capture_on_commit_callbacks(execute=True), contextlib.suppress(services.GridError):
                call()
    grid = exam.grid
    ids = {"exam_id": exam.pk, "grid_id": grid.pk}
    logged, text = events(output)

    def line(level, event, user, **more):
        fields = {**ids, "user_id": user.pk, **more}
        message = " ".join([event, *(f"{name}={value}" for name, value in fields.items())])
        return {"level": level, "logger": "evaluations", "message": message, "event": event, **fields}

    assert logged == [
        line("INFO", "grid_submitted", president),
        line("INFO", "grid_signed", president, fully_signed=False),
        line("WARNING", "grid_signature_refused", representative),
        line("INFO", "grid_signed", representative, fully_signed=True),
    ]
    assert not [name for name in PERSONAL if name in text]


def test_reopening_a_grid_is_logged_with_the_signatures_withdrawn(demo_exams, django_capture_on_commit_callbacks):
    exam = exam_of("Martin", "GRU")
    president, representative = user("president"), user("jury.maladie")
    services.save_grid(exam, president, all_validated(exam), 0)
    services.submit_grid(exam, president)
    services.sign_grid(exam, president, PASSWORD)
    with stdout_of("text") as output, django_capture_on_commit_callbacks(execute=True):
        services.reopen_grid(exam, representative)
    (logged,) = output.getvalue().splitlines()
    assert logged.endswith(
        f" INFO evaluations [-] grid_reopened exam_id={exam.pk} grid_id={exam.grid.pk} "
        f"user_id={representative.pk} signatures_withdrawn=1"
    )


def test_nothing_is_logged_of_a_change_rolled_back(demo_exams, django_capture_on_commit_callbacks):
    exam = exam_of("Martin", "GRU")
    services.save_grid(exam, user("president"), all_validated(exam), 0)
    with stdout_of("json") as output, django_capture_on_commit_callbacks(execute=True) as callbacks:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            services.submit_grid(exam, user("president"))
            raise RuntimeError("the request fails after the submission")
    assert (callbacks, output.getvalue()) == ([], "")


def test_signing_a_deliberation_is_logged_with_ids_only(demo_exams, django_capture_on_commit_callbacks):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    president = user("jpn")
    with stdout_of("json") as output:
        with pytest.raises(services.DeliberationError, match="Mot de passe incorrect"):
            services.sign_deliberation(deliberation, president, "pas le bon")
        with django_capture_on_commit_callbacks(execute=True):
            services.sign_deliberation(deliberation, president, PASSWORD)
    assert Deliberation.objects.get(pk=deliberation.pk).is_signed
    logged, text = events(output)
    # The results' sending task, queued by the signature, logs its own run (its id changes each time).
    assert [line["message"].split()[-1] for line in logged if line["logger"] == "django_tasks"] == [
        "state=RUNNING",
        "state=SUCCESSFUL",
    ]
    logged = [line for line in logged if line["logger"] != "django_tasks"]
    ids = f"deliberation_id={deliberation.pk} user_id={president.pk}"
    assert logged == [
        {
            "level": "WARNING",
            "logger": "evaluations",
            "message": f"deliberation_signature_refused {ids}",
            "event": "deliberation_signature_refused",
            "deliberation_id": deliberation.pk,
            "user_id": president.pk,
        },
        {
            "level": "INFO",
            "logger": "evaluations",
            "message": f"deliberation_signed {ids} files=1 blocs_acquired=2 cqp_awarded=0 withdrawn_on_appeal=0",
            "event": "deliberation_signed",
            "deliberation_id": deliberation.pk,
            "user_id": president.pk,
            "files": 1,
            "blocs_acquired": 2,
            "cqp_awarded": 0,
            "withdrawn_on_appeal": 0,
        },
    ]
    assert not [name for name in PERSONAL if name in text]


def test_a_refused_login_is_logged_without_username_address_or_browser(client, django_user_model):
    django_user_model.objects.create_user("sophie.bernard", password="le-bon-mot-de-passe")
    with stdout_of("json") as output:
        response = client.post(
            reverse("login"),
            {"username": "sophie.bernard", "password": "le-mauvais-mot-de-passe"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_USER_AGENT="NavigateurDeTest",
        )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    refused = [line for line in json_lines(output) if line["logger"] == "cqp_site.security"]
    assert [{key: line[key] for key in ("level", "message", "event", "request_id")} for line in refused] == [
        {
            "level": "WARNING",
            "message": "login refused",
            "event": "login_refused",
            "request_id": response["X-Request-ID"],
        }
    ]
    for personal in ("sophie.bernard", "le-mauvais-mot-de-passe", "203.0.113.7", "NavigateurDeTest"):
        assert personal not in output.getvalue()


# --- Server errors ----------------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler keeping every message received."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class LocalSmtpServer(Controller):
    """aiosmtpd's controller on a port the system picks: its start-up check connects to the port bound."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and the settings sending Django's mail to it."""
    mailbox = Mailbox()
    server = LocalSmtpServer(mailbox, hostname="127.0.0.1", port=0)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield mailbox
    server.stop()


@pytest.mark.urls(__name__)
def test_a_server_error_is_logged_with_the_request_id_and_without_the_request(client):
    client.raise_request_exception = False
    with stdout_of("json") as output:
        response = client.get("/panne/?nom=Dumas", HTTP_USER_AGENT="NavigateurDeTest")
    assert response.status_code == 500
    (logged,) = json_lines(output)
    assert set(logged) == {"timestamp", "level", "logger", "request_id", "message", "status_code", "exc_info"}
    assert (logged["level"], logged["logger"], logged["request_id"], logged["message"], logged["status_code"]) == (
        "ERROR",
        "django.request",
        response["X-Request-ID"],
        "Internal Server Error: /panne/",
        500,
    )
    assert logged["exc_info"].endswith("RuntimeError: panne pour le test")
    assert "Dumas" not in output.getvalue() and "NavigateurDeTest" not in output.getvalue()


@pytest.mark.urls(__name__)
def test_admins_get_server_errors_by_mail_with_the_request_id(client, settings, smtp_server):
    settings.DEBUG = False
    settings.ADMINS = [("Exploitation", "exploitation@ucanss.example")]
    # The handler is the one settings.LOGGING set up when Django started, not one made for the test.
    configured = {handler.name: handler for handler in logging.getLogger("django.request").handlers if handler.name}
    assert {name: type(handler).__name__ for name, handler in configured.items()} == {
        "stdout": "StreamHandler",
        "mail_admins": "AdminEmailHandler",
    }
    assert configured["mail_admins"].reporter_class is ReportWithoutRequest
    client.raise_request_exception = False
    response = client.get(
        "/panne/?nom=Dumas", headers={"X-Request-ID": "incident-2024-0042"}, HTTP_USER_AGENT="NavigateurDeTest"
    )
    assert (response.status_code, response["X-Request-ID"]) == (500, "incident-2024-0042")
    assert [envelope.rcpt_tos for envelope in smtp_server.envelopes] == [["exploitation@ucanss.example"]]
    message = email.message_from_bytes(smtp_server.envelopes[0].content, policy=email.policy.default)
    assert message["Subject"] == "[Certification CQP] ERROR (EXTERNAL IP): Internal Server Error: /panne/"
    body = message.get_content()
    first_line = body.splitlines()[0]
    assert first_line.endswith(" ERROR django.request [incident-2024-0042] Internal Server Error: /panne/")
    assert 'raise RuntimeError("panne pour le test")' in body
    # The request's data (user, query, cookies, address, browser) stays out of the mail.
    assert "Request data not supplied" in body
    for personal in ("Dumas", "NavigateurDeTest", "META:", "USER:"):
        assert personal not in body


@pytest.mark.urls(__name__)
def test_no_mail_while_debugging(client, settings, smtp_server):
    settings.DEBUG = True
    settings.ADMINS = [("Exploitation", "exploitation@ucanss.example")]
    client.raise_request_exception = False
    assert client.get("/panne/").status_code == 500
    assert smtp_server.envelopes == []
