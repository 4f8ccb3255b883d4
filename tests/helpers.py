"""Helpers shared by the tests (the fixtures are in the conftest.py files): logging in, the
members' password, an empty database, a query counter, API credentials, invoice steps
and an entrepreneur's paid months of activity."""

import base64
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import event, select, text

from portal.dates import paris_today
from portal.db import make_engine, utcnow
from portal.projection.months import add_months, first_of_month
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Invoice
from portal.sales.totals import LineInput

PASSWORD = "correct horse battery"


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def reset_database(url: str) -> None:
    """Start from an empty database: a fresh SQLite file, or an emptied PostgreSQL schema."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def count_queries(engine):
    """Count the SQL statements run inside the block: `with count_queries(e) as n: ...; n()`."""
    statements = []

    def record(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)


# --- the sync API ----------------------------------------------------------------------------


def basic(client_id: str, secret: str) -> dict:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def get_token(http, client_id: str, secret: str, scope: str | None = None) -> dict:
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    response = http.post("/oauth/token", data=data, headers=basic(client_id, secret))
    assert response.status_code == 200, response.text
    return response.json


def write_headers(bearer: dict, key: str | None = None) -> dict:
    return {**bearer, "Idempotency-Key": key or str(uuid.uuid4())}


# --- invoices --------------------------------------------------------------------------------


def lines(*specs):
    """Invoice lines from (quantity, unit price, VAT rate) triples of strings."""
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


EARNING_CUSTOMER = CustomerInput(
    name="Client SAS",
    address="2 avenue du Client",
    postcode="75001",
    city="Paris",
    siren="542107651",
    vat_number="FR13542107651",
)


def earn(db_session, staff, member, excl_vat: str, months_ago: int) -> None:
    """An invoice at 20 % VAT issued on the 15th `months_ago` months back, paid that day."""
    on = add_months(first_of_month(paris_today()), -months_ago) + timedelta(days=14)
    customer = create_customer(db_session, member, EARNING_CUSTOMER)
    invoice, _ = sales.create_invoice(
        db_session,
        member,
        sales.InvoiceInput(
            customer=customer,
            issue_date=on,
            due_date=None,
            lines=[LineInput("Jardinage", Decimal(1), Decimal(excl_vat), Decimal(20))],
            activity_id=member.activities[0].id,
        ),
    )
    sales.submit_invoice(db_session, invoice, utcnow())
    sales.validate_invoice(db_session, invoice, staff, on, utcnow())
    sales.record_payment(
        db_session, invoice, invoice.total_incl_vat_cents / Decimal(100), on, staff
    )
    db_session.commit()


def joined(db_session, member, months_ago: int) -> None:
    """The member joined the coop on the 10th `months_ago` months back."""
    month = add_months(first_of_month(paris_today()), -months_ago)
    member.created_at = datetime(month.year, month.month, 10, tzinfo=UTC)
    db_session.commit()
