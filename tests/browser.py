"""What the browser tests share: logging in as a demo account, and the screenshots kept to be looked at."""

import os
from pathlib import Path

from django.urls import reverse
from playwright.sync_api import expect

from candidates.demo import PASSWORD

TABLET, PHONE = (1024, 768), (390, 844)


def log_in(page, username):
    """Logs in through the login page with the demo password, and waits for the page it leads to."""
    page.goto(reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    expect(page.locator("main, #content").first).to_be_visible()


def screenshot(page, name, sizes=()):
    """The whole page into SCREENSHOT_DIR when it is set: as it is, or at each of `sizes` (width, height),
    the window then set back to a tablet's."""
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return
    Path(directory).mkdir(parents=True, exist_ok=True)
    if not sizes:
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)
        return
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(Path(directory) / f"{name}-{width}x{height}.png"), full_page=True)
    page.set_viewport_size({"width": TABLET[0], "height": TABLET[1]})
