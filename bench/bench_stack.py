"""Production's topology under a mixed load (docs/scaling.md): the stack of `make stack`
(deploy/stack.py: nginx with TLS, gunicorn app servers of 2 workers each, the worker,
PostgreSQL with its flushes to disk), loaded through nginx by wrk with logged-in members
who read their home page, their invoices and the workshops and book then cancel a seat; with
two app servers, then with one (the other killed). PostgreSQL's connections are counted
after each load."""

import os
import re
import socket
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import harness
import requests
from sqlalchemy import text

from deploy.stack import Ports, Stack

MEMBERS = 20
SECONDS = 20
PASSWORD = "bench password"  # noqa: S105 (throwaway stack on loopback)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


def _seed(url: str, public: str) -> int:
    from portal import create_app
    from portal.db import db, utcnow
    from portal.members.models import MemberStatus, Role
    from portal.members.services import create_member
    from portal.sales.customers import CustomerInput, create_customer
    from portal.sales.services import InvoiceInput, create_invoice
    from portal.sales.totals import LineInput
    from portal.workshops.services import create_or_update_workshop

    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": public, "SECRET_KEY": "seed"})
    with app.app_context():
        session = db.session
        for n in range(MEMBERS):
            member = create_member(
                session, email=f"member{n}@bench.coop", full_name=f"Member {n}",
                role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE, password=PASSWORD,
                activities=("Conseil",),
            )  # fmt: skip
            customer = create_customer(session, member, CustomerInput(name="C", siren="542107651"))
            for day in range(1, 11):
                create_invoice(
                    session, member,
                    InvoiceInput(customer=customer, issue_date=date(2026, 11, day), due_date=None,
                                 lines=[LineInput("x", Decimal(1), Decimal(100), Decimal(20))]),
                )  # fmt: skip
        starts_at = utcnow() + timedelta(days=7)
        workshop = create_or_update_workshop(
            session, None,
            {"title": "Bench", "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2),
             "seats": MEMBERS},
        )  # fmt: skip
        session.commit()
        workshop_id = workshop.id
    app.extensions["database"].engine.dispose()
    return workshop_id


def _identity(stack: Stack, email: str) -> dict[str, str]:
    """A logged-in member's cookie and CSRF token, as their browser holds them."""
    http = requests.Session()
    options = {"verify": str(stack.certificate), "allow_redirects": False, "timeout": 60}
    page = http.get(stack.url + "/login", **options).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": email, "password": PASSWORD}
    headers = {"Referer": stack.url + "/"}
    assert http.post(stack.url + "/login", data=form, headers=headers, **options).status_code == 303
    home = http.get(stack.url + "/", **options).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    return {"Cookie": f"portal_session={http.cookies['portal_session']}", "X-CSRFToken": token}


def _connections(stack: Stack) -> int:
    from portal.db import make_engine

    engine = make_engine(stack.database_url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE datname = 'portal'")
        ).scalar_one()
    engine.dispose()
    return count - 1  # this one


def _worker_memory_mb(master: int) -> list[float]:
    """Resident memory of an app server's gunicorn workers (the master's children)."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if int(fields["PPid"]) == master:
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sizes


def run() -> str:
    https, http, app0, app1, postgres = _free_ports(5)
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="portal-bench-stack-")),
        Ports(https=https, http=http, apps=(app0, app1), postgres=postgres),
        demo=False,
    )
    stack.start()
    try:
        workshop_id = _seed(stack.database_url, stack.url)
        identities = [_identity(stack, f"member{n}@bench.coop") for n in range(MEMBERS)]
        post = {
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "Referer": stack.url + "/",
        }
        workload = [
            {"path": "/"},
            {"path": "/invoices"},
            {"path": "/workshops"},
            {"method": "POST", "path": f"/workshops/{workshop_id}/book", "headers": post},
            {"path": f"/workshops/{workshop_id}"},
            {
                "method": "POST",
                "path": f"/workshops/{workshop_id}/cancel",
                "headers": post,
                "body": "confirmed=1",  # the answer to "Cancel your booking?"
            },
        ]
        rows = []
        memory = []
        for servers in (2, 1):
            if servers == 1:
                stack.kill_app(1)
            load = harness.run_wrk(stack.url, workload, identities, MEMBERS, SECONDS)
            memory = memory or _worker_memory_mb(stack.pids["app0"])
            rows.append(
                f"| {servers} | {load.per_second:.0f} | {load.p50_ms:.0f} | {load.p95_ms:.0f} "
                f"| {load.failures} | {_connections(stack)} | {os.getloadavg()[0]:.1f} |"
            )
    finally:
        stack.stop()
    return (
        "## The stack under a mixed load (`bench/bench_stack.py`)\n\n"
        f"nginx (TLS) → gunicorn app servers of 2 sync workers → PostgreSQL, all on this "
        f"machine; wrk, {MEMBERS} logged-in members at once for {SECONDS} s, each cycling "
        "through home, invoices, workshops, booking a seat, the workshop, cancelling it.\n\n"
        "| app servers | requests/s | p50 ms | p95 ms | failures | PostgreSQL connections "
        "| machine's load (1 min) |\n| --- | --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(rows)
        + "\n\n"
        f"A gunicorn worker holds about {max(memory):.0f} MB resident after the load.\n"
    )


if __name__ == "__main__":
    print(run())
