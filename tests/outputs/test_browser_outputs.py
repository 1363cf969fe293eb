"""The progress page in a real browser: its script follows the worker and shows the result in place,
announced politely, without ever reloading the page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.demo import PASSWORD
from evaluations import services as evaluation_services
from outputs import services
from outputs.models import Output
from tests.evaluations.conftest import exam_of
from tests.evaluations.test_deliberations import SPRING, deliberation_for, run_exam, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_page_shows_the_finished_output_without_reloading(open_browser, demo_exams, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # a worker elsewhere
    run_exam(exam_of("Martin", "GRU"))
    deliberation = deliberation_for(SPRING)
    evaluation_services.add_ready_files(deliberation, user("jpn"))

    page = open_browser()
    page.goto(reverse("login"))
    page.locator("#id_username").fill("jpn")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.goto(reverse("evaluations:minutes_pdf", kwargs={"pk": deliberation.pk}))
    state = page.locator("#output-state")
    expect(state).to_have_text("En attente")
    expect(state).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("link", name="Actualiser")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    services.run_output(Output.objects.get().pk)  # the worker's turn
    expect(state).to_have_text("Terminé — 1 / 1 (100 %)")
    expect(page.get_by_role("link", name="Télécharger le fichier")).to_be_visible()
    expect(page.get_by_role("link", name="Actualiser")).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    assert page.locator("#output-bar").evaluate("bar => [bar.value, bar.max]") == [1, 1]
