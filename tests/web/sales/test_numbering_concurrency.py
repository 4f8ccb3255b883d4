"""Legal numbering under load: many validations at once, real commits, gapless and unique."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import create_app
from portal.coop.services import update_coop_settings
from portal.db import db, utcnow
from portal.members.models import Role
from portal.members.services import create_member
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Invoice
from portal.sales.services import InvoiceInput, create_invoice, submit_invoice
from portal.sales.totals import LineInput
from tests.helpers import PASSWORD, login

INVOICES = 50
WORKERS = 10


def _app(url, tmp_path):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "concurrency",
            "DATA_DIR": str(tmp_path / "data"),
            "WTF_CSRF_ENABLED": False,
            "SMTP_HOST": None,
            "LOGIN_MAX_FAILURES": 1000,
        }
    )


def _seed(app) -> list[int]:
    with app.app_context():
        session = db.session
        update_coop_settings(
            session, legal_name="Coop", siren="732829320", vat_number="FR44732829320"
        )
        create_member(
            session, email="staff@example.org", full_name="S", role=Role.STAFF, password=PASSWORD
        )
        member = create_member(
            session,
            email="e@example.org",
            full_name="E",
            role=Role.ENTREPRENEUR,
            password=PASSWORD,
            activities=("Conseil",),
        )
        customer = create_customer(session, member, CustomerInput(name="C", siren="542107651"))
        ids = []
        for _ in range(INVOICES):
            invoice, _created = create_invoice(
                session,
                member,
                InvoiceInput(
                    customer=customer,
                    issue_date=date(2026, 11, 2),
                    due_date=None,
                    lines=[LineInput("x", Decimal(1), Decimal(100), Decimal(20))],
                ),
            )
            submit_invoice(session, invoice, utcnow())
            ids.append(invoice.id)
        session.commit()
        return ids


def _validate_all_at_once(app, ids):
    errors = []
    barrier = threading.Barrier(WORKERS)

    def work(chunk):
        try:
            client = app.test_client()
            assert login(client, "staff@example.org").status_code == 303
            barrier.wait()
            for invoice_id in chunk:
                response = client.post(f"/invoices/{invoice_id}/validate")
                assert response.status_code == 303, response.status_code
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(ids[n::WORKERS],)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        return db.session.execute(
            select(Invoice.number_sequence, Invoice.number, Invoice.status)
        ).all()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_validations_get_contiguous_unique_numbers(committed_database, tmp_path, kind):
    app = _app(committed_database(kind), tmp_path)
    try:
        ids = _seed(app)
        rows = _validate_all_at_once(app, ids)
    finally:
        app.extensions["database"].engine.dispose()
    assert sorted(row.number_sequence for row in rows) == list(range(1, INVOICES + 1))
    assert len({row.number for row in rows}) == INVOICES
    assert all(row.status.value == "validated" for row in rows)
