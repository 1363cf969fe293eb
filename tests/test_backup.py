"""Backups: one tar file with the database and every stored file, restored whole, in another process as
an administrator runs it, onto an empty database and storage; damaged or forged archives refused with
nothing written."""

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from certificates import services
from certificates.models import Certificate
from tests.certificates import conftest as certificates_fixtures
from tests.certificates.test_certificates import load_cert_from_pemder_p12

POSTGRESQL = connection.vendor == "postgresql"
PDF = "certificates/2026/CCP-GC-2026-000001.pdf"
REFUSED = "Archive refusée"

spring, winter = certificates_fixtures.spring, certificates_fixtures.winter  # the signed deliberations


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@dataclasses.dataclass
class Target:
    """An empty database and storage folder, which a restore run in another process writes to."""

    url: str
    media: Path

    def connect(self):
        if self.url.startswith("sqlite:"):
            return contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///")))
        return contextlib.closing(psycopg2.connect(self.url))

    def query(self, sql):
        with self.connect() as database:
            cursor = database.cursor()
            cursor.execute(sql)
            return cursor.fetchall()

    def tables(self):
        if self.url.startswith("sqlite:"):
            return self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        return self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")

    def stored(self):
        return stored_files(self.media)


@pytest.fixture
def target(tmp_path):
    media = tmp_path / "restored-media"
    if not POSTGRESQL:
        yield Target(f"sqlite:///{tmp_path / 'restored.sqlite3'}", media)
        return
    params = connection.settings_dict
    name = f"cqp_restore_{uuid.uuid4().hex[:12]}"
    server = psycopg2.connect(
        dbname="postgres", host=params["HOST"], port=params["PORT"], user=params["USER"], password=params["PASSWORD"]
    )
    server.autocommit = True
    server.cursor().execute(f'CREATE DATABASE "{name}"')
    credentials = quote(params["USER"]) + (f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else "")
    yield Target(f"postgres://{credentials}@{params['HOST']}:{params['PORT']}/{name}", media)
    server.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.close()


@pytest.fixture
def media(settings, tmp_path):
    """The default storage in a folder of the test's own, so that a backup holds this test's files only."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def restore(archive, target, media=None):
    """`manage.py restore` in another process, configured from the environment as in production."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "S3_", "DATABASE_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="cqp_site.settings",
        DATABASE_URL=target.url,
        MEDIA_ROOT=str(media or target.media),
        DEBUG="1",
        SECRET_KEY="backup-tests-only-secret-key-not-for-any-deployment",
    )
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def stored_files(media):
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def issue_back_up_and_restore(spring, winter, media, target, tmp_path):
    """Four signed certificates (three CCP, the CQP GC), backed up, then restored."""
    services.start_issuing(spring)
    services.start_issuing(winter)
    issued = list(Certificate.objects.order_by("number").values_list("number", "pdf", "sha256"))
    assert len(issued) == 4 and all(pdf and digest for _number, pdf, digest in issued)
    archive = tmp_path / "sauvegarde.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    result = restore(archive, target)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == f"4 certificats, {len(stored_files(media))} fichiers restaurés."
    return archive, issued


def assert_restored(target, media, issued, settings):
    """The same rows, every stored file under its name, each PDF with its digest and a valid signature."""
    assert target.query("SELECT number, pdf, sha256 FROM certificates_certificate ORDER BY number") == issued
    assert target.stored() == stored_files(media)
    trust = load_cert_from_pemder_p12(settings)
    for _number, pdf, digest in issued:
        data = (target.media / pdf).read_bytes()
        assert sha256(data) == digest
        (signature,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trust]))
        assert (status.intact, status.valid, status.coverage.name) == (True, True, "ENTIRE_FILE")


def assert_a_second_restore_is_refused(archive, target, tmp_path):
    again = restore(archive, target, media=tmp_path / "another-media")
    assert again.returncode == 1
    assert "La base cible n'est pas vide" in again.stderr
    assert "une sauvegarde ne se restaure que dans une base vide" in again.stderr
    assert not (tmp_path / "another-media").exists()


@pytest.mark.skipif(not POSTGRESQL, reason="pg_dump and pg_restore: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_restores_signed_certificates_their_triggers_and_audit_trail(
    role_groups, media, spring, winter, target, tmp_path, settings
):
    archive, issued = issue_back_up_and_restore(spring, winter, media, target, tmp_path)
    audit = list(
        apps.get_model("certificates", "CertificateAudit").objects.order_by("pgh_id").values_list("pgh_label", "number")
    )
    assert_restored(target, media, issued, settings)
    assert sorted(label for label, _number in audit) == ["insert"] * 4 + ["update"] * 4  # numbered, then stored
    assert target.query("SELECT pgh_label, number FROM certificates_certificateaudit ORDER BY pgh_id") == audit
    with target.connect() as database, pytest.raises(psycopg2.Error, match="pgtrigger: Cannot update rows"):
        database.cursor().execute("UPDATE certificates_certificate SET number = number || '-BIS'")
    with target.connect() as database, pytest.raises(psycopg2.Error, match="pgtrigger: Cannot delete rows"):
        database.cursor().execute("DELETE FROM certificates_certificate")
    assert_a_second_restore_is_refused(archive, target, tmp_path)


