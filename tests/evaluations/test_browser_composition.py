"""The national joint jury's composition in a real browser: the president reads what the jury lacks before
the signature button, which stays disabled until the jury is complete, then signs.

Screenshots (1024×768 and 390×844) go to the directory named by SCREENSHOT_DIR, when it is set."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.demo import PASSWORD
from evaluations import services
from evaluations.models import College, DeliberationMember, DeliberationStatus
from tests.browser import log_in, screenshot

from .conftest import exam_of
from .test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_president_sees_what_the_jury_lacks_and_signs_once_it_is_complete(open_browser, demo_exams):
    run_exam(exam_of("Martin", "GRU"))
    run_exam(exam_of("Martin", "MDR"))
    deliberation = deliberation_for(SPRING)
    services.add_ready_files(deliberation, user("jpn"))
    DeliberationMember.objects.filter(deliberation=deliberation, name="Marie Syndicat").delete()

    page = open_browser()
    log_in(page, "jpn")
    page.get_by_role("link", name=deliberation.title).click()

    composition = page.get_by_role("region", name="Composition du jury")
    expect(composition.get_by_role("heading", level=3)).to_have_text(
        ["Collège employeurs · 2 membres", "Collège salariés · 1 membre"]
    )
    expect(composition.get_by_role("listitem")).to_have_text(
        ["Jean Paritaire (Ucanss)", "Sylvie Morel (Ucanss)", "Louis Collège (FO)"]
    )
    missing = page.locator("#composition-missing")
    expect(missing).to_contain_text("Composition du jury incomplète : la délibération ne peut pas encore être signée.")
    expect(missing.get_by_role("listitem")).to_have_text(
        [
            "Collège salariés : 1 membre présent, 2 requis.",
            "Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 2.",
        ]
    )
    sign = page.get_by_role("button", name="Signer la délibération")
    expect(sign).to_be_disabled()
    expect(sign).to_have_accessible_description(
        "Composition du jury incomplète : la délibération ne peut pas encore être signée. "
        "Collège salariés : 1 membre présent, 2 requis. "
        "Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 2."
    )
    expect(page.locator("#id_password")).to_be_disabled()
    missing.scroll_into_view_if_needed()
    screenshot(page, "composition-incomplete-1024")
    page.set_viewport_size({"width": 390, "height": 844})
    missing.scroll_into_view_if_needed()
    screenshot(page, "composition-incomplete-390")
    page.set_viewport_size({"width": 1024, "height": 768})

    DeliberationMember.objects.create(
        deliberation=deliberation, name="Marie Syndicat", college=College.EMPLOYEES, organisation="CFDT"
    )
    page.reload()
    expect(page.locator("#composition-missing")).to_have_count(0)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Signer la délibération").click()
    expect(page.get_by_role("status")).to_have_text(
        "Délibération signée : ses décisions sont inscrites au dossier de chaque candidat."
    )
    expect(page.get_by_role("region", name="Composition du jury").get_by_role("listitem")).to_have_count(4)
    deliberation.refresh_from_db()
    assert deliberation.status == DeliberationStatus.SIGNED


def test_an_administrator_records_the_members_by_college_and_reads_what_is_missing(open_browser, demo_exams):
    page = open_browser()
    page.goto(reverse("login"))
    page.locator("#id_username").fill("gestionnaire")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(reverse("admin:evaluations_deliberation_add"))
    page.get_by_label("Intitulé").fill("Jury paritaire national — session de printemps")
    page.get_by_label("Date de la délibération").fill("15/06/2026")
    page.locator("#id_members_from option", has_text="jpn").dblclick()
    page.get_by_label("Président de la délibération").select_option(label="jpn")
    page.locator("#id_sessions_from option", has_text="session de printemps").first.dblclick()
    rows = page.locator("#jury_members-group tbody tr.form-row:not(.empty-form)")
    expect(rows).to_have_count(4)  # two lines per college, as the default settings ask
    for row, (name, college, organisation) in zip(
        rows.all(),
        [
            ("Jean Paritaire", "collège employeurs", "Ucanss"),
            ("Sylvie Morel", "collège employeurs", "Ucanss"),
            ("Marie Syndicat", "collège salariés", "CFDT"),
        ],
        strict=False,
    ):
        row.locator("input[name$='-name']").fill(name)
        row.locator("select[name$='-college']").select_option(label=college)
        row.locator("input[name$='-organisation']").fill(organisation)
    screenshot(page, "composition-admin-1024")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".messagelist .warning")).to_have_text(
        "Composition du jury incomplète : la délibération ne peut pas encore être signée. "
        "Collège salariés : 1 membre présent, 2 requis. "
        "Parité : il manque 1 membre au collège salariés, le collège employeurs en compte 2."
    )
    assert sorted(DeliberationMember.objects.values_list("name", "college")) == [
        ("Jean Paritaire", "employers"),
        ("Marie Syndicat", "employees"),
        ("Sylvie Morel", "employers"),
    ]
    screenshot(page, "composition-admin-saved-1024")
