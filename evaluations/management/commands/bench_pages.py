"""Every page of the access table, the admin pages administrators use and every heavy action, measured on
the current database (issue 14): median time, queries, and two ratios, to `/sante/` measured in the same
run and, with --compare, to the same page measured on another database (the demo's).

The pages are in one table, PAGES, with the role that may see each one. Objects are found by query (the
biggest session, the open deliberation, the biggest signed one, the president with the most exams...), so
the same command runs on the demo database and on the scale data (`setup_scale`). Everything runs in one
transaction rolled back at the end: the actions (adding files, signing, issuing certificates, importing)
change nothing that stays, and their background tasks, queued on commit, are never sent."""

import csv
import io
import json
import logging
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from candidates.models import Candidate, CertificationSession, Exam, JuryRole, Organisation, Person
from candidates.roles import UCANSS_ADMINISTRATORS
from certificates.models import Certificate
from evaluations.models import CandidateFile, Deliberation, DeliberationStatus, GridStatus, Ruling

PASSWORD = "mesure-des-pages-2026"  # given, inside the rolled-back transaction, to the account that signs
IMPORT_ROWS = 5000
SLOW = 5.0  # seconds: a page slower than this is measured once


class Rollback(Exception):
    pass


@dataclass(frozen=True)
class Page:
    label: str
    role: str  # an attribute of the objects found: the account that may see the page, or "" (anonymous)
    url: object  # objects -> URL
    method: str = "GET"
    data: object = None  # objects -> POST data
    action: bool = False  # it writes: measured once, its effect kept until the final rollback
    follow: object = None  # objects, response -> (url, data): a second request (an import's confirmation)


def admin_url(name, *args):
    return lambda o: reverse(f"admin:{name}", args=[getattr(o, arg).pk for arg in args])


def admin_action(action, target):
    """POST data of an admin action on one object."""
    return lambda o: {"action": action, "_selected_action": [getattr(o, target).pk], "index": 0}


def national(name, *targets):
    def url(o):
        kwargs = {"pk": getattr(o, targets[0]).pk}
        for key, target in zip(("file_pk", "exam_pk"), targets[1:], strict=False):
            kwargs[key] = getattr(o, target).pk
        return reverse(f"evaluations:{name}", kwargs=kwargs)

    return url


