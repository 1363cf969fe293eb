"""Hostile input never makes a server error: every URL of the application, every admin page (third-party
apps' included), every filter and form field, tried with what a penetration test sends.

NUL bytes, `²` (a digit to Python's isdigit(), not to int()), 20-digit numbers, quotes, very long
strings and unknown ids go into query strings, forms and URL parameters, as the administrator and as
the superuser for the admin, as the role that reaches each page for the application. Every answer must
be below 500 (a refusal: 400, 404, the admin's « ?e=1 », a form shown again with its errors).
"""

import importlib
import re
import time
from html import unescape
from types import SimpleNamespace
from urllib.parse import quote, urlsplit

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from candidates.demo import PASSWORD
from certificates import services as certificate_services
from certificates.models import Certificate
from cqp_site import admin_guards, otp_admin
from evaluations import services
from evaluations.models import BlocDecision, CandidateFile
from outputs.services import request_output
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user
from tests.test_access import ACCOUNTS, HELP, LOGIN, RESET_LINK, ROLES, TABLE, candidate_space, record_appeal

pytestmark = pytest.mark.django_db

NUL, SUPERSCRIPT, TWENTY_DIGITS, UNKNOWN_ID = "a\x00b", "²", "9" * 20, "987654321"
QUOTED_LONG = "'" + "é" * 1000 + "'"
# The application's few fields get each value; the admin's many parameters get values that combine them:
# a text field reads a NUL byte, a quote and a long string alike; a number or a date stops at `²`.
HOSTILE = (NUL, SUPERSCRIPT, TWENTY_DIGITS, QUOTED_LONG, UNKNOWN_ID)
COMBINED = ("²'\x00" + "é" * 1000, TWENTY_DIGITS)
HOSTILE_INTS = (UNKNOWN_ID, TWENTY_DIGITS)  # what an <int:…> URL parameter accepts
NOT_POSTED = {"logout"}  # posting would end the session the walk uses
FEW_FIELDS = 8  # a larger form (a grid) gets its fields all at once only


@pytest.fixture
def admin_as_started(settings):
    """The admin as `CertificationAdminConfig.ready()` leaves it once it calls `otp_admin.register()` and
    `admin_guards.guard_site()` (tests/test_trust_wiring.py); until then, made so here, URLs read again."""
    if admin_guards.is_guarded() and isinstance(admin.site._registry[TOTPDevice], otp_admin.TOTPDeviceAdmin):
        return
    otp_admin.register()
    admin_guards.guard_site()
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def world(demo_exams, signing_certificate, admin_as_started):
    """A signed deliberation with its certificates, and an open one with a file and its decisions."""
    martin = exam_of("Martin", "GRU")
    run_exam(martin)
    run_exam(exam_of("Martin", "MDR"))
    signed = deliberation_for(SPRING)
    services.add_ready_files(signed, user("jpn"))
    signed = services.sign_deliberation(signed, user("jpn"), PASSWORD)
    certificate_services.number_certificates(signed)
    appeal = record_appeal(BlocDecision.objects.get(file__deliberation=signed, bloc__code="GRU"))
    fontaine = exam_of("Fontaine", "GRU")
    run_exam(fontaine, validated=False, verdict="unfavourable")
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))  # Fontaine's file, and the appeal heard
    file = CandidateFile.objects.get(deliberation=deliberation, candidate=fontaine.candidate)
    return SimpleNamespace(
        **candidate_space(martin.candidate),
        certificate=Certificate.objects.filter(candidate=martin.candidate).first().pk,
        hearing=deliberation.pk,
        appeal=appeal.pk,
        appeal_document=appeal.documents.get().pk,
        exam=fontaine.pk,
        deliberation=deliberation.pk,
        file=file.pk,
        decision=BlocDecision.objects.filter(file=file).first().pk,
        code=Certificate.objects.first().code,
        output=request_output(  # the national jury member's minutes, made at once (immediate task backend)
            "minutes", user=user("jpn"), title="Procès-verbal", parameters={"deliberation": deliberation.pk}
        ).pk,
        **RESET_LINK,
        **HELP,
    )


