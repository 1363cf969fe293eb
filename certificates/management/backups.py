"""Backups of the whole site in one tar file: the database and every stored file, with a manifest.

`manage.py backup` writes it; `manage.py restore` gives everything back onto an empty database and
a storage that holds none of its files. The archive is checked whole (its members, their names,
sizes and SHA-256) before anything is written, so a damaged or forged one is refused with nothing
written. Members:

    database.dump    pg_dump --format=custom (PostgreSQL), or a copy of the SQLite database
    files/<name>     each file of the default storage, under its name in the storage
    manifest.json    date, engine, last applied migration per app, every member's size and SHA-256

Stored files go through the default storage (local folder or S3), never through MEDIA_ROOT. The
database is dumped before the files are read: a certificate's PDF is stored before its row names
it, and stored files are never deleted, so every file a dumped row names is in the archive.
"""

import datetime
import hashlib
import io
import json
import os
import posixpath
import re
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
from django.core.files import File
from django.core.management.base import CommandError
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.dump"
FILES = "files/"
CHUNK = 1024 * 1024
SPOOL_BYTES = 16 * CHUNK
MANIFEST_BYTES = 64 * CHUNK
SHA256 = re.compile(r"[0-9a-f]{64}")
SQLITE_TIMEOUT = 20  # seconds to wait for a writer to finish, as the site's connections do

# libpq reads the connection from these variables: the password never shows on a command line.
POSTGRES_SETTINGS = {
    "HOST": "PGHOST",
    "PORT": "PGPORT",
    "USER": "PGUSER",
    "PASSWORD": "PGPASSWORD",
    "NAME": "PGDATABASE",
}
POSTGRES_OPTIONS = {
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
}


class ArchiveError(CommandError):
    """The archive is damaged or forged: refused before anything is written."""

    def __init__(self, archive, reason):
        super().__init__(f"Archive refusée ({archive}) : {reason}. Rien n'a été écrit.")


def digest(content):
    """SHA-256 and size of a binary stream, read by chunks."""
    sha256, size = hashlib.sha256(), 0
    while chunk := content.read(CHUNK):
        sha256.update(chunk)
        size += len(chunk)
    return sha256.hexdigest(), size


def storage_names(storage, directory=""):
    """Every file name of the storage, walking its folders with listdir."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        if directory:
            raise
        return []  # a local storage whose folder was never created holds nothing
    names = [posixpath.join(directory, name) for name in files]
    for name in directories:
        names += storage_names(storage, posixpath.join(directory, name))
    return sorted(names)


def migrations_state(connection):
    """The last migration applied to each app, in the order they were applied."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    last = dict(recorder.migration_qs.order_by("applied", "id").values_list("app", "name"))
    return dict(sorted(last.items()))


def postgres_environment(settings_dict):
    environment = dict(os.environ)
    for key, variable in POSTGRES_SETTINGS.items():
        if settings_dict.get(key):
            environment[variable] = str(settings_dict[key])
    for key, variable in POSTGRES_OPTIONS.items():
        if (settings_dict.get("OPTIONS") or {}).get(key):
            environment[variable] = str(settings_dict["OPTIONS"][key])
    return environment


def run_postgres_tool(arguments, settings_dict):
    try:
        result = subprocess.run(
            arguments, env=postgres_environment(settings_dict), capture_output=True, text=True, check=False
        )
    except FileNotFoundError as error:
        raise CommandError(
            f"{arguments[0]} introuvable : installez le client PostgreSQL (paquet postgresql-client)."
        ) from error
    if result.returncode:
        raise CommandError(f"{arguments[0]} a échoué :\n{result.stderr.strip()}")


