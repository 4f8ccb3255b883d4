"""Backup and restore (issue 16) of the `make bench` coop: 1,000 entrepreneurs over five years
(bench_portal's seed) plus 2,000 stored photos of 100 KB (random bytes: as incompressible as
JPEGs), through `portal.ops.backup` as `portal backup` and `portal restore` run them.

SQLite always; PostgreSQL too when PORTAL_BENCH_POSTGRES_URL names a scratch database (it is
emptied and seeded, and a database `<its name>_restore` is created beside it, then dropped).
Run from the project root with `python bench/bench_backup.py`; `make bench` calls `run()`."""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_portal  # noqa: E402
import harness  # noqa: E402

PHOTOS, PHOTO_BYTES = 2_000, 100_000


def _app(url: str, data_dir: Path):
    from portal import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": harness.SECRET_KEY, "PUBLIC_URL": "http://127.0.0.1",
                       "DATA_DIR": str(data_dir), "SMTP_HOST": None})  # fmt: skip


def _store_photos(app) -> None:
    storage = app.extensions["storage"]
    for number in range(PHOTOS):
        storage.save(f"receipts/{number % 1000}/{number:032x}.jpg", os.urandom(PHOTO_BYTES))


def _database_bytes(url: str) -> int:
    from sqlalchemy import text

    from portal.db import make_engine

    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///")).stat().st_size
    engine = make_engine(url)
    with engine.connect() as connection:
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return size


def _measure(source_url: str, target_url: str, folder: Path) -> dict:
    from portal.ops.backup import backup, restore

    source = _app(source_url, folder / "data")
    _store_photos(source)
    archive = folder / "portal.tar"
    started = time.perf_counter()
    summary = backup(source, archive)
    backup_seconds = time.perf_counter() - started
    source.extensions["database"].engine.dispose()
    target = _app(target_url, folder / "restored")
    started = time.perf_counter()
    restore(target, archive)
    restore_seconds = time.perf_counter() - started
    target.extensions["database"].engine.dispose()
    return {
        "database": _database_bytes(source_url),
        "archive": summary.bytes,
        "files": summary.files,
        "backup": backup_seconds,
        "restore": restore_seconds,
    }


def _postgres_admin(url, statement: str) -> None:
    from sqlalchemy import text

    from portal.db import make_engine

    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    engine.dispose()


def _drop_database(url, name: str) -> None:
    """FORCE ends our connections, but not an autovacuum worker (freshly restored tables draw
    one): PostgreSQL then refuses a role that is not superuser; the worker soon moves on."""
    from sqlalchemy.exc import ProgrammingError

    for attempt in range(20):
        try:
            _postgres_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except ProgrammingError:
            if attempt == 19:
                raise
            time.sleep(0.5)


def _postgresql(folder: Path, scratch: str) -> dict:
    from sqlalchemy.engine import make_url

    from tests.conftest import reset_database

    reset_database(scratch)
    bench_portal._seed(scratch)
    parsed = make_url(scratch)
    name = f"{parsed.database}_restore"
    _drop_database(parsed, name)
    _postgres_admin(parsed, f'CREATE DATABASE "{name}"')
    try:
        target = parsed.set(database=name).render_as_string(hide_password=False)
        return _measure(scratch, target, folder)
    finally:
        _drop_database(parsed, name)


def _row(kind: str, figures: dict) -> str:
    return (
        f"| {kind} | {figures['database'] / 1e6:,.0f} MB | {figures['files']:,} files, "
        f"{PHOTOS * PHOTO_BYTES / 1e6:,.0f} MB | {figures['archive'] / 1e6:,.0f} MB "
        f"| {figures['backup']:.1f} s | {figures['restore']:.1f} s |"
    )


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as name:
        folder = Path(name)
        url, _client, _seconds = bench_portal.seeded_database(folder)
        sqlite = _measure(url, f"sqlite:///{folder / 'restored.sqlite3'}", folder)
        rows.append(_row("SQLite", sqlite))
    postgres = os.environ.get("PORTAL_BENCH_POSTGRES_URL")
    if postgres:
        with tempfile.TemporaryDirectory(prefix="bench-backup-") as name:
            rows.append(_row("PostgreSQL", _postgresql(Path(name), postgres)))
    lines = [
        "## Backup and restore (issue 16)",
        "",
        f"The `make bench` coop ({bench_portal.ENTREPRENEURS:,} entrepreneurs, "
        f"{bench_portal.YEARS} years of invoices and receipts) and {PHOTOS:,} stored photos "
        f"of {PHOTO_BYTES // 1000} KB. `portal backup` while nothing else runs; `portal "
        "restore` into an empty database and data folder, checksums checked first, schema "
        "upgrade included.",
        "",
        "| database | database size | stored files | archive | backup | restore |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]
    if not postgres:
        lines += ["", "PostgreSQL not measured: set PORTAL_BENCH_POSTGRES_URL to a scratch "
                  "database."]  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
