"""The public page of a replaced certificate in a real browser, on a desktop and a phone: it says replaced,
when and by which number, and its link leads to the new certificate, valid."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.urls import reverse
from django.utils import formats, timezone
from playwright.sync_api import expect

from certificates import services
from certificates.models import Certificate
from tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def in_a_thread(function):
    """pyHanko signs each PDF in an asyncio loop of its own, which Playwright's loop, running in this thread,
    forbids: the certificates are produced in another thread (its own database connection, closed after)."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:  # raised again in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def issue_and_reissue(deliberation):
    """The deliberation's certificates issued (committed at once: the worker, immediate in tests, produces and
    signs the PDFs), then Léa Martin's name corrected and her first certificate re-issued."""
    services.start_issuing(deliberation)
    old = Certificate.objects.order_by("number").first()
    old.candidate.last_name = "Martin-Durand"
    old.candidate.save(update_fields=["last_name"])
    gestionnaire = get_user_model().objects.get(username="gestionnaire")
    return old, services.reissue_certificate(old, "Nom d'usage corrigé.", acting_user=gestionnaire)


def test_the_page_of_a_replaced_certificate_leads_to_the_new_one(open_browser, spring):
    old, new = in_a_thread(lambda: issue_and_reissue(spring))
    assert Certificate.objects.get(pk=new.pk).pdf  # produced and signed, like any certificate
    today = formats.date_format(timezone.localdate(), "j F Y")

    page = open_browser()
    page.goto(reverse("certificates:verify", kwargs={"code": old.code}))
    verdict = page.locator("#verdict")
    expect(verdict).to_have_text(
        f"Certificat remplacé le {today} par le n° {new.number} : il n'est plus valide, "
        "seul le nouveau certificat fait foi."
    )
    expect(verdict).to_have_attribute("role", "alert")
    expect(page.locator("dd").first).to_have_text("Léa MARTIN")
    screenshot(page, "certificat-remplace-1024x768")

    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off a phone's screen
    link = verdict.get_by_role("link", name=f"n° {new.number}")
    expect(link).to_be_visible()
    screenshot(page, "certificat-remplace-390x844")

    link.click()
    expect(page).to_have_url(f"{page.url.split('/verifier/')[0]}/verifier/{new.code}/")
    expect(page.locator("#verdict")).to_have_text("Certificat valide, délivré par l'Ucanss.")
    expect(page.locator("dd").first).to_have_text("Léa MARTIN-DURAND")
    expect(page.get_by_text(f"{today}, en remplacement du n° {old.number}")).to_be_visible()
    screenshot(page, "certificat-reedite-390x844")