def dump_database(connection, path):
    """A consistent copy of the database: pg_dump's snapshot, or SQLite's online backup."""
    if connection.vendor == "postgresql":
        run_postgres_tool(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"],
            connection.settings_dict,
        )
    elif connection.vendor == "sqlite":
        copy = sqlite3.connect(path)
        try:
            if connection.is_in_memory_db():
                connection.ensure_connection()
                connection.connection.backup(copy)
            else:
                # A connection of its own: SQLite refuses (and Python's backup() retries forever) to copy
                # from a connection in the middle of a write, such as Django's inside an atomic block.
                source = sqlite3.connect(connection.settings_dict["NAME"], timeout=SQLITE_TIMEOUT)
                try:
                    source.backup(copy)
                finally:
                    source.close()
        finally:
            copy.close()
    else:
        raise CommandError(f"Sauvegarde impossible : base {connection.vendor} non prise en charge.")


def load_database(connection, path):
    """The dump into the (empty) database: pg_restore in one transaction, or SQLite's backup API."""
    if connection.vendor == "postgresql":
        run_postgres_tool(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={connection.settings_dict['NAME']}",
                str(path),
            ],
            connection.settings_dict,
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


def add_member(archive, name, content, mtime):
    """`content` into the archive under `name`, spooled first so that its size is known; its digest."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        sha256 = hashlib.sha256()
        while chunk := content.read(CHUNK):
            sha256.update(chunk)
            spool.write(chunk)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = spool.tell(), mtime, 0o644
        spool.seek(0)
        archive.addfile(info, spool)
    return {"size": info.size, "sha256": sha256.hexdigest()}


def write_backup(path, *, connection, storage):
    """The archive at `path`, written under a temporary name and renamed once complete."""
    path = Path(path)
    if path.exists():
        raise CommandError(f"Le fichier {path} existe déjà : choisissez un autre nom.")
    now = datetime.datetime.now(datetime.UTC)
    mtime = int(now.timestamp())
    partial = path.with_name(f".{path.name}.partial")
    try:
        with tempfile.TemporaryDirectory(prefix="cqp-backup-") as work:
            dump = Path(work) / DATABASE
            dump_database(connection, dump)
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                with dump.open("rb") as content:
                    database = {"name": DATABASE, **add_member(archive, DATABASE, content, mtime)}
                files = []
                for name in storage_names(storage):
                    with storage.open(name, "rb") as content:
                        files.append({"name": name, **add_member(archive, FILES + name, content, mtime)})
                manifest = {
                    "format": FORMAT,
                    "created_at": now.isoformat(timespec="seconds"),
                    "engine": connection.vendor,
                    "django": django.get_version(),
                    "migrations": migrations_state(connection),
                    "database": database,
                    "files": files,
                }
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), mtime, 0o644
                archive.addfile(info, io.BytesIO(data))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def name_problem(name):
    """Why a storage name read from an archive may not be written (None when it may)."""
    if not isinstance(name, str) or not name:
        return "nom de fichier vide ou invalide"
    if name.startswith("/"):
        return f"chemin absolu interdit : {name!r}"
    if "\\" in name or any(ord(character) < 32 for character in name):
        return f"caractère interdit dans {name!r}"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return f"chemin interdit (sortant du stockage, « . » ou vide) : {name!r}"
    return None


class Archive:
    """A backup archive, checked whole when opened: use it as a context manager."""

    def __init__(self, path):
        self.path = path
        try:
            self.tar = tarfile.open(path, "r:")
        except FileNotFoundError as error:
            raise CommandError(f"Archive introuvable : {path}.") from error
        except (tarfile.TarError, OSError) as error:
            raise ArchiveError(path, f"ce n'est pas une archive tar lisible ({error})") from error
        try:
            self.members = self._members()
            self.manifest = self._manifest()
            self._check_members()
            self._check_digests()
        except BaseException:
            self.tar.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.tar.close()

    def refuse(self, reason):
        return ArchiveError(self.path, reason)

    def _members(self):
        try:
            members = self.tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as error:
            raise self.refuse(f"archive tronquée ou endommagée ({error})") from error
        by_name = {}
        for member in members:
            name = member.name
            if problem := name_problem(name):
                raise self.refuse(problem)
            if name not in (MANIFEST, DATABASE) and not name.startswith(FILES):
                raise self.refuse(f"membre inattendu : {name!r}")
            if not member.isreg():
                raise self.refuse(f"{name!r} n'est pas un fichier ordinaire (lien, dossier ou périphérique)")
            try:
                tarfile.data_filter(member, "/nonexistent-destination")  # what extraction would refuse
            except tarfile.FilterError as error:
                raise self.refuse(f"membre interdit : {error}") from error
            if name in by_name:
                raise self.refuse(f"membre en double : {name!r}")
            by_name[name] = member
        return by_name

    def _manifest(self):
        member = self.members.get(MANIFEST)
        if member is None:
            raise self.refuse(f"{MANIFEST} manque")
        if member.size > MANIFEST_BYTES:
            raise self.refuse(f"{MANIFEST} est trop volumineux")
        try:
            manifest = json.loads(self.tar.extractfile(member).read())
        except (ValueError, tarfile.TarError, OSError) as error:
            raise self.refuse(f"{MANIFEST} illisible ({error})") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise self.refuse(f"{MANIFEST} n'est pas celui d'une sauvegarde de ce site (format {FORMAT})")
        entries = [manifest.get("database")] + list(manifest.get("files") or [])
        if not isinstance(manifest.get("files"), list) or not all(self._is_entry(entry) for entry in entries):
            raise self.refuse(f"{MANIFEST} est incomplet ou mal formé")
        try:
            manifest["created_at"] = datetime.datetime.fromisoformat(manifest.get("created_at"))
        except (TypeError, ValueError):
            manifest["created_at"] = None
        if (
            getattr(manifest["created_at"], "tzinfo", None) is None
            or not isinstance(manifest.get("engine"), str)
            or not isinstance(manifest.get("migrations"), dict)
        ):
            raise self.refuse(f"{MANIFEST} est incomplet ou mal formé")
        if manifest["database"]["name"] != DATABASE:
            raise self.refuse(f"{MANIFEST} ne désigne pas {DATABASE}")
        for entry in manifest["files"]:
            if problem := name_problem(entry["name"]):
                raise self.refuse(problem)
        return manifest

    @staticmethod
    def _is_entry(entry):
        return (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("size"), int)
            and entry["size"] >= 0
            and isinstance(entry.get("sha256"), str)
            and SHA256.fullmatch(entry["sha256"]) is not None
        )

    @property
    def entries(self):
        """(member name, manifest entry) of the database dump and of every file."""
        yield DATABASE, self.manifest["database"]
        for entry in self.manifest["files"]:
            yield FILES + entry["name"], entry

    @property
    def files(self):
        return self.manifest["files"]

    def _check_members(self):
        expected = {MANIFEST} | {name for name, _entry in self.entries}
        if len(expected) != len(self.files) + 2:
            raise self.refuse(f"{MANIFEST} cite un fichier deux fois")
        if missing := sorted(expected - set(self.members)):
            raise self.refuse(f"membre manquant : {', '.join(missing[:5])}")
        if unexpected := sorted(set(self.members) - expected):
            raise self.refuse(f"membre absent du manifeste : {', '.join(unexpected[:5])}")

    def _check_digests(self):
        for name, entry in self.entries:
            member = self.members[name]
            try:
                sha256, size = digest(self.tar.extractfile(member))
            except (tarfile.TarError, EOFError, OSError) as error:
                raise self.refuse(f"{name} illisible ({error})") from error
            if (size, sha256) != (entry["size"], entry["sha256"]) or member.size != entry["size"]:
                raise self.refuse(f"{name} ne correspond pas à sa taille et à son empreinte SHA-256 du manifeste")

    def extract_database(self, path):
        with self.tar.extractfile(self.members[DATABASE]) as content, open(path, "wb") as copy:
            while chunk := content.read(CHUNK):
                copy.write(chunk)

    def open_file(self, entry):
        """The stored file of a manifest entry, as a Django File of the right size."""
        content = File(self.tar.extractfile(self.members[FILES + entry["name"]]), name=entry["name"])
        content.size = entry["size"]
        return content