class Walk:
    """Sends the requests and keeps every server error, with its address, for one assertion."""

    def __init__(self):
        self.errors = []
        self.count = 0

    def send(self, client, method, url, data=None):
        self.count += 1
        # Each request from its own address: the rate limit of /verifier/ answers 429 to a 21st lookup, which
        # would hide what the following ones do.
        address = f"10.{self.count // 65536 % 256}.{self.count // 256 % 256}.{self.count % 256}"
        try:
            response = getattr(client, method)(url, data or {}, REMOTE_ADDR=address)
        except Exception as error:  # the test client raises what the view raised
            self.errors.append(f"{method.upper()} {url[:150]} {data_summary(data)}: {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.errors.append(f"{method.upper()} {url[:150]} {data_summary(data)}: {response.status_code}")
        return response


def data_summary(data):
    return {key: value[:12] for key, value in (data or {}).items()} if data else ""


def client_for(username=None):
    client = Client(raise_request_exception=True)
    if username:
        client.force_login(user(username))
    return client


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
NAME = re.compile(r"""<(?:input|select|textarea|button)\b[^>]*\bname=["']([^"']+)["']""", re.IGNORECASE)


def forms_of(html, url):
    """The forms of a page: (method, action, field names)."""
    found = []
    for attributes, body in FORM.findall(html):
        method = re.search(r"""method=["'](\w+)""", attributes, re.IGNORECASE)
        action = re.search(r"""action=["']([^"']*)""", attributes, re.IGNORECASE)
        target = unescape(action.group(1)) if action and action.group(1) else url
        names = sorted(set(NAME.findall(body)) - {"csrfmiddlewaretoken"})
        found.append(((method.group(1).lower() if method else "get"), urlsplit(target).path, names))
    return found


# --- The application ------------------------------------------------------------------------------


def reaching_role(expected):
    """The first role the access table lets through (a page, a refusal of an empty form, a redirection
    elsewhere than to a login or home page), else anonymous."""
    for role, answer in zip(ROLES, expected, strict=True):
        if isinstance(answer, int) and answer < 403 or isinstance(answer, str) and answer not in (LOGIN, "home"):
            return role
    return "anonymous"


def int_parameters(name):
    """The names of the <int:…> parameters of a URL, the others being <path:…>."""
    namespace, _sep, url_name = name.rpartition(":")
    patterns = get_resolver().url_patterns

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + [pattern.namespace])
            elif pattern.name == url_name and ":".join(filter(None, prefix)) == namespace:
                yield pattern

    pattern = next(walk(patterns, []))
    return {key for key, converter in pattern.pattern.converters.items() if type(converter).__name__ == "IntConverter"}


def walk_application(walk, world):
    clients = {role: client_for(ACCOUNTS.get(role)) for role in ROLES}
    pages = []
    for name, (method, params, expected) in sorted(TABLE.items()):
        client = clients[reaching_role(expected)]
        kwargs = {key: getattr(world, value) for key, value in params.items()}
        url = reverse(name, kwargs=kwargs)
        response = walk.send(client, method.lower(), url)
        html = response.getvalue().decode(errors="replace") if response is not None else ""  # files stream
        pages.append((name, client, url, html))
        # Each parameter of the address, unknown or hostile.
        ints = int_parameters(name)
        for key in kwargs:
            for value in HOSTILE_INTS if key in ints else HOSTILE:
                hostile = reverse(name, kwargs={**kwargs, key: "1" if key not in ints else value})
                if key not in ints:
                    hostile = hostile.replace("/1/", f"/{quote(value, safe='')}/")
                walk.send(client, method.lower(), hostile)
    for name, client, url, html in pages:
        for method, action, names in forms_of(html, url):
            if name in NOT_POSTED or action == reverse("logout"):
                continue
            if method == "get" or len(names) <= FEW_FIELDS:
                for field in names + ["page"] * (method == "get"):
                    for value in HOSTILE:  # one field at a time, the others left out
                        walk.send(client, method, action, {field: value})
            if method == "post" and names:
                for value in HOSTILE:  # every field at once
                    walk.send(client, method, action, dict.fromkeys(names, value))


