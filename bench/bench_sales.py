"""Sales figures (issue 4): 50 concurrent validations, PDF + Factur-X of a 20-line invoice,
and the invoice list of an entrepreneur with 5,000 invoices (queries and server time).

Concurrency runs on PostgreSQL when PORTAL_BENCH_POSTGRES_URL names a scratch database
(emptied!), else on SQLite. Times are in-process (Flask test client), one run."""

import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select

from portal import create_app
from portal.cli import upgrade_database
from portal.coop.services import update_coop_settings
from portal.db import db, utcnow
from portal.members.models import Role
from portal.members.services import create_member
from portal.sales import services
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.documents import render_pdf
from portal.sales.models import Invoice
from portal.sales.parties import document_parties
from portal.sales.totals import LineInput
from tests.helpers import reset_database

PASSWORD = "bench password 123"  # noqa: S105 (a throwaway database)


def _app(url: str, folder: Path):
    reset_database(url)
    upgrade_database(url)
    return create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "bench",
            "DATA_DIR": str(folder / "data"),
            "WTF_CSRF_ENABLED": False,
            "LOGIN_MAX_FAILURES": 10_000,
        }
    )


def _seed(session, invoices: int, lines_per_invoice: int = 1, submit: bool = True):
    update_coop_settings(
        session,
        legal_name="Coop Bench",
        address="1 rue de la Coop\n69001 Lyon",
        siren="732829320",
        vat_number="FR44732829320",
        iban="FR7630006000011234567890189",
    )
    staff = create_member(
        session, email="s@x.org", full_name="S", role=Role.STAFF, password=PASSWORD
    )
    member = create_member(
        session,
        email="e@x.org",
        full_name="E",
        role=Role.ENTREPRENEUR,
        password=PASSWORD,
        activities=("Conseil",),
    )
    customer = create_customer(session, member, CustomerInput(name="Client", siren="542107651"))
    lines = [
        LineInput(f"Prestation {n}", Decimal("1.5"), Decimal("123.45"), Decimal(20), "HUR")
        for n in range(lines_per_invoice)
    ]
    ids = []
    for _ in range(invoices):
        invoice, _created = services.create_invoice(
            session,
            member,
            services.InvoiceInput(
                customer=customer, issue_date=date(2026, 11, 2), due_date=None, lines=lines
            ),
        )
        if submit:
            services.submit_invoice(session, invoice, utcnow())
        ids.append(invoice.id)
    session.commit()
    return staff, member, customer, ids


def bench_concurrency(folder: Path) -> tuple[str, str]:
    url = os.environ.get("PORTAL_BENCH_POSTGRES_URL") or f"sqlite:///{folder / 'c.sqlite3'}"
    app = _app(url, folder)
    with app.app_context():
        _staff, _member, _customer, ids = _seed(db.session, 50)
    workers, errors = 10, []
    barrier = threading.Barrier(workers)

    def work(chunk):
        client = app.test_client()
        client.post("/login", data={"email": "s@x.org", "password": PASSWORD})
        barrier.wait()
        for invoice_id in chunk:
            if client.post(f"/invoices/{invoice_id}/validate").status_code != 303:
                errors.append(invoice_id)

    threads = [threading.Thread(target=work, args=(ids[n::workers],)) for n in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    with app.app_context():
        numbers = sorted(db.session.scalars(select(Invoice.number_sequence)))
        dialect = db.engine.dialect.name
    app.extensions["database"].engine.dispose()
    ok = numbers == list(range(1, 51)) and not errors
    return dialect, f"{elapsed:.2f} s for 50 ({workers} threads); contiguous 1..50: {ok}"


def bench_pdf(folder: Path) -> str:
    app = _app(f"sqlite:///{folder / 'p.sqlite3'}", folder)
    with app.app_context(), app.test_request_context():
        staff, _member, _customer, ids = _seed(db.session, 1, lines_per_invoice=20)
        invoice = db.session.get(Invoice, ids[0])
        services.validate_invoice(db.session, invoice, staff, date(2026, 11, 26), utcnow())
        parties = document_parties(invoice, None)
        render_pdf(invoice, *parties)  # warm-up: fonts, templates
        samples = []
        for _ in range(10):
            start = time.perf_counter()
            render_pdf(invoice, *parties)
            samples.append(time.perf_counter() - start)
    app.extensions["database"].engine.dispose()
    return f"median {statistics.median(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms"


def bench_list(folder: Path) -> tuple[str, str]:
    app = _app(f"sqlite:///{folder / 'l.sqlite3'}", folder)
    with app.app_context():
        _staff, member, customer, _ids = _seed(db.session, 1, submit=False)
        rows = [
            dict(
                member_id=member.id,
                customer_id=customer.id,
                kind="invoice",
                status="draft",
                issue_date=date(2026, 1, 1) + timedelta(days=n % 300),
                due_date=date(2026, 1, 31) + timedelta(days=n % 300),
                operation_type="services",
                purchase_order="",
                notes="",
                total_excl_vat_cents=10_000,
                vat_cents=2_000,
                total_incl_vat_cents=12_000,
                paid_cents=0,
                credited_cents=0,
                return_comment="",
                created_at=utcnow(),
            )
            for n in range(4_999)
        ]
        db.session.execute(insert(Invoice), rows)
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "e@x.org", "password": PASSWORD})
    engine = app.extensions["database"].engine
    counts, samples = [], []
    statements = []

    def count(*_args):
        statements.append(1)

    for page in (1, 2, 50, 100, 200):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        client.get(f"/invoices?page={page}")
        event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    for n in range(200):
        start = time.perf_counter()
        client.get(f"/invoices?page={1 + n % 200}")
        samples.append(time.perf_counter() - start)
    engine.dispose()
    p95 = statistics.quantiles(samples, n=20)[-1] * 1000
    return (
        f"{sorted(set(counts))} queries per page (pages 1, 2, 50, 100, 200)",
        f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95:.1f} ms",
    )


def run() -> str:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        dialect, concurrency = bench_concurrency(folder)
        pdf = bench_pdf(folder)
        queries, list_time = bench_list(folder)
    return "\n".join(
        [
            "## Sales (issue 4)",
            "",
            "| measure | target | result |",
            "| --- | --- | --- |",
            f"| 50 validations at once on {dialect} | contiguous, unique | {concurrency} |",
            f"| PDF + Factur-X, 20-line invoice | < 1 s | {pdf} |",
            f"| invoice list, 5,000 invoices: queries | constant | {queries} |",
            "| invoice list, 5,000 invoices: server time (in-process) | p95 < 50 ms "
            f"| {list_time} |",
        ]
    )


if __name__ == "__main__":
    print(run())
