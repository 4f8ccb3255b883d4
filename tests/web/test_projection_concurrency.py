"""Two deliveries of the same payslip at the same time (the back office retries) leave one
row and no error, on SQLite and on PostgreSQL."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.db import db
from portal.members.models import Member, MemberStatus, Role
from portal.members.services import create_member
from portal.projection.models import Payslip
from portal.projection.records import record_payslip


def _race(kind: str, committed_database, tmp_path) -> tuple[list, int]:
    url = committed_database(kind)
    app = create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "x",
            "SMTP_HOST": None,
            "DATA_DIR": str(tmp_path),
        }
    )
    with app.app_context():
        member = create_member(
            db.session,
            email="race@example.org",
            full_name="Race",
            role=Role.ENTREPRENEUR,
            status=MemberStatus.EMPLOYEE,
        )
        db.session.commit()
        member_id = member.id
    barrier = threading.Barrier(2)
    errors = []

    def deliver(gross_cents: int):
        # As the API will: inside a write request, one commit at the end.
        with app.test_request_context(method="PUT"):
            try:
                barrier.wait(timeout=10)
                member = db.session.get(Member, member_id)
                record_payslip(
                    db.session,
                    member,
                    period="2026-10",
                    gross_cents=gross_cents,
                    net_cents=100_000,
                    employer_cost_cents=200_000,
                    paid_on=date(2026, 10, 30),
                )
                db.session.commit()
            except Exception as error:  # any failure fails the test
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=deliver, args=(g,)) for g in (150_000, 160_000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Payslip))
    app.extensions["database"].engine.dispose()
    return errors, count


def test_same_payslip_delivered_twice_at_once_on_sqlite(committed_database, tmp_path):
    errors, count = _race("sqlite", committed_database, tmp_path)
    assert errors == [] and count == 1


@pytest.mark.postgres
def test_same_payslip_delivered_twice_at_once_on_postgresql(committed_database, tmp_path):
    errors, count = _race("postgresql", committed_database, tmp_path)
    assert errors == [] and count == 1