PAGES = [
    Page("Santé /sante/ (référence)", "", lambda o: reverse("health")),
    Page("Vivant /sante/vivant/", "", lambda o: reverse("alive")),
    Page("Connexion", "", lambda o: reverse("login")),
    Page("Vérifier un certificat (formulaire)", "", lambda o: reverse("certificates:lookup")),
    Page("Vérifier un certificat", "", lambda o: reverse("certificates:verify", kwargs={"code": o.certificate.code})),
    Page("Accueil (président de jury)", "president", lambda o: reverse("home")),
    Page("Mes épreuves (président de jury)", "president", lambda o: reverse("evaluations:jury_home")),
    Page("Grille signée", "president", lambda o: reverse("evaluations:grid", kwargs={"pk": o.exam.pk})),
    Page("Grille signée (PDF)", "president", lambda o: reverse("evaluations:grid_pdf", kwargs={"pk": o.exam.pk})),
    Page("Délibérations (jury national)", "national", lambda o: reverse("evaluations:deliberation_list")),
    Page("Statistiques", "national", lambda o: reverse("evaluations:statistics")),
    Page("Délibération ouverte", "national", national("deliberation", "open")),
    Page("Délibération signée", "signed_national", national("deliberation", "signed")),
    Page("Dossier d'un candidat (signée)", "signed_national", national("candidate_file", "signed", "file")),
    Page("Grille d'un dossier (PDF)", "signed_national", national("file_grid_pdf", "signed", "file", "file_exam")),
    Page("Admin : accueil", "administrator", lambda o: reverse("admin:index")),
    Page("Admin : candidats", "administrator", admin_url("candidates_candidate_changelist")),
    Page("Admin : fiche candidat", "administrator", admin_url("candidates_candidate_change", "candidate")),
    Page("Admin : sessions", "administrator", admin_url("candidates_certificationsession_changelist")),
    Page(
        "Admin : la plus grande session",
        "administrator",
        admin_url("candidates_certificationsession_change", "session"),
    ),
    Page("Admin : épreuves", "administrator", admin_url("candidates_exam_changelist")),
    Page("Admin : fiche épreuve", "administrator", admin_url("candidates_exam_change", "exam")),
    Page("Admin : grilles", "administrator", admin_url("evaluations_grid_changelist")),
    Page("Admin : délibérations", "administrator", admin_url("evaluations_deliberation_changelist")),
    Page("Admin : délibération signée", "administrator", admin_url("evaluations_deliberation_change", "signed")),
    Page("Admin : blocs acquis", "administrator", admin_url("candidates_acquiredbloc_changelist")),
    Page("Admin : CQP délivrés", "administrator", admin_url("candidates_cqpaward_changelist")),
    Page("Admin : certificats", "administrator", admin_url("certificates_certificate_changelist")),
    Page("Admin : fiche certificat", "administrator", admin_url("certificates_certificate_change", "certificate")),
    Page("Admin : historique des modifications", "administrator", admin_url("pghistory_events_changelist")),
    Page("Admin : historique des notes", "administrator", admin_url("evaluations_criterionmarkaudit_changelist")),
    Page("Admin : historique des candidats", "administrator", admin_url("candidates_candidateaudit_changelist")),
    Page("Admin : personnes", "administrator", admin_url("candidates_person_changelist")),
    Page("Admin : membres de jury", "administrator", admin_url("candidates_jurymember_changelist")),
    Page("Admin : organismes", "administrator", admin_url("candidates_organisation_changelist")),
    # Heavy actions, in this order: each finds what the ones before it left.
    Page(
        "Export des candidats (CSV)",
        "administrator",
        admin_url("candidates_candidate_export"),
        "POST",
        lambda o: o.export_form,
        action=True,
    ),
    Page(
        "Export des résultats d'une session (CSV)",
        "administrator",
        admin_url("candidates_certificationsession_changelist"),
        "POST",
        admin_action("export_results_csv", "session"),
        action=True,
    ),
    Page(
        "Export des résultats d'une délibération (CSV)",
        "administrator",
        admin_url("evaluations_deliberation_changelist"),
        "POST",
        admin_action("export_results_csv", "signed"),
        action=True,
    ),
    Page(
        f"Import de {IMPORT_ROWS} candidats (aperçu)",
        "administrator",
        admin_url("candidates_candidate_import"),
        "POST",
        lambda o: o.import_form,
        action=True,
        follow=lambda o, response: o.confirm_form(response),
    ),
    Page("Procès-verbal (PDF, délibération signée)", "signed_national", national("minutes_pdf", "signed"), action=True),
    Page("Ajouter les dossiers prêts", "national", national("add_files", "open"), "POST", lambda o: {}, action=True),
    Page("Délibération ouverte, dossiers ajoutés", "national", national("deliberation", "open")),
    Page(
        "Signer la délibération",
        "national",
        national("sign_deliberation", "open"),
        "POST",
        lambda o: {"password": PASSWORD},
        action=True,
    ),
    Page(
        "Procès-verbal (PDF, délibération qui vient d'être signée)",
        "national",
        national("minutes_pdf", "open"),
        action=True,
    ),
    Page(
        "Délivrer les certificats (action admin)",
        "administrator",
        admin_url("evaluations_deliberation_changelist"),
        "POST",
        admin_action("issue_certificates", "open"),
        action=True,
    ),
]


