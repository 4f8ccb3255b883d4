"""`portal backup` and `portal restore`: an archive taken while invoices are validated and
seats booked restores elsewhere to one consistent moment, every row and file equal; bad
archives and non-empty targets are refused with exit code 2 and nothing changed."""

import hashlib
import io
import json
import os
import tarfile
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url, select, text
from sqlalchemy.exc import ProgrammingError

from portal.cli import upgrade_database
from portal.db import db, make_engine
from portal.members.models import Member, Role
from portal.members.services import create_member
from tests.helpers import (
    PASSWORD,
    committed_app,
    s3_bucket,
    seed_invoices_to_validate,
    until_served,
    validating_threads,
)
from tests.servers import request, seed_workshop_and_visitors, serve
from tests.web.test_expenses import make_receipt

INVOICES = 60
VALIDATORS = 4
BOOKERS = 30
SEATS = 10
RECEIPTS = 5


# --- Helpers ------------------------------------------------------------------------------


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def table_rows(url: str) -> dict[str, dict[tuple, dict]]:
    """Every row of every table as a dict, by primary key (by the whole row without one)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            found = inspect(connection)
            tables = {}
            for name in found.get_table_names():
                key = found.get_pk_constraint(name)["constrained_columns"]
                rows = connection.execute(text(f'SELECT * FROM "{name}"')).mappings()  # noqa: S608
                tables[name] = {
                    tuple(row[c] for c in key) if key else tuple(row.items()): dict(row)
                    for row in rows
                }
            return tables
    finally:
        engine.dispose()


def file_checksums(data_dir: Path) -> dict[str, str]:
    return {
        path.relative_to(data_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in data_dir.rglob("*")
        if path.is_file()
    }


@pytest.fixture
def restore_target(tmp_path):
    """Factory: an empty database of the same kind to restore into, elsewhere: a fresh
    SQLite file, or a fresh database on the PostgreSQL scratch server (dropped after)."""
    created = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        scratch = make_url(os.environ["PORTAL_TEST_POSTGRES_URL"])
        name = f"{scratch.database}_restore"
        _postgres_admin(scratch, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgres_admin(scratch, f'CREATE DATABASE "{name}"')
        created.append((scratch, name))
        return scratch.set(database=name).render_as_string(hide_password=False)

    yield make
    for scratch, name in created:
        _postgres_admin(scratch, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_admin(url, statement: str) -> None:
    """`statement` in its own connection. A database just restored may have an autovacuum
    worker on it, which `DROP DATABASE ... WITH (FORCE)` may not end (a superuser's
    process): the drop is tried again until the worker is done, a few seconds at most."""
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        for attempt in range(20):
            try:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text(statement))
                return
            except ProgrammingError as error:
                if "pg_signal_backend" not in str(error) or attempt == 19:
                    raise
                time.sleep(0.5)
    finally:
        engine.dispose()


def _seed_invoices_and_receipts(app) -> list[int]:
    """Submitted invoices waiting for validation, and receipts with their photos."""
    ids = seed_invoices_to_validate(app, INVOICES)
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == "e@example.org"))
        for _ in range(RECEIPTS):
            make_receipt(db.session, member)
    return ids


def _validate_and_book(app, port, ids, workshop_id, visitors, during) -> None:
    """Staff validate every invoice (test clients, real commits) and members book seats
    (HTTP, the threaded server) in parallel; `during()` runs once the first commit is in."""
    errors, first_commit = [], threading.Event()

    def book(visitor):
        try:
            path = f"/workshops/{workshop_id}/book"
            assert until_served(lambda: request(port, "POST", path, visitor.headers())[0]) == 200
        except Exception as error:
            errors.append(error)

    threads = validating_threads(app, ids, VALIDATORS, errors, first_commit) + [
        threading.Thread(target=book, args=(visitor,)) for visitor in visitors
    ]
    for thread in threads:
        thread.start()
    first_commit.wait(60)
    try:
        during()
    finally:
        for thread in threads:
            thread.join()
    assert errors == []


def _assert_one_moment(before, after, restored) -> None:
    """Each restored row is as it was before the load or as it is after it (no row half
    written, none lost), and the counters agree with the rows of that same moment."""
    assert set(restored) == set(after)
    for table, rows in restored.items():
        assert set(before.get(table, {})) <= set(rows), f"{table}: rows lost"
        if table == "invoice_counters":
            continue  # counted up by every validation: checked against the invoices below
        if table == "outbox_messages":
            continue  # a message is claimed, then sent, in commits of their own after a request
        if table == "member_month_totals":
            continue  # summed again by every validation: checked against the invoices below
        if table == "page_versions":
            continue  # a new random token at every write: only which rows exist is checked
        for key, row in rows.items():
            versions = (before.get(table, {}).get(key), after[table].get(key))
            assert row in versions, f"{table} {key}: {row} is neither before nor after"
    numbers = sorted(
        row["number_sequence"]
        for row in restored["invoices"].values()
        if row["number_sequence"] is not None
    )
    assert numbers == list(range(1, len(numbers) + 1))  # gapless at that moment
    counted = sum(row["last_number"] for row in restored["invoice_counters"].values())
    assert counted == len(numbers)
    invoiced = sum(
        row["total_excl_vat_cents"]
        for row in restored["invoices"].values()
        if row["number_sequence"] is not None
    )
    assert sum(row["invoiced_cents"] for row in restored["member_month_totals"].values()) == (
        invoiced
    )
    confirmed = [row for row in restored["bookings"].values() if row["status"] == "confirmed"]
    assert len(confirmed) <= SEATS


# --- Backup while the portal serves, restore elsewhere ------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_backup_taken_under_load_restores_elsewhere_row_for_row_and_file_for_file(
    committed_database, restore_target, tmp_path, kind
):
    url = committed_database(kind)
    workshop_id, visitors = seed_workshop_and_visitors(url, BOOKERS, SEATS)
    app = committed_app(url, tmp_path / "data")
    ids = _seed_invoices_and_receipts(app)
    before, files = table_rows(url), file_checksums(tmp_path / "data")
    assert len(files) == 2 * RECEIPTS  # each photo and its thumbnail
    under_load, quiet = tmp_path / "under-load.tar", tmp_path / "quiet.tar"
    backed_up = []
    try:
        with serve(app) as port:
            _validate_and_book(
                app, port, ids, workshop_id, visitors,
                during=lambda: backed_up.append(cli(app, "backup", str(under_load))),
            )  # fmt: skip
        after = table_rows(url)
        backed_up.append(cli(app, "backup", str(quiet)))
    finally:
        app.extensions["database"].engine.dispose()
    assert [result.exit_code for result in backed_up] == [0, 0], backed_up[0].output

    target = restore_target(kind)
    elsewhere = committed_app(target, tmp_path / "restored")
    result = cli(elsewhere, "restore", str(under_load))
    assert result.exit_code == 0, result.output
    _assert_one_moment(before, after, table_rows(target))
    assert file_checksums(tmp_path / "restored") == files

    # Once the load is over, a backup restores to exactly the same rows.
    result = cli(elsewhere, "restore", "--force", str(quiet))
    assert result.exit_code == 0, result.output
    assert table_rows(target) == after
    assert file_checksums(tmp_path / "restored") == files
    elsewhere.extensions["database"].engine.dispose()


# --- Bad input: a clear message, exit code 2, nothing changed -----------------------------


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A small portal (a member, two receipts with their photos) and its backup, made once:
    `portal.tar`, `source.sqlite3` and `source-data/` in the returned folder."""
    folder = tmp_path_factory.mktemp("source")
    url = f"sqlite:///{folder / 'source.sqlite3'}"
    upgrade_database(url)
    app = committed_app(url, folder / "source-data")
    with app.app_context():
        member = create_member(db.session, email="e@example.org", full_name="E",
                               role=Role.ENTREPRENEUR, password=PASSWORD)  # fmt: skip
        db.session.commit()
        make_receipt(db.session, member)
        make_receipt(db.session, member)
    result = cli(app, "backup", str(folder / "portal.tar"))
    assert result.exit_code == 0, result.output
    app.extensions["database"].engine.dispose()
    return folder


