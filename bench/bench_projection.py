"""The projection's speed: the home page and the what-if fragment of an entrepreneur with a
long history (3,000 invoices with their payments, 10,000 receipts, three years of payslips).

Targets from issue 6: p95 under 30 ms for the home page, under 10 ms for the what-if
fragment. Served by gunicorn (one sync worker) on loopback and loaded from this script, so
each figure is a full round trip: an upper bound of the server time. Run from the project
root with `python -m bench.bench_projection`; `make bench` calls `run()`.
"""

import http.client
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert, select

from portal import create_app
from portal.cli import upgrade_database
from portal.coop.services import get_coop_settings
from portal.dates import paris_today
from portal.db import db
from portal.expenses.models import (
    ExpenseCategory,
    PaidBy,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
)
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.projection import running_totals
from portal.projection.models import BalanceSnapshot, Payslip
from portal.projection.months import add_months, first_of_month
from portal.sales.models import Customer, Invoice, InvoiceKind, InvoiceStatus, Payment

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "bench@example.org"
PASSWORD = "bench password 123"  # noqa: S105 (a throwaway database)
INVOICES = 3_000
RECEIPTS = 10_000
WHAT_IF = "/what-if?hours=30&gross=2100&extra=1500"
WARM_UP = 30
SAMPLES = 300
TARGET_HOME_MS = 30
TARGET_WHAT_IF_MS = 10


def _seed(url: str) -> None:
    upgrade_database(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "bench",
            "SMTP_HOST": None,
        }
    )
    with app.app_context():
        session = db.session
        get_coop_settings(session).legal_name = "Coopérative Bench"
        member = create_member(
            session,
            email=EMAIL,
            full_name="Bench Entrepreneur",
            role=Role.ENTREPRENEUR,
            status=MemberStatus.EMPLOYEE,
            password=PASSWORD,
            contract_hours_per_week=24,
            hourly_gross_rate_cents=1450,
            activities=("Traduction", "Cours"),
        )
        this_month = first_of_month(paris_today())
        session.execute(
            insert(Payslip),
            [
                dict(
                    member_id=member.id,
                    period=f"{add_months(this_month, -back):%Y-%m}",
                    gross_cents=150_800,
                    net_cents=117_179,
                    employer_cost_cents=178_937,
                    paid_on=add_months(this_month, -back) + timedelta(days=27),
                )
                for back in range(1, 37)
            ],
        )
        session.add(
            BalanceSnapshot(
                member_id=member.id,
                date=add_months(this_month, -6) - timedelta(days=1),
                amount_cents=1_200_000,
            )
        )
        _seed_history(session, member, paris_today())
        # Inserted in bulk, around the flush that keeps the running totals: summed once.
        running_totals.rebuild(session, [member.id])
        session.commit()
    app.extensions["database"].engine.dispose()


