"""One archive holds a whole installation: the database, every stored file and a manifest.

The archive is an uncompressed tar (stored files are JPEGs and PDFs, compressed already):

    files/<key>             every stored file (receipts, thumbnails, meeting files)
    database.sqlite3.gz     SQLite: a copy made by SQLite's online backup API, gzipped
    database.pgdump         PostgreSQL: `pg_dump --format=custom` (compressed by pg_dump)
    manifest.json           last: format, date, schema revision, size and sha256 of the rest

The database copy is one consistent snapshot taken while the portal serves. Stored files
are listed and copied before it, then listed again after it for files stored meanwhile: a
file is written before the row that names it commits, and deleted only after the commit
that stops naming it, so every file the snapshot names is in one of the two passes.

A restore reads the manifest, refuses a schema revision this code does not know, checks
every member's size and checksum, and only then writes: the database (same kind as the
archive's), the files through the storage interface, then migrates to the current schema."""

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from portal.cli import alembic_config, upgrade_database
from portal.db import make_engine

FORMAT = "portal-backup/1"
MANIFEST = "manifest.json"
FILES = "files/"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3.gz", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done: the message says why; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    database: str  # "sqlite" or "postgresql"
    schema_revision: str
    files: int
    bytes: int  # the archive's size


# --- Backup -------------------------------------------------------------------------------


