"""The header's unread count, in process: every page a member sees runs it once.

A member with 5,500 notifications (1,100 unread) among 55,000: the count's time
per call, and a whole page (`/notifications/settings`, a small one) with and without it, on
SQLite (and PostgreSQL with PORTAL_BENCH_POSTGRES_URL)."""

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from portal import create_app
from portal.cli import upgrade_database
from portal.db import db, utcnow
from portal.members.models import Member, MemberStatus, Role
from portal.members.services import create_member
from portal.notifications import services
from portal.notifications.models import Notification, NotificationKind
from tests.helpers import PASSWORD, login, reset_database

MEMBERS, PER_MEMBER, UNREAD = 100, 500, 100
ROUNDS = 2000


def _seed(app) -> str:
    with app.app_context():
        session = db.session
        members = [
            create_member(
                session,
                email=f"m{n}@bench.example",
                full_name=f"M {n}",
                role=Role.ENTREPRENEUR,
                status=MemberStatus.EMPLOYEE,
                password=PASSWORD,
            )
            for n in range(MEMBERS)
        ]
        session.flush()
        now = utcnow()
        rows = [
            {
                "member_id": member.id,
                "kind": NotificationKind.INVOICE_PAID,
                "params": {"number": f"F{n}", "customer": "C"},
                "link": "/",
                "created_at": now - timedelta(minutes=n),
                "read_at": None if n < UNREAD else now,
                "awaits_digest": False,
            }
            for member in members
            for n in range(PER_MEMBER)
        ]
        session.execute(insert(Notification), rows)
        # The measured member holds ten times as many.
        session.execute(
            insert(Notification),
            [dict(row, member_id=members[0].id) for row in rows[: PER_MEMBER * 10]],
        )
        session.commit()
        return members[0].email


def _per_call_us(function) -> float:
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(ROUNDS // 5):
            function()
        samples.append((time.perf_counter() - started) / (ROUNDS // 5) * 1e6)
    return statistics.median(samples)


def _measure(url: str) -> tuple[float, float, float, int]:
    reset_database(url)
    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://localhost", "SECRET_KEY": "bench"})
    app.config["WTF_CSRF_ENABLED"] = False
    email = _seed(app)
    with app.app_context():
        member_id = db.session.scalar(select(Member.id).where(Member.email == email))
        count = services.unread_count(db.session, member_id)
        count_us = _per_call_us(lambda: services.unread_count(db.session, member_id))
        # The floor of any query through the session, on this machine at this moment.
        floor_us = _per_call_us(lambda: db.session.scalar(select(1)))
    client = app.test_client()
    login(client, email)
    page_us = _per_call_us(lambda: client.get("/notifications/settings"))
    app.extensions["database"].engine.dispose()
    return count_us, floor_us, page_us, count


def run() -> str:
    lines = [
        "## The header's unread count (in process)",
        "",
        f"One member's count among {MEMBERS * PER_MEMBER + PER_MEMBER * 10:,} notifications"
        f" (theirs: {PER_MEMBER * 10:,}), median of 5 × {ROUNDS // 5} calls; the page is"
        " `/notifications/settings`, which shows it.",
        "",
        "| database | unread | count, µs per call | `SELECT 1`, µs | whole page, µs |",
        "| --- | --- | --- | --- | --- |",
    ]
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite:///{folder}/bench.sqlite3")]
        if os.environ.get("PORTAL_BENCH_POSTGRES_URL"):
            targets.append(("PostgreSQL", os.environ["PORTAL_BENCH_POSTGRES_URL"]))
        for name, url in targets:
            count_us, floor_us, page_us, unread = _measure(url)
            lines.append(
                f"| {name} | {unread:,} | {count_us:.0f} | {floor_us:.0f} | {page_us:.0f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