class FormReader(HTMLParser):
    """The fields of the page's forms, with their default values, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.forms, self.select = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("submit", "file", "button"):
                self.forms[-1]["fields"].setdefault(attrs["name"], []).append(attrs.get("value", "on"))
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select:  # the selected option, else the first that is not empty
            fields, value = self.forms[-1]["fields"], attrs.get("value", "")
            if "selected" in attrs or (value and not fields.get(self.select, [""])[0]):
                fields[self.select] = [value]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def form_with(html, field):
    """The action and fields of the first form that has this field."""
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        if field in form["fields"]:
            return form["action"], form["fields"]
    return None, {}


def find_objects():
    """The objects the pages show, found by query: the same on the demo and at scale."""
    User = get_user_model()
    o = SimpleNamespace()
    o.administrator = User.objects.filter(groups__name=UCANSS_ADMINISTRATORS, is_active=True).first()
    president = (
        Person.objects.filter(jury_role=JuryRole.PRESIDENT, user__isnull=False)
        .annotate(exams=Count("presided_exams"))
        .order_by("-exams")
        .first()
    )
    o.president = president.user
    o.exam = Exam.objects.filter(president=president, grid__status=GridStatus.SIGNED).order_by("-scheduled_at").first()
    o.session = CertificationSession.objects.annotate(n=Count("exams")).order_by("-n", "pk").first()
    o.open = Deliberation.objects.filter(status=DeliberationStatus.OPEN).order_by("-held_on", "-pk").first()
    if o.open is None:
        raise CommandError("Aucune délibération ouverte : la mesure signe celle-ci (puis annule tout).")
    o.national = o.open.president
    o.national.set_password(PASSWORD)
    o.national.save(update_fields=["password"])
    o.signed = (
        Deliberation.objects.filter(status=DeliberationStatus.SIGNED)
        .annotate(n=Count("files"))
        .order_by("-n", "-pk")
        .first()
    )
    if o.signed is None:  # the demo: its open deliberation is copied, then the copy signed
        o.signed = signed_copy(o.open)
    o.signed_national = o.signed.president
    o.file = o.signed.files.annotate(n=Count("blocs")).order_by("-n", "pk").first()
    o.file_exam = Exam.objects.filter(grid__decisions__file=o.file).first()
    o.certificate = Certificate.objects.filter(deliberation=o.signed).order_by("number").first()
    o.candidate = Candidate.objects.annotate(n=Count("exams")).order_by("-n", "pk").first()
    for name in ("administrator", "president", "exam", "session", "file", "file_exam", "certificate"):
        if getattr(o, name) is None:
            raise CommandError(f"Rien à mesurer : aucun objet « {name} » dans cette base.")
    return o


def signed_copy(deliberation):
    """A signed deliberation for the demo, which has none: the demo's files but one, moved to a copy of its
    open deliberation signed by the real services (all rolled back at the end)."""
    from certificates.services import number_certificates
    from evaluations import services
    from evaluations.demo import seat_example_jury

    copy = Deliberation.objects.create(
        title=f"{deliberation.title} (copie signée)",
        held_on=deliberation.held_on,
        members_present=deliberation.members_present,
        president=deliberation.president,
    )
    copy.members.set(deliberation.members.all())
    seat_example_jury(copy, deliberation.jury_members.values_list("name", "college", "organisation"))
    copy.sessions.set(deliberation.sessions.all())
    validated = Count("blocs", filter=Q(blocs__decision=Ruling.VALIDATED))
    moved = list(deliberation.files.annotate(v=validated).order_by("-v", "pk").values_list("pk", flat=True))
    CandidateFile.objects.filter(pk__in=moved[: max(1, len(moved) - 1)]).update(deliberation=copy)
    copy = services.sign_deliberation(copy, copy.president, PASSWORD)
    number_certificates(copy)
    return copy


def query_count(page, objects):
    """How many queries one display of the page makes (what the tests compare between the demo and scale)."""
    client = Client(raise_request_exception=False)
    if page.role:
        client.force_login(getattr(objects, page.role))
    ContentType.objects.clear_cache()  # the same start for every page: the process's cache may be warm or not
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page.url(objects), secure=True)
        if response.streaming:
            b"".join(response.streaming_content)
    return response.status_code, len(queries)


class Command(BaseCommand):
    help = (
        "Mesure chaque page du tableau des accès, les pages d'administration et chaque action lourde sur la base "
        "courante (tout est annulé à la fin) : médiane du temps, requêtes, rapport à /sante/ mesurée dans la même "
        "exécution et, avec --compare, rapport à la même page d'une autre mesure (la démo)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5, help="affichages mesurés par page (médiane)")
        parser.add_argument("--save", help="enregistre les mesures (JSON) dans ce fichier")
        parser.add_argument("--compare", help="mesures enregistrées (JSON) auxquelles se comparer")
        parser.add_argument("--certificates", type=int, default=50, help="taille du lot de certificats produits")
        parser.add_argument("--only", nargs="*", default=[], help="ne mesurer que les pages dont l'intitulé contient…")
        parser.add_argument("--skip", nargs="*", default=[], help="ne pas mesurer les pages dont l'intitulé contient…")

    def handle(self, *args, repeat, save, compare, certificates, only, skip, **options):
        other = json.load(open(compare, encoding="utf-8")) if compare else None
        media = tempfile.mkdtemp(prefix="bench-pages-")
        results = {}

        def wanted(label):
            return (not only or any(word in label for word in only)) and not any(word in label for word in skip)

        logging.disable(logging.CRITICAL)  # a line per login, per failed health check...: the table says it all
        try:
            with override_settings(ALLOWED_HOSTS=["testserver"], MEDIA_ROOT=media), transaction.atomic():
                objects = find_objects()
                self.forms(objects)
                for page in PAGES:
                    if wanted(page.label):
                        results[page.label], then = self.measure(page, objects, 1 if page.action else repeat)
                        self.report_line(page.label, results)
                        if then:
                            results[f"{page.label} puis confirmation"] = then
                            self.report_line(f"{page.label} puis confirmation", results)
                label = "Lot de certificats (PDF signés)"
                if wanted(label):
                    results[label] = self.certificate_batch(objects, certificates)
                    self.report_line(label, results)
                    produced = int(str(results[label]["status"]).split()[0] or 0)
                    if produced:
                        each = {**results[label], "ms": results[label]["ms"] / produced}
                        each["queries"] = results[label]["queries"] // produced
                        results["Un certificat (PDF signé), dans ce lot"] = each
                raise Rollback
        except Rollback:
            pass
        finally:
            logging.disable(logging.NOTSET)
            shutil.rmtree(media, ignore_errors=True)
        self.table(results, other)
        if save:
            with open(save, "w", encoding="utf-8") as out:
                json.dump({"database": settings.DATABASES["default"]["NAME"], "pages": results}, out, indent=1)

    # --- What is measured --------------------------------------------------------------------------

    def forms(self, o):
        """What the export and import forms send: their defaults, and a file of new candidates."""
        client = self.client(o.administrator)
        response = client.get(reverse("admin:candidates_candidate_export"), secure=True)
        _action, fields = form_with(response.content.decode(), "format")
        o.export_form = fields
        organisation = Organisation.objects.filter(candidates__isnull=False).first()
        text = io.StringIO()
        writer = csv.writer(text, delimiter=";")
        writer.writerow(
            [
                "Nom",
                "Prénom",
                "Date de naissance",
                "Courriel",
                "Organisme",
                "Emploi",
                "CQP",
                "Voie",
                "Pass validée le",
                "Prem'ss validée le",
                "Livret 2 reçu le",
                "Manager (courriel)",
                "Tuteur (courriel)",
            ]
        )
        for n in range(IMPORT_ROWS):
            writer.writerow(
                [
                    f"Importé{n:05d}",
                    "Camille",
                    f"{1 + n % 28:02d}/{1 + n // 28 % 12:02d}/{1970 + n // 336}",
                    f"importe.{n}@mesure.invalid",
                    organisation.name,
                    "Gestionnaire conseil",
                    "GC",
                    "Formation",
                    "01/02/2025",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        content = text.getvalue().encode()
        response = client.get(reverse("admin:candidates_candidate_import"), secure=True)
        _action, fields = form_with(response.content.decode(), "format")
        o.import_form = lambda: {
            **{key: values for key, values in fields.items()},
            "import_file": SimpleUploadedFile("candidats.csv", content, "text/csv"),
        }

        def confirm_form(response):
            action, fields = form_with(response.content.decode(), "import_file_name")
            return (action or reverse("admin:candidates_candidate_process_import")), fields

        o.confirm_form = confirm_form

    def client(self, user):
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
        return client

    def request(self, client, method, url, data):
        """One request, in a savepoint of its own: a page failing in the database (its answer, 500, is kept) does
        not stop the measures after it."""
        try:
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                if method == "GET":
                    response = client.get(url, secure=True)
                else:
                    response = client.post(url, data() if callable(data) else data, secure=True)
                size = len(b"".join(response.streaming_content) if response.streaming else response.content)
                elapsed = time.perf_counter() - start
        except DatabaseError:
            pass  # rolled back to the savepoint
        return response, elapsed, len(queries), size

    def measure(self, page, o, repeat):
        client = self.client(getattr(o, page.role) if page.role else None)
        url = page.url(o)
        data = page.data(o) if page.data else None
        timings, queries = [], None
        for _ in range(max(1, repeat)):
            response, elapsed, count, size = self.request(client, page.method, url, data)
            timings.append(elapsed)
            queries = count
            if elapsed > SLOW:
                break
        result = {
            "ms": statistics.median(timings) * 1000,
            "queries": queries,
            "status": response.status_code,
            "runs": len(timings),
            "bytes": size,
        }
        then = None
        if page.follow:
            url, data = page.follow(o, response)
            response, elapsed, count, size = self.request(client, "POST", url, data)
            then = {"ms": elapsed * 1000, "queries": count, "status": response.status_code, "runs": 1, "bytes": size}
        return result, then

    def certificate_batch(self, o, count):
        """What the workers do for `count` certificates: render, sign, store (in a temporary folder)."""
        from certificates import services

        if not settings.CERTIFICATE_P12_PATH.exists():
            self.stderr.write("Pas de certificat de signature : python manage.py create_signing_certificate")
            return {"ms": None, "queries": None, "status": "0 PDF", "runs": 0}
        batch = list(Certificate.objects.filter(pdf="").select_related("bloc", "certification")[:count])
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            for certificate in batch:
                services.produce_pdf(certificate)
            elapsed = time.perf_counter() - start
        return {"ms": elapsed * 1000, "queries": len(queries), "status": f"{len(batch)} PDF", "runs": 1}

    # --- What is printed ---------------------------------------------------------------------------

    def report_line(self, label, results):
        result = results[label]
        ms = "—" if result["ms"] is None else f"{result['ms']:.0f} ms"
        self.stderr.write(f"  {label} : {ms}, {result['queries']} requêtes ({result['status']})")

    def table(self, results, other):
        health = results.get(PAGES[0].label, {}).get("ms") or 1.0
        other_pages = other["pages"] if other else {}
        header = f"{'page':<58} {'p50 ms':>9} {'requêtes':>9} {'× /sante/':>10}"
        if other:
            header += f" {'× démo':>8} {'requêtes démo':>14}"
        self.stdout.write(header + f" {'réponse':>8} {'mesures':>8}")
        for label, result in results.items():
            ms, queries = result["ms"], result["queries"]
            line = (
                f"{label:<58} {'—' if ms is None else f'{ms:.1f}':>9} {'—' if queries is None else queries:>9} "
                f"{'—' if ms is None else f'{ms / health:.1f}x':>10}"
            )
            if other:
                before = other_pages.get(label, {})
                ratio = f"{ms / before['ms']:.1f}x" if ms is not None and before.get("ms") else "—"
                line += f" {ratio:>8} {before.get('queries', '—')!s:>14}"
            self.stdout.write(line + f" {result['status']!s:>8} {result['runs']:>8}")
        self.stdout.write(
            f"(/sante/ : {health:.1f} ms dans cette exécution ; médiane de {max(r['runs'] for r in results.values())} "
            f"affichages au plus, une seule mesure au-delà de {SLOW:.0f} s et pour les actions, annulées à la fin)"
        )