def backup(app: Flask, target: Path) -> Summary:
    """Write the archive to `target`: drafted beside it, then renamed, so a crash never
    leaves half an archive under its name."""
    target = Path(target).resolve()
    if not target.parent.is_dir():
        raise BackupError(f"No such folder: {target.parent}")
    url = app.config["DATABASE_URL"]
    kind = _kind(url)
    storage = app.extensions["storage"]
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.") as work:
        work = Path(work)
        draft = work / "archive.tar"
        files: dict[str, dict] = {}
        draft.touch(mode=0o600)  # members' personal data: readable by the portal's user only
        with tarfile.open(draft, "w", format=tarfile.PAX_FORMAT) as archive:
            _add_files(archive, storage, files)
            dump = work / DATABASE_MEMBERS[kind]
            if kind == "sqlite":
                revision = _sqlite_snapshot(url, dump, work)
            else:
                revision = _postgresql_snapshot(url, dump)
            database = _add_member(archive, DATABASE_MEMBERS[kind], dump)
            dump.unlink()
            _add_files(archive, storage, files)  # stored while the snapshot was taken
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "schema_revision": revision,
                "database": {"kind": kind, "member": DATABASE_MEMBERS[kind], **database},
                "files": files,
            }
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1).encode())
        with open(draft, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(draft, target)
    _fsync_folder(target.parent)
    return Summary(kind, revision, len(files), target.stat().st_size)


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


class _Hashing:
    """A file object that counts and hashes what is read through it."""

    def __init__(self, source) -> None:
        self.source, self.sha256, self.size = source, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _add_member(archive: tarfile.TarFile, name: str, path: Path) -> dict:
    with open(path, "rb") as source:
        info = archive.gettarinfo(arcname=name, fileobj=source)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o600
        hashing = _Hashing(source)
        archive.addfile(info, hashing)
    return {"size": hashing.size, "sha256": hashing.sha256.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> dict:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _add_files(archive: tarfile.TarFile, storage, files: dict[str, dict]) -> None:
    for key in sorted(storage.keys()):
        if key in files:
            continue
        try:
            data = storage.read(key)
        except FileNotFoundError:
            continue  # deleted since listed: no row of the snapshot to come names it
        except Exception as error:
            if _missing_object(error):
                continue
            raise
        files[key] = _add_bytes(archive, FILES + key, data)


def _missing_object(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") in (
        "404",
        "NoSuchKey",
        "NotFound",
    )


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("Backups need a SQLite database file, not an in-memory database.")
    return Path(database)


def _sqlite_snapshot(url: str, dump: Path, work: Path) -> str:
    """SQLite's online backup API, in one step: one read transaction, which in WAL mode
    runs beside the writers instead of stopping them."""
    path = _sqlite_path(url)
    if not path.is_file():
        raise BackupError(f"No database at {path}.")
    copy = work / "copy.sqlite3"
    source = sqlite3.connect(path, timeout=30)
    try:
        destination = sqlite3.connect(copy)
        with destination:
            source.backup(destination)
        revision = _revision_of(destination)
        destination.close()
    finally:
        source.close()
    with open(copy, "rb") as plain, gzip.open(dump, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(plain, packed, CHUNK)
    copy.unlink()
    return revision


def _revision_of(connection: sqlite3.Connection) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        row = None
    if not row:
        raise BackupError("The database has no schema yet: run `portal init-db` first.")
    return row[0]


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq takes it, its password in the environment rather than in argv."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str, server_version_num: int) -> str:
    """The client program for the server's major version (Debian installs each under
    /usr/lib/postgresql/<major>/bin), else the lowest newer one, else the PATH's."""
    major = server_version_num // 10000
    installed = sorted(
        (int(folder.name), folder / "bin" / name)
        for folder in Path("/usr/lib/postgresql").glob("*")
        if folder.name.isdigit() and (folder / "bin" / name).is_file()
    )
    for version, path in installed:
        if version >= major:
            return str(path)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is missing: install PostgreSQL's client programs.")
    return found


def _run(command: list[str], env: dict[str, str], stdout=subprocess.DEVNULL) -> None:
    done = subprocess.run(command, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()}")


def _postgresql_snapshot(url: str, dump: Path) -> str:
    """pg_dump reading the snapshot of a transaction that also reads the schema revision,
    so both are of the same instant."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
                tables = inspect(connection).get_table_names()
                if "alembic_version" not in tables:
                    raise BackupError("The database has no schema yet: run `portal init-db` first.")
                revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
                version = int(connection.scalar(text("SHOW server_version_num")))
                libpq_url, env = _libpq(url)
                _run(
                    [
                        _pg_tool("pg_dump", version), "--format=custom", "--no-owner",
                        "--no-privileges", f"--snapshot={snapshot}", f"--file={dump}",
                        f"--dbname={libpq_url}",
                    ],
                    env,
                )  # fmt: skip
    finally:
        engine.dispose()
    return revision


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- Restore ------------------------------------------------------------------------------


def restore(app: Flask, source: Path, force: bool = False) -> Summary:
    """Fill the configured database and storage from the archive at `source`, then migrate
    to the current schema. Refuses, changing nothing, an archive that is unreadable,
    damaged, of a newer schema or of the other kind of database, and a target that holds
    data unless `force` (which replaces it)."""
    source = Path(source)
    url = app.config["DATABASE_URL"]
    kind = _kind(url)
    storage = app.extensions["storage"]
    with _open_archive(source) as archive:
        manifest = _read_manifest(archive, source)
        revision = manifest["schema_revision"]
        if manifest["database"]["kind"] != kind:
            raise BackupError(
                f"This archive holds a {_KIND_NAMES[manifest['database']['kind']]} database; "
                f"the portal is set up for {_KIND_NAMES[kind]}. Restore into the same kind of "
                "database."
            )
        _check_revision_known(revision)
        _verify(archive, manifest, source)
        if not force:
            if not _database_is_empty(url):
                raise BackupError(
                    "The database is not empty: restore into an empty one, or add --force "
                    "to replace its content."
                )
            if next(iter(storage.keys()), None) is not None:
                raise BackupError(
                    "The data folder (stored files) is not empty: restore into an empty "
                    "one, or add --force to replace its content."
                )
        with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
            dump = Path(work) / "database"
            member = manifest["database"]["member"]
            with archive.extractfile(member) as packed, open(dump, "wb") as unpacked:
                shutil.copyfileobj(packed, unpacked, CHUNK)
            if kind == "sqlite":
                _restore_sqlite(url, dump, Path(work))
            else:
                _restore_postgresql(url, dump, force)
        for key in manifest["files"]:
            with archive.extractfile(FILES + key) as member:
                storage.save(key, member.read())
        if force:
            for key in set(storage.keys()) - set(manifest["files"]):
                storage.delete(key)
    upgrade_database(url)
    return Summary(kind, revision, len(manifest["files"]), source.stat().st_size)


_KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@contextmanager
def _open_archive(source: Path) -> Iterator[tarfile.TarFile]:
    if not source.is_file():
        raise BackupError(f"No such archive: {source}")
    try:
        archive = tarfile.open(source, "r:")  # noqa: SIM115 (closed below, once opened)
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{source} is not a portal backup (unreadable: {error}).") from None
    with archive:
        yield archive


def _read_manifest(archive: tarfile.TarFile, source: Path) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError:
        raise BackupError(
            f"{source} has no manifest: it is incomplete (cut short while written or "
            "copied) or not a portal backup."
        ) from None
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{source} is incomplete or damaged ({error}).") from None
    try:
        with archive.extractfile(member) as file:
            manifest = json.loads(file.read())
    except (tarfile.TarError, OSError, ValueError) as error:
        raise BackupError(f"{source} is damaged: its manifest is unreadable ({error}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a portal backup this version can read.")
    try:
        database = manifest["database"]
        valid = (
            database["kind"] in DATABASE_MEMBERS
            and database["member"] == DATABASE_MEMBERS[database["kind"]]
            and isinstance(manifest["schema_revision"], str)
            and all(_sound(entry) for entry in [database, *manifest["files"].values()])
            and all(_relative(key) for key in manifest["files"])
        )
    except (KeyError, TypeError, AttributeError):
        valid = False
    if not valid:
        raise BackupError(f"{source} is damaged: its manifest is incomplete.")
    return manifest


def _sound(entry) -> bool:
    return isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str)


def _relative(key: str) -> bool:
    """A storage key as the portal makes them: a relative path with no way up."""
    parts = key.split("/")
    return bool(key) and not key.startswith("/") and ".." not in parts and "" not in parts


def _check_revision_known(revision: str) -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    known = {script.revision for script in scripts.walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"This archive is from a newer version of the portal (schema revision {revision}, "
            "unknown here): upgrade the portal, then restore."
        )


def _verify(archive: tarfile.TarFile, manifest: dict, source: Path) -> None:
    """Every member listed, none missing or extra, each of its listed size and sha256."""
    expected = {FILES + key: entry for key, entry in manifest["files"].items()}
    expected[manifest["database"]["member"]] = manifest["database"]
    seen = set()
    try:
        for member in archive.getmembers():
            if member.name == MANIFEST:
                continue
            entry = expected.get(member.name)
            if entry is None or not member.isfile() or member.name in seen:
                raise BackupError(f"{source} is damaged: unexpected member {member.name}.")
            seen.add(member.name)
            digest, size = hashlib.sha256(), 0
            with archive.extractfile(member) as data:
                while chunk := data.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    f"{source} is damaged: {member.name} does not match its checksum."
                )
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{source} is damaged ({error}).") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{source} is incomplete: {missing[0]} is missing.")


def _database_is_empty(url: str) -> bool:
    if _kind(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists():
            return True
        with _closing(sqlite3.connect(path)) as connection:
            return not connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            ).fetchone()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


@contextmanager
def _closing(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    try:
        yield connection
    finally:
        connection.close()


def _restore_sqlite(url: str, dump: Path, work: Path) -> None:
    """Copied into the target by the backup API: one transaction, through SQLite's locks
    and write-ahead log, so an existing file (--force) is replaced whole or not at all."""
    path = _sqlite_path(url)
    copy = work / "copy.sqlite3"
    with gzip.open(dump, "rb") as packed, open(copy, "wb") as plain:
        shutil.copyfileobj(packed, plain, CHUNK)
    dump.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    try:
        with (
            _closing(sqlite3.connect(copy)) as source,
            _closing(sqlite3.connect(path, timeout=30)) as target,
        ):
            source.backup(target)
    except BaseException:
        if created:
            path.unlink(missing_ok=True)
        raise


def _restore_postgresql(url: str, dump: Path, replace: bool) -> None:
    """pg_restore writes the dump as SQL; psql runs it in one transaction, after dropping
    what the database holds when replacing it, so a failure leaves it as it was."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            version = int(connection.scalar(text("SHOW server_version_num")))
            drops = _drop_everything(connection) if replace else []
    finally:
        engine.dispose()
    libpq_url, env = _libpq(url)
    script = dump.with_suffix(".sql")
    script.write_text("".join(f"{statement};\n" for statement in drops))
    with open(script, "a") as output:
        _run(
            [_pg_tool("pg_restore", version), "--no-owner", "--no-privileges", "--file=-",
             str(dump)],
            env, stdout=output,
        )  # fmt: skip
    dump.unlink()
    _run(
        [_pg_tool("psql", version), "--quiet", "--no-psqlrc", "--single-transaction",
         "--set=ON_ERROR_STOP=1", f"--file={script}", f"--dbname={libpq_url}"],
        env,
    )  # fmt: skip


def _drop_everything(connection) -> list[str]:
    """DROP statements for every table, view and sequence of the connection's schema."""
    found = inspect(connection)
    quote = connection.dialect.identifier_preparer.quote
    statements = []
    for kind, names in (
        ("VIEW", found.get_view_names()),
        ("TABLE", found.get_table_names()),
        ("SEQUENCE", found.get_sequence_names()),
    ):
        if names:
            listed = ", ".join(quote(name) for name in names)
            statements.append(f"DROP {kind} IF EXISTS {listed} CASCADE")
    return statements
