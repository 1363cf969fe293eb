"""The admin speaks French: every change list, add form and change form an administrator opens, the
libraries' pages included (django-tasks, axes, django-otp, the audit trail), and the catalog of the
site's words (locale/fr) gives French plurals.

The walk reads the text a user sees or hears (text, titles, alternative texts, labels of buttons) and
looks for the English words found there before the labels were made French."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils.translation import ngettext

from tests.test_access import world  # noqa: F401  (the fixture: a signed deliberation, its certificate, audit rows)
from tests.test_trust_hostile_input import admin_as_started  # noqa: F401  (the admin as the site starts it)

pytestmark = pytest.mark.django_db

# Words that leaked into the admin, each seen on some page: column headers, field labels, filters, titles,
# application names, help texts of libraries, values shown raw.
ENGLISH = {
    "Revoked",
    "Started",
    "Done",
    "User",
    "Exam",
    "File",
    "Grid",
    "Appeal",
    "Deliberation",
    "Decided",
    "Acquired",
    "Cqp",
    "Created",
    "Updated",
    "Status",
    "Name",
    "Task",
    "Tasks",
    "Result",
    "Results",
    "Backend",
    "Database",
    "Ready",
    "Running",
    "Failed",
    "Successful",
    "Locked",
    "Search",
    "Identity",
    "Timestamps",
    "Throttling",
    "State",
    "Drift",
    "Digits",
    "Tolerance",
    "Key",
    "Log",
    "Pgh",
    "Otp_Totp",
    "Can",
    "The",
    "Access",
    "Agent",
    "by",
    "the",
    "of",
    "insert",
    "update",
    "draft",
    "submitted",
    "signed",
    "device",
    "devices",
    "attempt",
    "attempts",
    "object",
    "label",
    "context",
    "events",
    "tally",
    "sequence",
    "heartbeat",
    "worker",
    "award",
    "assessment",
    "mark",
    "entry",
    "priority",
    "queue",
    "status",
    "started",
    "finished",
    "enqueued",
}
# Left in English, with the reason: django-nested-admin writes its inline's « Remove » link in its own
# templates, untranslated (nested_admin/templates/nesting/admin/inlines/*.html).
LEFT = {("Remove", "/admin/referentials/")}


class VisibleText(HTMLParser):
    """What a reader sees or hears: text outside scripts and styles, titles, alternative texts, labels."""

    hidden = {"script", "style", "template", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.headers, self._open, self._header = [], [], [], None

    def handle_starttag(self, tag, attrs):
        self._open.append(tag)
        attrs = dict(attrs)
        if tag == "th" and attrs.get("scope") == "col":
            self._header = []
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        while self._open and self._open.pop() != tag:
            pass
        if tag == "th" and self._header is not None:
            self.headers.extend(part.strip() for part in self._header if part.strip())
            self._header = None

    def handle_data(self, data):
        if self.hidden.intersection(self._open):
            return
        self.parts.append(data)
        if self._header is not None:
            self._header.append(data)


def admin_pages():
    """The change list, the add form and the first object's change form of every registered model."""
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{info}_changelist")
        try:
            yield reverse(f"{info}_add")
        except NoReverseMatch:
            pass
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            yield reverse(f"{info}_change", args=[first.pk])


def english_words(url, html):
    text = VisibleText()
    text.feed(html)
    words = set(re.findall(r"[A-Za-z_]+(?![\wÀ-ÿ'’])", " ".join(text.parts)))
    found = {word for word in words & ENGLISH if not any(word == w and url.startswith(u) for w, u in LEFT)}
    # Column headers named after a lookup or a field without a French name: « exam__session » reads
    # « Exam  session », a field name « started_at » reads « Started at ».
    found |= {header for header in text.headers if "  " in header or "_" in header}
    return found


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.fr", "x" * 16))
    return client


def test_the_admin_speaks_french_everywhere(superuser_client, world, admin_as_started):  # noqa: F811
    english, statuses = {}, {}
    for url in admin_pages():
        response = superuser_client.get(url)
        statuses[url] = response.status_code
        if response.status_code == 200:
            if words := english_words(url, response.content.decode()):
                english[url] = sorted(words)
    # Read-only records (audit rows, runs, logs) refuse their add form; every other page answers.
    assert {url: status for url, status in statuses.items() if status != 200 and not url.endswith("/add/")} == {}
    assert {status for url, status in statuses.items() if url.endswith("/add/")} <= {200, 403}
    assert len(statuses) > 100  # every model, audit tables and libraries included
    assert english == {}


def test_english_words_are_found():
    """The walk can fail: a page with an English header, label or value is reported."""
    page = (
        '<table><thead><tr><th scope="col"><a href="?o=1">Exam  session</a></th><th scope="col">Date</th>'
        "</tr></thead></table><label>Revoked by :</label><p>Tasks Database Backend</p>"
        '<img alt="Search"><input type="submit" value="Rechercher"><script>var Done = 1;</script>'
    )
    assert english_words("/admin/x/", page) == {
        "Exam  session",
        "Exam",
        "Revoked",
        "by",
        "Tasks",
        "Database",
        "Backend",
        "Search",
    }


def test_add_form_titles_read_right_before_a_vowel(admin_client):
    """Django's « Ajout de %s » gave « Ajout de épreuve »: the catalog says « Ajout : %s » for every model."""
    for url, title in (
        (reverse("admin:candidates_exam_add"), "Ajout : épreuve"),
        (reverse("admin:referentials_bloc_add"), "Ajout : bloc de compétences"),
    ):
        html = admin_client.get(url).content.decode()
        assert f"<h1>{title}</h1>" in html
        assert f"<title>{title} | " in html
        assert "Ajout de " not in html


def test_french_plurals_count_zero_and_one_as_singular():
    assert ngettext("%(count)d jour", "%(count)d jours", 0) % {"count": 0} == "0 jour"
    assert ngettext("%(count)d jour", "%(count)d jours", 1) % {"count": 1} == "1 jour"
    assert ngettext("%(count)d jour", "%(count)d jours", 2) % {"count": 2} == "2 jours"


def test_the_catalog_is_tidy():
    """No fuzzy entry (gettext would ignore it), every plural translated (else English rules apply: 0 jours)."""
    catalog = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
    entries = catalog.read_text().split("\n\n")
    assert '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"' in entries[0]
    assert [entry for entry in entries if "#, fuzzy" in entry or "#~" in entry] == []
    plurals = [entry for entry in entries if "msgid_plural" in entry]
    assert plurals
    assert [entry for entry in plurals if re.search(r'^msgstr\[[01]\] ""$(?!\n")', entry, re.M)] == []
