"""Internal transfers (issue 23): 50 transfers validated at once by 10 staff sessions, on
SQLite and, when PORTAL_BENCH_POSTGRES_URL names a scratch database (emptied!), on
PostgreSQL: the time, whether the numbers are 1..50 without a gap or a duplicate, and
whether what the subcontractors' figures gained equals what the contractors' lost and the
transfers' sum. In-process (Flask test client), one run per database."""

import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from portal.cli import upgrade_database
from portal.dates import paris_today
from portal.db import db
from portal.members.models import Member, Role
from portal.money import from_cents
from portal.projection.services import coop_terms, projections
from portal.transfers.models import InternalTransfer, TransferStatus
from tests.helpers import (
    committed_app,
    reset_database,
    seed_transfers_to_validate,
    validating_threads,
)

TRANSFERS, WORKERS = 50, 10


def bench_validations(url: str, folder: Path) -> tuple[str, str]:
    reset_database(url)
    upgrade_database(url)
    app = committed_app(url, folder / "data")
    try:
        ids = seed_transfers_to_validate(app, TRANSFERS)
        errors: list = []
        threads = validating_threads(app, ids, WORKERS, errors, path="/transfers/{}/validate")
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        with app.app_context():
            rows = db.session.execute(
                select(
                    InternalTransfer.number_sequence,
                    InternalTransfer.status,
                    InternalTransfer.amount_cents,
                )
            ).all()
            members = db.session.scalars(select(Member).where(Member.role == Role.ENTREPRENEUR))
            figures = projections(db.session, list(members), paris_today(), coop_terms(db.session))
            dialect = db.engine.dialect.name
    finally:
        app.extensions["database"].engine.dispose()
    gapless = sorted(row.number_sequence or 0 for row in rows) == list(range(1, TRANSFERS + 1))
    validated = all(row.status is TransferStatus.VALIDATED for row in rows)
    total = from_cents(sum(row.amount_cents for row in rows))
    revenue = sum((sum(m.invoiced for m in p.months) for p in figures.values()), Decimal(0))
    expenses = sum((sum(m.expenses for m in p.months) for p in figures.values()), Decimal(0))
    equal = revenue == expenses == total
    return dialect, (
        f"{elapsed:.2f} s for {TRANSFERS} ({WORKERS} threads), errors {len(errors)}; "
        f"all validated: {validated}; numbers 1..{TRANSFERS} gapless: {gapless}; "
        f"revenue {revenue} = expenses {expenses} = sum {total}: {equal}"
    )


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        urls = [f"sqlite:///{folder / 'transfers.sqlite3'}"]
        if os.environ.get("PORTAL_BENCH_POSTGRES_URL"):
            urls.append(os.environ["PORTAL_BENCH_POSTGRES_URL"])
        for url in urls:
            dialect, result = bench_validations(url, folder)
            rows.append(
                f"| 50 transfers validated at once on {dialect} "
                f"| gapless, both sides equal | {result} |"
            )
    return "\n".join(
        [
            "## Internal transfers (issue 23)",
            "",
            "| measure | target | result |",
            "| --- | --- | --- |",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
