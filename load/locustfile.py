"""Load scenario: jury members filling and saving their grids, the national jury browsing a deliberation
of 2,000 files, and a trivial page as the baseline of the same server in the same run.

Run by `scripts/load` (which prepares the database with `manage.py setup_load` and serves the
application with gunicorn on PostgreSQL). JURY_USERS sets how many jury members save at once."""

import itertools
import os
import random
import re
import time

from locust import HttpUser, between, constant, events, task

PASSWORD = "charge-cqp-ucanss"
JURY_ACCOUNTS = itertools.count(1)
NATIONAL_ACCOUNTS = itertools.count(1)
REVISION = re.compile(r'name="revision" value="(\d+)"')
CRITERION = re.compile(r'name="(criterion-\d+)"')
VERDICT = re.compile(r'name="(verdict-\d+)"')


STARTED = itertools.count(1)


def log_in(user, username):
    user.client.get("/connexion/", name="connexion")
    user.client.post(
        "/connexion/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": user.client.cookies["csrftoken"]},
        name="connexion (envoi)",
    )


def started(user):
    """Once the last account has logged in and found its page, the figures start again from zero: a login
    hashes a password (PBKDF2, a third of a second of CPU by design), and fifty of them would weigh on the
    measured window."""
    if next(STARTED) == JuryMember.fixed_count + NationalJuryMember.fixed_count:
        user.environment.stats.reset_all()
        MEASURED["since"] = time.monotonic()


MEASURED = {}


@events.quitting.add_listener
def say_the_window(environment, **kwargs):
    if "since" in MEASURED:
        print(f"fenêtre mesurée : {time.monotonic() - MEASURED['since']:.0f} s, après la connexion de tous les comptes")


class JuryMember(HttpUser):
    fixed_count = int(os.environ.get("JURY_USERS", "50"))
    wait_time = between(2, 6)  # marking criteria between two saves: a grid takes minutes to fill

    def on_start(self):
        log_in(self, f"charge.jury.{next(JURY_ACCOUNTS)}")
        home = self.client.get("/jury/", name="mes épreuves")
        self.grid_url = re.search(r'href="(/jury/epreuves/\d+/)"', home.text).group(1)
        started(self)

    @task
    def fill_and_save(self):
        page = self.client.get(self.grid_url, name="grille")
        data = {
            "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
            "revision": REVISION.search(page.text).group(1),
            "save": "1",
        }
        for name in set(CRITERION.findall(page.text)):
            data[name] = random.choice(["oui", "oui", "oui", "non", ""])
        for name in set(VERDICT.findall(page.text)):
            data[name] = "favourable"
        with self.client.post(
            self.grid_url, data, name="enregistrement de la grille", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"enregistrement refusé : {response.status_code}")


class NationalJuryMember(HttpUser):
    fixed_count = int(os.environ.get("NATIONAL_USERS", "5"))
    wait_time = between(1, 3)

    def on_start(self):
        log_in(self, f"charge.jpn.{next(NATIONAL_ACCOUNTS)}")
        listing = self.client.get("/jury-national/", name="délibérations")
        self.url = re.search(r'href="(/jury-national/deliberations/\d+/)"', listing.text).group(1)
        started(self)

    @task
    def browse(self):
        self.client.get(f"{self.url}?page={random.randint(1, 40)}", name="délibération (page de 50 dossiers)")


class Baseline(HttpUser):
    """The same server's answer to a trivial page, measured alongside."""

    fixed_count = 1
    wait_time = constant(0.5)

    @task
    def health(self):
        self.client.get("/sante/vivant/", name="page triviale (/sante/vivant/)")
