"""A re-sit in a real browser (Debian's chromium): the jury of a bloc examined again reads, above its grid,
the previous decision and both juries' recommendations. Photographed at 1024×768 and 390×844 into
SCREENSHOT_DIR, when it is set."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import PHONE, TABLET, log_in, screenshot

from .test_resit import RECOMMENDATIONS, resit_of
from .test_results_mail import sign, spring  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_jury_of_a_resit_reads_the_previous_decision_above_the_grid(open_browser, spring):  # noqa: F811
    sign(spring)
    resit = resit_of("Fontaine")
    resit.full_clean()
    resit.save()
    page = open_browser()
    log_in(page, "president")
    page.goto(reverse("evaluations:grid", kwargs={"pk": resit.pk}))
    section = page.get_by_role("region", name="Épreuve repassée : décisions précédentes")
    expect(section).to_contain_text("Bloc GRU — non validé par le jury paritaire national le")
    expect(section).to_contain_text(f"Préconisations des jurys : {RECOMMENDATIONS}")
    expect(page.locator("#grid-form")).to_be_visible()
    screenshot(page, "grille-epreuve-repassee", sizes=(TABLET, PHONE))
