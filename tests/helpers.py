"""Helpers shared by the tests (the fixtures are in the conftest.py files): logging in, the
members' password, an empty database, a query counter, API credentials, invoice steps
and an entrepreneur's paid months of activity; for tests on a committed database, the app,
invoices (or internal transfers) waiting for validation and staff validating them from
threads; an S3 bucket; a phone camera's photo."""

import base64
import io
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PIL import Image
from sqlalchemy import event, select, text

from portal import create_app
from portal.coop.services import update_coop_settings
from portal.dates import paris_today
from portal.db import db, make_engine, utcnow
from portal.directory.services import CardInput, save_card
from portal.members.models import Role
from portal.members.services import create_member
from portal.outbox.services import deliver_pending
from portal.projection.months import add_months, first_of_month
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Invoice
from portal.sales.totals import LineInput
from portal.transfers import services as transfers

PASSWORD = "correct horse battery"


def camera_photo(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A JPEG the size a phone's camera makes (12 MP by default, about 4 MB): light and
    grain, since a flat colour would compress to nothing and prove nothing about sizes."""
    grain = Image.effect_noise(size, 32)
    light = Image.linear_gradient("L").resize(size)
    channels = (Image.blend(grain, light, 0.6), Image.blend(grain, light, 0.8), light)
    buffer = io.BytesIO()
    Image.merge("RGB", channels).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def login(client, email: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def delivered(db_session) -> None:
    """Deliver what waits in the outbox, as the worker does once a request has answered: a
    test's response is never closed, so nothing delivered its mail, and a notification's
    mail is written only then."""
    db_session.commit()
    deliver_pending(db_session)


def reset_database(url: str) -> None:
    """Start from an empty database: a fresh SQLite file, or an emptied PostgreSQL schema."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def listening(target, name: str, listener):
    """SQLAlchemy's event `name` on `target` calls `listener` inside the block only."""
    event.listen(target, name, listener)
    try:
        yield
    finally:
        event.remove(target, name, listener)


@contextmanager
def count_queries(engine):
    """Count the SQL statements run inside the block: `with count_queries(e) as n: ...; n()`."""
    statements = []

    def record(*_args):
        statements.append(1)

    with listening(engine, "before_cursor_execute", record):
        yield lambda: len(statements)


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
    client.post(f"/invoices/{invoice.id}/credit-note", data={"confirmed": "1", "form_token": token})
    return db_session.scalar(select(Invoice).where(Invoice.credited_invoice_id == invoice.id))


def submit_then_validate(client, invoice: Invoice, staff):
    """The entrepreneur submits it, then the support team validates it: the validation's
    page, redirects followed."""
    client.post(f"/invoices/{invoice.id}/submit")
    client.post("/logout")
    login(client, staff.email)
    return client.post(
        f"/invoices/{invoice.id}/validate", data={"confirmed": "1"}, follow_redirects=True
    )


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


# --- On a committed database: threads, servers, commands ------------------------------------


def committed_app(url: str, data_dir: Path, **settings):
    """The portal on a committed database, CSRF off and no login throttle (test clients in
    threads, the threaded server, the command line)."""
    from tests.servers import config

    return create_app(
        {
            **config(url),
            "TESTING": True,
            "DATA_DIR": str(data_dir),
            "WTF_CSRF_ENABLED": False,
            "LOGIN_MAX_FAILURES": 1000,
            **settings,
        }
    )


def seed_invoices_to_validate(app, count: int) -> list[int]:
    """A coop with its legal identity, staff@example.org, the entrepreneur e@example.org
    and `count` of their invoices submitted for validation, committed: their ids."""
    with app.app_context():
        session = db.session
        update_coop_settings(
            session, legal_name="Coop", siren="732829320", vat_number="FR44732829320"
        )
        create_member(
            session, email="staff@example.org", full_name="S", role=Role.STAFF, password=PASSWORD
        )
        member = create_member(
            session, email="e@example.org", full_name="E", role=Role.ENTREPRENEUR,
            password=PASSWORD, activities=("Conseil",),
        )  # fmt: skip
        customer = create_customer(session, member, CustomerInput(name="C", siren="542107651"))
        ids = []
        for _ in range(count):
            invoice, _created = sales.create_invoice(
                session,
                member,
                sales.InvoiceInput(
                    customer=customer,
                    issue_date=date(2026, 11, 2),
                    due_date=None,
                    lines=[LineInput("x", Decimal(1), Decimal(100), Decimal(20))],
                ),
            )
            sales.submit_invoice(session, invoice, utcnow())
            ids.append(invoice.id)
        session.commit()
        return ids


def list_in_directory(session, member, activity: str = "Conseil") -> None:
    """The member's card in the directory, listed: whom an internal transfer may go to."""
    save_card(
        session,
        member,
        CardInput(True, activity, "", "", "", show_email=False, show_phone=False),
        None,
    )


def seed_transfers_to_validate(app, count: int, members: int = 5) -> list[int]:
    """staff@example.org, `members` entrepreneurs t0@example.org... and `count` internal
    transfers between them, each to the next one round the circle, accepted and waiting for
    validation, committed: their ids. Amounts vary (1.01 € to 99.99 €) so that sums tell
    transfers apart."""
    with app.app_context():
        session = db.session
        create_member(
            session, email="staff@example.org", full_name="S", role=Role.STAFF, password=PASSWORD
        )
        people = [
            create_member(
                session,
                email=f"t{n}@example.org",
                full_name=f"T{n}",
                role=Role.ENTREPRENEUR,
                password=PASSWORD,
            )
            for n in range(members)
        ]
        for person in people:
            list_in_directory(session, person)
        ids = []
        for n in range(count):
            subcontractor, contractor = people[n % members], people[(n + 1) % members]
            amount = Decimal(101 + (n * 3_137) % 9_899) / 100
            transfer, _created = transfers.issue_transfer(
                session,
                subcontractor,
                transfers.TransferInput(
                    contractor, [transfers.TransferLineInput(f"Travail {n}", amount)]
                ),
                date(2026, 11, 2),
            )
            transfers.accept_transfer(session, transfer, contractor, utcnow())
            ids.append(transfer.id)
        session.commit()
        return ids


def until_served(send) -> int:
    """The status of `send()`, sent again after a 503: SQLite's writers' queue waited 5 s on
    a crowded machine and nothing was saved; a user would try again."""
    for _attempt in range(20):
        status = send()
        if status != 503:
            return status
        time.sleep(0.5)
    return status


def validating_threads(
    app, ids: list[int], count: int, errors: list, committed=None, path="/invoices/{}/validate"
):
    """`count` threads (not started yet) in which staff@example.org validates a share of
    `ids` from a test client (invoices, or what `path` names), every validation committed;
    all log in, then start together. What fails goes to `errors`; `committed` (an Event) is
    set at the first validation."""
    barrier = threading.Barrier(count)

    def validate(chunk):
        try:
            client = app.test_client()
            assert login(client, "staff@example.org").status_code == 303
            barrier.wait()
            for object_id in chunk:
                url = path.format(object_id)
                assert (
                    until_served(lambda u=url: client.post(u, data={"confirmed": "1"}).status_code)
                    == 303
                )
                if committed is not None:
                    committed.set()
        except Exception as error:
            errors.append(error)
            barrier.abort()  # the others do not wait for this one
            if committed is not None:
                committed.set()

    return [threading.Thread(target=validate, args=(ids[n::count],)) for n in range(count)]


@contextmanager
def s3_bucket(monkeypatch, bucket: str):
    """moto's stand-in for S3 (nothing leaves the machine) with an empty `bucket` in
    eu-west-3, under test credentials."""
    import boto3
    import moto

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        boto3.client("s3", region_name="eu-west-3").create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
        )
        yield
