from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.db import utcnow
from portal.sales.models import Invoice
from portal.sales.services import (
    CustomerInput,
    InvoiceInput,
    LineInput,
    create_customer,
    create_invoice,
    submit_invoice,
    validate_invoice,
)
from tests.conftest import login


@pytest.fixture
def customer(db_session, entrepreneur):
    customer = create_customer(
        db_session,
        entrepreneur,
        CustomerInput(
            name="Client SAS",
            address="2 avenue du Client",
            postcode="75001",
            city="Paris",
            siren="542107651",
            vat_number="FR13542107651",
        ),
    )
    db_session.commit()
    return customer


def lines(*specs):
    return [
        LineInput(
            description=f"Ligne {n}",
            quantity=Decimal(q),
            unit_price=Decimal(p),
            vat_rate=Decimal(r),
            unit="HUR",
        )
        for n, (q, p, r) in enumerate(specs, 1)
    ]


@pytest.fixture
def make_invoice(db_session, entrepreneur, customer):
    def make(*specs, member=None, for_customer=None):
        invoice, _ = create_invoice(
            db_session,
            member or entrepreneur,
            InvoiceInput(
                customer=for_customer or customer,
                issue_date=date(2026, 11, 2),
                due_date=None,
                lines=lines(*(specs or [("2", "500", "20")])),
                activity_id=(member or entrepreneur).activities[0].id,
            ),
        )
        db_session.commit()
        return invoice

    return make


@pytest.fixture
def issued_invoice(db_session, make_invoice, staff, coop):
    invoice = make_invoice(("2", "500", "20"), ("1", "99.99", "5.5"))
    submit_invoice(db_session, invoice, utcnow())
    validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
    db_session.commit()
    return invoice


def draft_credit_note(client, db_session, invoice: Invoice, token: str = "credit") -> Invoice:
    """The credit note the logged-in entrepreneur drafts from the invoice's page."""
    client.post(f"/invoices/{invoice.id}/credit-note", data={"form_token": token})
    return db_session.scalar(select(Invoice).where(Invoice.credited_invoice_id == invoice.id))


def submit_then_validate(client, invoice: Invoice, staff):
    """The entrepreneur submits it, then the support team validates it: the validation's
    page, redirects followed."""
    client.post(f"/invoices/{invoice.id}/submit")
    client.post("/logout")
    login(client, staff.email)
    return client.post(f"/invoices/{invoice.id}/validate", follow_redirects=True)