@pytest.mark.skipif(POSTGRESQL, reason="the SQLite variant (the PostgreSQL one runs on PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_an_sqlite_backup_restores_signed_certificates(role_groups, media, spring, winter, target, tmp_path, settings):
    archive, issued = issue_back_up_and_restore(spring, winter, media, target, tmp_path)
    assert_restored(target, media, issued, settings)
    assert_a_second_restore_is_refused(archive, target, tmp_path)


@pytest.fixture
def small_archive(db, media, tmp_path):
    """A backup of the test database and two stored files."""
    default_storage.save(PDF, ContentFile(b"%PDF-1.7 un certificat"))
    default_storage.save("imports/candidats.csv", ContentFile("Nom;Prénom\nMartin;Léa\n".encode()))
    archive = tmp_path / "sauvegarde.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    return archive


def test_the_manifest_gives_each_apps_last_migration_and_every_file_with_its_digest(small_archive, media):
    with tarfile.open(small_archive) as archive:
        assert archive.getnames() == ["database.dump", f"files/{PDF}", "files/imports/candidats.csv", "manifest.json"]
        manifest = json.load(archive.extractfile("manifest.json"))
        dump = archive.extractfile("database.dump").read()
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    assert {app: manifest["migrations"][app] for app in leaves} == leaves
    assert (manifest["format"], manifest["engine"]) == (1, connection.vendor)
    assert manifest["database"] == {"name": "database.dump", "size": len(dump), "sha256": sha256(dump)}
    assert manifest["files"] == [
        {"name": name, "size": (media / name).stat().st_size, "sha256": sha256((media / name).read_bytes())}
        for name in [PDF, "imports/candidats.csv"]
    ]
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("backup", str(small_archive))


def forged(archive, change):
    """A copy of the archive whose members ({name: bytes}) and manifest `change` alters in place;
    it returns the members it adds as they are (links)."""
    with tarfile.open(archive) as tar:
        members = {member.name: tar.extractfile(member).read() for member in tar.getmembers()}
    manifest = json.loads(members.pop("manifest.json"))
    added = change(members, manifest) or []
    path = archive.with_name("falsifiee.tar")
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [*members.items(), ("manifest.json", json.dumps(manifest).encode())]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in added:
            tar.addfile(info)
    return path


def change_a_byte(members, manifest):
    data = members[f"files/{PDF}"]
    members[f"files/{PDF}"] = data[:-1] + bytes([data[-1] ^ 1])


def drop_a_file(members, manifest):
    del members[f"files/{PDF}"]


def add_a_file(member_name, name=None):
    def change(members, manifest):
        members[member_name] = b"malveillant"
        if name:
            manifest["files"].append({"name": name, "size": 11, "sha256": sha256(b"malveillant")})

    return change


def add_a_link(members, manifest):
    link = tarfile.TarInfo("files/lien.pdf")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    manifest["files"].append({"name": "lien.pdf", "size": 0, "sha256": sha256(b"")})
    return [link]


def test_an_archive_with_a_changed_file_is_refused_and_nothing_is_written(small_archive, target):
    result = restore(forged(small_archive, change_a_byte), target)
    assert result.returncode == 1
    assert (
        f"files/{PDF} ne correspond pas à sa taille et à son empreinte SHA-256 du manifeste. Rien n'a été écrit."
        in result.stderr
    )
    assert (target.tables(), target.stored()) == ([], [])


@pytest.mark.parametrize(
    "change, reason",
    [
        (drop_a_file, f"membre manquant : files/{PDF}"),
        (add_a_file("files/en-plus.pdf"), "membre absent du manifeste : files/en-plus.pdf"),
        (add_a_file("files/../../evil.pdf", "../../evil.pdf"), "chemin interdit (sortant du stockage"),
        (add_a_file("/tmp/evil.pdf", "/tmp/evil.pdf"), "chemin absolu interdit : '/tmp/evil.pdf'"),
        (add_a_link, "'files/lien.pdf' n'est pas un fichier ordinaire"),
    ],
)
def test_a_forged_archive_is_refused_before_anything_is_written(small_archive, settings, tmp_path, change, reason):
    archive = forged(small_archive, change)
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    with pytest.raises(CommandError, match=re.escape(reason)) as refusal:
        call_command("restore", str(archive))
    assert str(refusal.value).startswith(f"{REFUSED} ({archive})")
    assert not settings.MEDIA_ROOT.exists() and not (tmp_path.parent / "evil.pdf").exists()


def test_a_file_that_is_not_an_archive_is_refused(tmp_path):
    path = tmp_path / "sauvegarde.tar"
    path.write_bytes(b"ceci n'est pas une archive" * 100)
    with pytest.raises(CommandError, match="ce n'est pas une archive tar lisible"):
        call_command("restore", str(path))


def test_a_restore_onto_a_storage_holding_one_of_its_files_is_refused(small_archive, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "other-media"
    default_storage.save(PDF, ContentFile(b"un autre fichier"))
    with pytest.raises(
        CommandError, match=re.escape(f"Le stockage contient déjà 1 fichier de la sauvegarde (dont {PDF})")
    ):
        call_command("restore", str(small_archive))
    assert (settings.MEDIA_ROOT / PDF).read_bytes() == b"un autre fichier"