def _seed_history(session, member, today: date) -> None:
    """Invoices (two in three paid, one in ten a credit note) and approved receipts, spread
    over three years; inserted in bulk, as validated documents would be after years of use."""
    customer = Customer(member_id=member.id, name="Client SAS", siren="542107651")
    category = session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == "Abonnements"))
    session.add(customer)
    session.flush()
    activities = [activity.id for activity in member.activities]
    invoices, payments = [], []
    for n in range(1, INVOICES + 1):
        day = today - timedelta(days=(n * 1_095) // INVOICES)
        credit = n % 10 == 0
        excl = 30_000 + (n * 7_919) % 90_000
        invoices.append(
            dict(
                id=n,
                member_id=member.id,
                activity_id=activities[n % len(activities)],
                customer_id=customer.id,
                kind=InvoiceKind.CREDIT_NOTE if credit else InvoiceKind.INVOICE,
                credited_invoice_id=n - 1 if credit else None,
                status=InvoiceStatus.VALIDATED if credit else InvoiceStatus.SENT,
                series="credit_note" if credit else "invoice",
                number_year=day.year,
                number_sequence=n,
                number=f"B{n:06}",
                issue_date=day,
                due_date=day + timedelta(days=30),
                total_excl_vat_cents=excl // 10 if credit else excl,
                vat_cents=excl // 50 if credit else excl // 5,
                total_incl_vat_cents=(excl // 10 + excl // 50) if credit else excl + excl // 5,
            )
        )
        if not credit and n % 3:
            payments.append(
                dict(
                    invoice_id=n,
                    amount_cents=excl + excl // 5,
                    amount_excl_vat_cents=excl,
                    received_on=day + timedelta(20),
                )
            )
    session.execute(insert(Invoice), invoices)
    session.execute(insert(Payment), payments)
    session.execute(
        insert(Receipt),
        [
            dict(
                member_id=member.id,
                idempotency_key=f"{n:032x}",
                kind=ReceiptKind.RECEIPT,
                status=ReceiptStatus.APPROVED,
                spent_on=today - timedelta(days=(n * 1_095) // RECEIPTS),
                supplier="Papeterie Centrale",
                amount_cents=1_200 + n % 5_000,
                vat_cents=200,
                vat_recoverable_cents=200,
                category_id=category.id,
                activity_id=activities[n % len(activities)],
                paid_by=PaidBy.MEMBER,
            )
            for n in range(1, RECEIPTS + 1)
        ],
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, path: str, headers: dict, method="GET", body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def _log_in(port: int) -> str:
    response, page = _request(port, "/login", {})
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urlencode({"csrf_token": token.decode(), "email": EMAIL, "password": PASSWORD})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    response, _ = _request(port, "/login", headers, "POST", body)
    if response.status != 303:
        raise RuntimeError(f"login failed: {response.status}")
    return response.getheader("Set-Cookie").split(";", 1)[0]


def _timings_ms(port: int, path: str, headers: dict) -> list[float]:
    for _ in range(WARM_UP):
        _request(port, path, headers)
    samples = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        response, _ = _request(port, path, headers)
        samples.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
    return samples


def _server_times(log: Path) -> tuple[list[float], list[float]]:
    """Gunicorn's own duration of each measured request (the last SAMPLES of each path)."""
    by_path: dict[str, list[float]] = {"/": [], "/what-if": [], "/healthz": []}
    for line in log.read_text().splitlines():
        path, microseconds = line.split()
        if path in by_path:
            by_path[path].append(int(microseconds) / 1000)
    return by_path["/"][-SAMPLES:], by_path["/what-if"][-SAMPLES:], by_path["/healthz"][-SAMPLES:]


def _row(name: str, samples: list[float], target: float | None) -> str:
    median = statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    if target is None:
        return f"| {name} | {len(samples)} | {median:.1f} | {p95:.1f} | – | – |"
    verdict = "yes" if p95 < target else "**no**"
    return f"| {name} | {len(samples)} | {median:.1f} | {p95:.1f} | < {target} | {verdict} |"


def run() -> str:
    """The Markdown section for bench/RESULTS.md."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        _seed(url)
        port = _free_port()
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": url,
            "PORTAL_SECRET_KEY": "bench",
            "PORTAL_PUBLIC_URL": "http://127.0.0.1",
            "PORTAL_DATA_DIR": f"{folder}/data",
        }
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers=1",
                f"--bind=127.0.0.1:{port}",
                "--log-level=warning",
                f"--access-logfile={folder}/access.log",
                "--access-logformat=%(U)s %(D)s",
                "portal:create_app()",
            ],
            cwd=ROOT,
            env=env,
        )
        try:
            for _ in range(100):
                try:
                    _request(port, "/healthz", {})
                    break
                except OSError:
                    time.sleep(0.1)
            cookie = _log_in(port)
            load = os.getloadavg()[0]
            # A control: the same server answering its health check, to read the others by.
            _timings_ms(port, "/healthz", {})
            home = _timings_ms(port, "/", {"Cookie": cookie})
            what_if = _timings_ms(port, WHAT_IF, {"Cookie": cookie, "HX-Request": "true"})
            server_home, server_what_if, server_health = _server_times(Path(folder) / "access.log")
            # Without a balance from the back office, all three years are summed.
            with sqlite3.connect(f"{folder}/bench.sqlite3") as connection:
                connection.execute("DELETE FROM balance_snapshots")
            _timings_ms(port, "/", {"Cookie": cookie})
            _timings_ms(port, WHAT_IF, {"Cookie": cookie, "HX-Request": "true"})
            all_home, all_what_if, _ = _server_times(Path(folder) / "access.log")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return "\n".join(
        [
            "## Projection (home page and what-if)",
            "",
            f"One entrepreneur with {INVOICES:,} invoices (and their payments), "
            f"{RECEIPTS:,} receipts and 36 payslips, SQLite, gunicorn with one sync worker on "
            "loopback, requests one after another. Server time is gunicorn's own measure of each "
            "request; the round trip adds the client and the connection. The machine is shared "
            "(2 cores, other engineers' test runs): the tail moves from run to run. With a balance "
            "six months old, the queries read the movements since January of last year; the last "
            "two rows delete the balance, so every movement of the three years is summed. "
            f"Load average when measuring: {load:.1f}.",
            "",
            "| Page | Requests | Median (ms) | p95 (ms) | Target (ms) | p95 on target |",
            "|---|---:|---:|---:|---:|:---:|",
            _row("control: `/healthz` (one `SELECT 1`), server time", server_health, None),
            _row("home page `/`, server time", server_home, TARGET_HOME_MS),
            _row("what-if fragment (htmx), server time", server_what_if, TARGET_WHAT_IF_MS),
            _row("home page `/`, round trip", home, TARGET_HOME_MS),
            _row("what-if fragment (htmx), round trip", what_if, TARGET_WHAT_IF_MS),
            _row("home page `/`, no balance yet, server time", all_home, TARGET_HOME_MS),
            _row("what-if, no balance yet, server time", all_what_if, TARGET_WHAT_IF_MS),
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
