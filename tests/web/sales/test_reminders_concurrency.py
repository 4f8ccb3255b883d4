"""`portal send-reminders` run twice at once (two workers, a cron line beside the worker):
real commits, and still each invoice's reminder goes once."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.coop.services import update_coop_settings
from portal.db import db, utcnow
from portal.members.models import Member, Role
from portal.outbox.models import OutboxMessage
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import InvoiceEvent
from portal.sales.sending import send_automatic_reminders
from tests.helpers import committed_app, seed_invoices_to_validate

INVOICES = 6
RUNS = 2
TODAY = date(2026, 11, 10)  # ten days after the invoices' due date


def _overdue_invoices(app) -> None:
    """The seeded invoices, mailed to a customer with an email address, validated on
    2026-10-01 (due 2026-10-31), and reminders set for 7 days after the due date."""
    ids = seed_invoices_to_validate(app, INVOICES)
    with app.app_context():
        session = db.session
        staff = session.scalar(select(Member).where(Member.role == Role.STAFF))
        invoices = [session.get(sales.Invoice, invoice_id) for invoice_id in ids]
        customer = create_customer(
            session,
            invoices[0].member,
            CustomerInput(name="D", siren="542107651", email="compta@dupont.example"),
        )
        for invoice in invoices:
            invoice.customer = customer
            session.flush()  # validating refreshes the invoice from the database
            sales.validate_invoice(session, invoice, staff, date(2026, 10, 1), utcnow())
        update_coop_settings(session, reminder_days="7")
        session.commit()


def _run_at_once(app) -> list:
    barrier = threading.Barrier(RUNS)
    outcome, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                outcome.append(send_automatic_reminders(db.session, TODAY, utcnow()))
        except Exception as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return outcome


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_runs_at_once_send_each_reminder_once(committed_database, tmp_path, kind):
    app = committed_app(committed_database(kind), tmp_path / "data")
    try:
        _overdue_invoices(app)
        outcome = _run_at_once(app)
        with app.app_context():
            per_invoice = db.session.execute(
                select(InvoiceEvent.invoice_id, func.count()).group_by(InvoiceEvent.invoice_id)
            ).all()
            mailed = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.recipient == "compta@dupont.example")
            )
    finally:
        app.extensions["database"].engine.dispose()
    assert sum(outcome) == INVOICES
    assert len(per_invoice) == INVOICES and all(count == 1 for _id, count in per_invoice)
    assert mailed == INVOICES