# --- The admin ------------------------------------------------------------------------------------


def filter_parameters(model_admin, superuser):
    """Every parameter the change list's filters, date hierarchy, search, ordering and pages read."""
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    request = RequestFactory().get(url)
    request.user, request.resolver_match = superuser, resolve(url)
    changelist = model_admin.get_changelist_instance(request)
    names = {"q", "o", "p"}
    for spec in changelist.filter_specs:
        names.update(spec.expected_parameters())
    if changelist.date_hierarchy:
        names.update(f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day"))
    return sorted(names)


def admin_object_urls(model, model_admin):
    """The admin's addresses of an object (change, delete, history, and those a ModelAdmin adds), for
    unknown and hostile ids."""
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    for pattern in model_admin.get_urls():
        if not (isinstance(pattern, URLPattern) and (pattern.name or "").startswith(prefix)):
            continue
        converters = pattern.pattern.converters
        if len(converters) != 1:
            continue
        ((key, converter),) = converters.items()
        if type(converter).__name__ == "IntConverter":
            values = HOSTILE_INTS
        else:  # change, delete and history read the id alike: the change page gets the hostile ones
            values = (UNKNOWN_ID, *COMBINED) if pattern.name.endswith("_change") else (UNKNOWN_ID,)
        for value in values:
            yield reverse(f"admin:{pattern.name}", kwargs={key: "1"}).replace("/1/", f"/{quote(value, safe='')}/")


def walk_admin(walk, username, models):
    """The account's change lists with each parameter hostile in turn, actions on hostile selections, the
    object pages of unknown and hostile ids, the add page posted with hostile values."""
    client = client_for(username)
    superuser = user("admin")
    for model in models:
        model_admin = admin.site._registry[model]
        info = model._meta.app_label, model._meta.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        response = walk.send(client, "get", changelist)
        if response is None or response.status_code != 200:
            continue
        for parameter in filter_parameters(model_admin, superuser):
            for value in COMBINED:
                walk.send(client, "get", changelist, {parameter: value})
        for value in COMBINED:
            walk.send(client, "post", changelist, {"action": "delete_selected", "_selected_action": value})
        walk.send(client, "post", changelist, {"action": NUL, "_selected_action": "1"})
        for url in admin_object_urls(model, model_admin):
            walk.send(client, "get", url)
        add = reverse("admin:{}_{}_add".format(*info))
        response = walk.send(client, "get", add)
        if response is not None and response.status_code == 200:
            html = response.content.decode()
            names = next((names for method, _action, names in forms_of(html, add) if method == "post"), [])
            for value in (*COMBINED, SUPERSCRIPT):
                walk.send(client, "post", add, dict.fromkeys(names, value))


def walk_admin_site(walk):
    """The site's own pages: the autocomplete of a related field, and the link to an object on the site."""
    client = client_for("admin")
    autocomplete = reverse("admin:autocomplete")
    valid = {"app_label": "referentials", "model_name": "certificationbloc", "field_name": "bloc", "term": "GRU"}
    assert walk.send(client, "get", autocomplete, valid).status_code == 200
    for key in valid:
        for value in HOSTILE:
            walk.send(client, "get", autocomplete, {**valid, key: value})
    for value in HOSTILE:
        for url in (f"{quote(value, safe='')}/1", f"1/{quote(value, safe='')}"):
            walk.send(client, "get", reverse("admin:index") + f"r/{url}/")
        walk.send(client, "get", reverse("admin:index") + f"{quote(value, safe='')}/")


def glance_at_admin(walk, username, models):
    """The account's change lists, every parameter hostile at once."""
    client = client_for(username)
    superuser = user("admin")
    for model in models:
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        parameters = filter_parameters(admin.site._registry[model], superuser)
        for value in (SUPERSCRIPT, *COMBINED, UNKNOWN_ID):
            walk.send(client, "get", changelist, dict.fromkeys(parameters, value))


def test_no_hostile_input_makes_a_server_error(world):
    """The administrator's admin pages are walked in full as the administrator, the others (accounts, logins,
    tasks, devices) as the superuser; each account also opens every change list with hostile filters."""
    started = time.monotonic()
    walk = Walk()
    walk_application(walk, world)
    application = walk.count
    administrator = user("gestionnaire")
    request = SimpleNamespace(user=administrator)
    theirs = [model for model, model_admin in admin.site._registry.items() if model_admin.has_view_permission(request)]
    others = [model for model in admin.site._registry if model not in theirs]
    walk_admin(walk, "gestionnaire", theirs)
    walk_admin(walk, "admin", others)
    walk_admin_site(walk)
    glance_at_admin(walk, "admin", theirs)
    glance_at_admin(walk, "gestionnaire", others)
    elapsed = time.monotonic() - started
    print(f"{walk.count} requests ({application} to the application) in {elapsed:.1f} s")
    assert not walk.errors, "\n".join([f"{len(walk.errors)} server errors in {walk.count} requests:", *walk.errors])
    assert len(theirs) > 10 and len(others) >= 5
    assert application > 150 and walk.count > 900, (application, walk.count)


def test_statistics_refuse_filters_they_do_not_offer(client, world):
    client.force_login(user("gestionnaire"))
    url = reverse("evaluations:statistics")
    for query in ({"session": "²"}, {"cqp": "GC\x00"}, {"session": "9" * 20}, {"par": "x"}, {"voie": "'"}):
        response = client.get(url, query)
        assert response.status_code == 400, query
        assert "Filtre inconnu : les statistiques sont affichées sans filtre." in response.content.decode()
    assert client.get(url, {"cqp": "GC", "session": str(exam_of("Martin", "GRU").session_id)}).status_code == 200


def test_a_decision_named_by_anything_but_its_id_is_not_found(client, world):
    client.force_login(user("jpn"))
    url = reverse("evaluations:candidate_file", kwargs={"pk": world.deliberation, "file_pk": world.file})
    for value in ("abc", "²", "9" * 20, "", "1\x00"):
        assert client.post(url, {"decision": value}).status_code == 404, value


def test_the_bloc_add_page_opens(admin_client, shipped_referential):
    response = admin_client.get(reverse("admin:referentials_bloc_add"))
    assert response.status_code == 200
    assert 'name="version"' in response.content.decode()


def test_a_year_the_date_hierarchy_cannot_count_is_refused_as_the_admin_refuses_bad_filters(admin_client, db):
    """CertificateAdmin has the guards of itself, whether the site guards every admin or not."""
    url = reverse("admin:certificates_certificate_changelist")
    for query in ({"issued_on__year": "9" * 20}, {"issued_on__year": "9999"}, {"issued_on__year": "²"}):
        response = admin_client.get(url, query)
        assert (response.status_code, response["Location"]) == (302, f"{url}?e=1"), query


def test_an_unknown_totp_device_is_not_found(admin_client, admin_as_started):
    for name in ("config", "qrcode"):
        assert admin_client.get(reverse(f"admin:otp_totp_totpdevice_{name}", args=[987654321])).status_code == 404


def test_an_action_on_ids_that_are_no_ids_is_a_bad_request(admin_client, admin_as_started):
    url = reverse("admin:candidates_organisation_changelist")
    for value in ("²", "9" * 20, "a\x00b", "'"):
        response = admin_client.post(url, {"action": "delete_selected", "_selected_action": value})
        assert response.status_code == 400, value