@pytest.fixture
def archive(source) -> Path:
    return source / "portal.tar"


def _rewritten(source: Path, target: Path, manifest_change) -> Path:
    """A copy of the archive whose manifest `manifest_change(manifest)` edits."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest_change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    return target


def _flip_a_byte_of_a_photo(source: Path, target: Path) -> Path:
    with tarfile.open(source) as old:
        photo = next(m for m in old.getmembers() if m.name.endswith(".thumb.jpg"))
    data = bytearray(source.read_bytes())
    data[photo.offset_data + 100] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def _newer_schema(manifest):
    manifest["schema_revision"] = "ffffffffffff"


def _postgresql_dump(manifest):
    manifest["database"].update(kind="postgresql", member="database.pgdump")


def _key_out_of_the_data_folder(manifest):
    _key, entry = manifest["files"].popitem()
    manifest["files"]["../../outside.jpg"] = entry


DAMAGES = {
    "not an archive": (lambda s, t: (t.write_bytes(b"not a backup\n" * 500), t)[1], "not a"),
    "truncated": (
        lambda s, t: (t.write_bytes(s.read_bytes()[: s.stat().st_size // 2]), t)[1],
        "incomplete",
    ),
    "checksum mismatch": (_flip_a_byte_of_a_photo, "does not match its checksum"),
    "newer schema": (lambda s, t: _rewritten(s, t, _newer_schema), "newer version"),
    "key out of the data folder": (
        lambda s, t: _rewritten(s, t, _key_out_of_the_data_folder),
        "damaged",
    ),
    "other kind of database": (
        lambda s, t: _rewritten(s, t, _postgresql_dump),
        "same kind of database",
    ),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_bad_archive_is_refused_and_nothing_is_written(archive, tmp_path, damage):
    make_damaged, message = DAMAGES[damage]
    damaged = make_damaged(archive, tmp_path / "damaged.tar")
    target = tmp_path / "target.sqlite3"
    app = committed_app(f"sqlite:///{target}", tmp_path / "target-data")
    result = cli(app, "restore", str(damaged))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not target.exists()
    assert file_checksums(tmp_path / "target-data") == {}


def test_a_non_empty_target_is_refused_without_force_and_replaced_with_it(
    source, archive, tmp_path
):
    url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    data_dir = tmp_path / "target-data"
    app = committed_app(url, data_dir)
    cli(app, "init-db")
    with app.app_context():
        create_member(db.session, email="other@example.org", full_name="O", role=Role.STAFF)
        db.session.commit()
        app.extensions["storage"].save("receipts/old.jpg", b"an older photo")
    rows, files = table_rows(url), file_checksums(data_dir)

    result = cli(app, "restore", str(archive))
    assert result.exit_code == 2 and "--force" in result.output
    assert table_rows(url) == rows and file_checksums(data_dir) == files

    result = cli(app, "restore", "--force", str(archive))
    assert result.exit_code == 0, result.output
    assert table_rows(url) == table_rows(f"sqlite:///{source / 'source.sqlite3'}")
    assert file_checksums(data_dir) == file_checksums(source / "source-data")
    app.extensions["database"].engine.dispose()


def test_a_data_folder_with_files_is_not_empty(archive, tmp_path):
    data_dir = tmp_path / "target-data"
    (data_dir / "receipts").mkdir(parents=True)
    (data_dir / "receipts" / "left.jpg").write_bytes(b"left over")
    app = committed_app(f"sqlite:///{tmp_path / 'target.sqlite3'}", data_dir)
    result = cli(app, "restore", str(archive))
    assert result.exit_code == 2 and "data folder" in result.output
    assert not (tmp_path / "target.sqlite3").exists()
    assert set(file_checksums(data_dir)) == {"receipts/left.jpg"}


def test_a_failed_backup_leaves_no_archive_behind(tmp_path):
    app = committed_app(f"sqlite:///{tmp_path / 'no-schema.sqlite3'}", tmp_path / "data")
    (tmp_path / "no-schema.sqlite3").touch()
    out = tmp_path / "backups"
    out.mkdir()
    result = cli(app, "backup", str(out / "portal.tar"))
    assert result.exit_code == 2 and "init-db" in result.output
    assert list(out.iterdir()) == []


# --- S3 storage -----------------------------------------------------------------------------


def test_files_in_s3_are_backed_up_and_restored_through_the_storage(tmp_path, monkeypatch):
    with s3_bucket(monkeypatch, "portal"):

        def s3_app(name: str):
            url = f"sqlite:///{tmp_path / name}.sqlite3"
            return committed_app(
                url, tmp_path / "unused", STORAGE_CLASS="portal.storage:S3Storage",
                S3_BUCKET="portal", S3_PREFIX=name,
            )  # fmt: skip

        source, target = s3_app("source"), s3_app("target")
        cli(source, "init-db")
        with source.app_context():
            member = create_member(
                db.session, email="e@example.org", full_name="E", role=Role.ENTREPRENEUR
            )
            db.session.commit()
            make_receipt(db.session, member)
        stored = source.extensions["storage"]
        photos = {key: stored.read(key) for key in stored.keys()}  # noqa: SIM118
        assert len(photos) == 2
        assert cli(source, "backup", str(tmp_path / "s3.tar")).exit_code == 0

        result = cli(target, "restore", str(tmp_path / "s3.tar"))
        assert result.exit_code == 0, result.output
        restored = target.extensions["storage"]
        assert {key: restored.read(key) for key in restored.keys()}  # noqa: SIM118 == photos
        assert table_rows(f"sqlite:///{tmp_path / 'target.sqlite3'}") == table_rows(
            f"sqlite:///{tmp_path / 'source.sqlite3'}"
        )
        # The bucket's folder now holds files: a second restore needs --force.
        result = cli(target, "restore", str(tmp_path / "s3.tar"))
        assert result.exit_code == 2 and "not empty" in result.output
