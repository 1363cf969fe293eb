"""Every page to WCAG 2.1 AA (the RGAA), as axe-core sees it in Debian's chromium.

The pages are those of the access table (tests/test_access.py: each GET row visited as the first role it
answers 200 to) and the admin's pages an administrator uses (each model's list, its add page when allowed,
and the page of one of its objects), each at a desktop's and a phone's size. axe-core comes from its npm
package (package.json, installed by scripts/setup into node_modules/). The accessibility statement
(templates/accessibility.html) says what this test covers. Run alone with `python -m pytest -m browser`.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from certificates.models import IssuingRun
from evaluations.models import Deliberation
from tests.browser import PHONE, log_in, screenshot
from tests.test_access import (  # noqa: F401 (world: the access table's objects, a fixture)
    ACCOUNTS,
    ADMIN_FORBIDDEN_TO_ADMINISTRATORS,
    ADMIN_TABLE,
    ROLES,
    TABLE,
    world,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
IMPACTS = {"critical", "serious", "moderate"}
DESKTOP = (1024, 768)
# Rules turned off, each with its reason (keep this short).
DISABLED_RULES = {}


def axe_source():
    if not AXE.exists():
        pytest.fail(
            f"axe-core is missing at {AXE}: run scripts/setup (or `npm ci` in the project's folder), "
            "which installs the version pinned in package-lock.json.",
            pytrace=False,
        )
    return AXE.read_text()


def access_table_pages(objects):
    """(role, url) of every GET row of the access table, visited as the first role that it answers 200."""
    for name, (method, params, expected) in sorted({**TABLE, **ADMIN_TABLE}.items()):
        if method != "GET" or 200 not in expected:
            continue
        kwargs = {key: getattr(objects, value) for key, value in params.items()}
        yield ROLES[expected.index(200)], reverse(name, kwargs=kwargs)


def admin_pages(objects):
    """The administrator's pages of the admin: its index, each model's list, add page and one object's page, and
    the pages added to the admin that the access table has no row for yet."""
    yield reverse("admin:index")
    yield reverse("admin:candidates_candidate_import")
    yield reverse("admin:certificates_certificate_revoke", args=[objects.certificate])
    run = IssuingRun.objects.order_by("pk").first()
    if run is not None:
        yield reverse("admin:certificates_issuingrun_progress", args=[run.pk])
    for model in admin.site._registry:
        if model._meta.label in ADMIN_FORBIDDEN_TO_ADMINISTRATORS:
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{prefix}_changelist")
        yield reverse(f"{prefix}_add")
        instance = model._default_manager.order_by("pk").first()
        if instance is not None:
            try:
                yield reverse(f"{prefix}_change", args=[instance.pk])
            except NoReverseMatch:
                pass


AXE_RUN = """async ([tags, rules]) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]});
  return results.violations.map((v) => ({id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" "))}));
}"""


def violations_of(page, url, size):
    # The page's own scripts first: the admin's repairs run at the next animation frame after a change or a
    # resize (static/admin-a11y/admin-a11y.js), as a user would meet the page.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    found = page.evaluate(AXE_RUN, [TAGS, {rule: {"enabled": False} for rule in DISABLED_RULES}])
    return [
        f"{url} at {size[0]}×{size[1]}: {v['id']} ({v['impact']}) on {', '.join(v['targets'][:5])}"
        for v in found
        if v["impact"] in IMPACTS
    ]


def test_every_page_meets_wcag_21_aa(request, live_server):
    source = axe_source()
    # The roles' groups (a transactional test before this one flushed them), then the world, before the browser:
    # the world signs PDFs in pyHanko's own asyncio loop, which Playwright's loop would forbid.
    request.getfixturevalue("role_groups")
    objects = request.getfixturevalue("world")
    IssuingRun.objects.create(deliberation_id=objects.deliberation, total=1)  # its progress, under way
    open_browser = request.getfixturevalue("open_browser")
    pages = {role: [] for role in ROLES}
    for role, url in access_table_pages(objects):
        pages[role].append(url)
    pages["administrator"] += [url for url in admin_pages(objects) if url not in pages["administrator"]]
    violations = []
    for role, urls in pages.items():
        if not urls:
            continue
        page = open_browser()
        page.context.add_init_script(source)
        if role != "anonymous":
            log_in(page, ACCOUNTS[role])
        for url in urls:
            answer = page.request.get(url, max_redirects=0)
            if answer.status != 200 or "text/html" not in answer.headers.get("content-type", ""):
                continue  # a file (PDF, CSV, ics...), or an add page the administrator may not use
            page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
            page.goto(url)
            for size in (DESKTOP, PHONE):
                page.set_viewport_size({"width": size[0], "height": size[1]})
                violations += violations_of(page, url, size)
        page.context.close()
    assert not violations, f"{len(violations)} accessibility violations:\n" + "\n".join(violations)


def test_the_issuing_progress_updates_a_polite_live_region_without_reloading(open_browser, demo_exams):
    president = get_user_model().objects.get(username=ACCOUNTS["national"])
    deliberation = Deliberation.objects.create(
        title="Jury de printemps", held_on=timezone.localdate(), president=president
    )
    run = IssuingRun.objects.create(deliberation=deliberation, total=2, done=1)
    page = open_browser()
    log_in(page, ACCOUNTS["administrator"])
    page.goto(reverse("admin:certificates_issuingrun_progress", args=[run.pk]))
    status = page.get_by_role("status")
    expect(status).to_have_text("1 / 2 certificats (50 %)")
    expect(status).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("link", name="Actualiser")).to_be_visible()  # without JavaScript, by hand
    page.evaluate("window.stillHere = true")  # gone if the page reloaded itself

    IssuingRun.objects.filter(pk=run.pk).update(done=2, finished_at=timezone.now())
    expect(status).to_contain_text("2 / 2 certificats (100 %)")
    expect(status.get_by_role("link", name="Télécharger l'archive ZIP")).to_be_visible()
    expect(page.get_by_role("link", name="Actualiser")).to_have_count(0)
    assert page.evaluate("window.stillHere") is True
    assert page.locator("#issuing-progress").evaluate("bar => [bar.value, bar.max]") == [2, 2]
    screenshot(page, "issuing-progress", sizes=(DESKTOP, PHONE))


def test_the_import_errors_are_text_in_the_page_not_only_on_hover(open_browser, demo_exams, tmp_path):
    upload = tmp_path / "candidats.csv"
    upload.write_text(
        "Nom;Prénom;Date de naissance;Courriel;Organisme;Emploi;CQP;Voie;Pass validée le;"
        "Prem'ss validée le;Livret 2 reçu le;Manager (courriel);Tuteur (courriel)\n"
        "Petit;Omar;31/02/1988;;CPAM de Paris;;XX;Formation;;;;;\n",
        encoding="utf-8",
    )
    page = open_browser()
    page.context.add_init_script(axe_source())
    log_in(page, ACCOUNTS["administrator"])
    page.goto(reverse("admin:candidates_candidate_import"))
    page.locator("#id_import_file").set_input_files(upload)
    page.locator("#id_format").select_option("0")
    page.locator("#content form [type=submit]").click()
    for error in ("Date « 31/02/1988 » illisible (attendu : JJ/MM/AAAA).", "CQP « XX » inconnu (GC ou COS)."):
        expect(page.get_by_text(error)).to_be_visible()  # the mouse is nowhere near
    screenshot(page, "import-errors", sizes=(DESKTOP, PHONE))
    found = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        found += violations_of(page, "the import's preview", size)
    assert found == []
