"""The API's JSON, pinned: a feed page with every entity type and the reads that share its
representations must stay exactly what the back office already parses. The expected output
was recorded from the code before the feed was made faster (tests/api/pinned_output.json);
ids are renumbered in order of appearance and timestamps taken during the test read
"<now>", everything else is compared as it is.

After a deliberate change of the contract, record the file again with
`PORTAL_RECORD_PINNED_OUTPUT=1 pytest tests/api/test_api_output_pinned.py` and review its diff."""

import json
import os
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from portal.api.services import encode_cursor
from portal.db import utcnow
from portal.expenses import services as expenses
from portal.expenses.models import ExpenseCategory
from portal.meetings import services as meetings
from portal.members.models import MemberStatus
from portal.sales.models import Customer, OperationType
from portal.sales.services import InvoiceInput, create_credit_note, create_invoice, mark_sent
from portal.sales.totals import LineInput
from portal.sync.models import Change, ChangeOp
from portal.sync.services import record_change
from portal.workshops import services as workshops
from tests.helpers import write_headers
from tests.web.test_expenses import make_receipt

PINNED = Path(__file__).with_name("pinned_output.json")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00$")
ID_IN_PATH = re.compile(r"/\d+(/|$)")


def _normalise(value, ids: dict, window: tuple[datetime, datetime], key: str = "", scope=""):
    """Ids and random refs become "<name#n>", n counted in order of first appearance per
    kind (an `id` or `ref` is of its entity: the feed item's, or the key holding the
    object), so that the pinned text holds whatever ids the database hands out; cursors
    "<cursor>", timestamps written during the test "<now>", numbers in URLs "#"."""
    if isinstance(value, dict):
        inner = value.get("entity") if "entity" in value and "data" in value else None
        return {
            k: _normalise(v, ids, window, k, inner or (k if isinstance(v, dict) else scope))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_normalise(v, ids, window, key, scope) for v in value]
    if key == "next":
        return "<cursor>"
    if value is not None and (key in ("id", "ref", "seq") or key.endswith(("_id", "_ref"))):
        name = f"{scope}.{key}" if key in ("id", "ref") else key
        numbering = ids.setdefault(name, {})
        return f"<{name}#{numbering.setdefault(str(value), len(numbering) + 1)}>"
    written_now = isinstance(value, str) and TIMESTAMP.match(value)
    if written_now and window[0] <= datetime.fromisoformat(value) <= window[1]:
        return "<now>"
    if isinstance(value, str) and value.startswith("/api/"):
        return ID_IN_PATH.sub(r"/#\1", value)
    return value


def _build_every_entity(
    client, bearer, db_session, make_member, entrepreneur, make_workshop, issued
):
    """At least one change of every entity the feed carries, through the services and the
    API's own writes, with fixed dates."""
    customer = db_session.get(Customer, issued.customer_id)
    credit_note = create_credit_note(db_session, issued, date(2026, 11, 26), "pinned")
    mark_sent(db_session, issued, utcnow())
    create_invoice(
        db_session,
        entrepreneur,
        InvoiceInput(
            customer=customer,
            issue_date=date(2026, 11, 5),
            due_date=date(2026, 12, 20),
            service_date=date(2026, 10, 30),
            operation_type=OperationType.MIXED,
            purchase_order="BC-2026-117",
            lines=[
                LineInput("Chaises", Decimal("3.5"), Decimal("42.10"), Decimal("20"), "C62",
                          Decimal("12.5")),
                LineInput("Pose", Decimal("0.125"), Decimal("380"), Decimal("5.5"), "HUR"),
            ],
        ),
    )  # fmt: skip
    db_session.commit()
    payment = client.post(
        "/api/v1/payments",
        json={
            "invoice_number": issued.number,
            "amount": "305.49",
            "date": "2026-11-20",
            "method": "transfer",
            "reference": "VIR 42",
        },
        headers=write_headers(bearer, "pinned-payment"),
    )
    assert payment.status_code == 201, payment.json
    receipt = make_receipt(
        db_session,
        entrepreneur,
        spent_on=date(2026, 11, 3),
        amount=Decimal("84.30"),
        vat_by_rate={Decimal("0.20"): Decimal("10.00"), Decimal("0.055"): Decimal("1.20")},
        customer_id=customer.id,
    )
    expenses.create_mileage_claim(
        db_session,
        entrepreneur,
        expenses.MileageInput(date(2026, 3, 2), Decimal("123.4"), 5, "Client", electric=True),
        "m" * 32,
    )
    category = db_session.get(ExpenseCategory, receipt.category_id)
    record_change(db_session, "expense_category", category.id)
    payslip = client.post(
        "/api/v1/payslips",
        json={
            "member": entrepreneur.email,
            "period": "2026-10",
            "gross": "1800.00",
            "net": "1402.12",
            "employer_cost": "2510.40",
        },
        headers=write_headers(bearer, "pinned-payslip"),
    )
    assert payslip.status_code == 201, payslip.json
    balance = client.put(
        f"/api/v1/members/{entrepreneur.email}/balance",
        json={"date": "2026-10-31", "amount": "12345.67"},
        headers=write_headers(bearer, "pinned-balance"),
    )
    assert balance.status_code == 200, balance.json
    member = client.put(
        "/api/v1/members/dominique@example.org",
        json={
            "name": "Dominique Lefèvre",
            "status": "accompagne",
            "hours_per_week": "17.5",
            "hourly_rate": "13.25",
            "contribution_rate": "0.125",
            "activities": ["Menuiserie", "Ébénisterie"],
        },
        headers=write_headers(bearer, "pinned-member"),
    )
    assert member.status_code == 201, member.json
    starts = datetime(2030, 3, 14, 17, 30, tzinfo=UTC)
    meeting = meetings.schedule_meeting(
        db_session,
        meetings.MeetingDetails(
            title="Assemblée de printemps",
            day=date(2030, 3, 14),
            start=time(18, 30),
            end=time(20, 30),
            location="Salle commune",
            statuses=(MemberStatus.EMPLOYEE, MemberStatus.ASSOCIATE),
        ),
        starts - timedelta(days=30),
    )
    meetings.answer_invitation(db_session, meeting, entrepreneur, "yes", "Avec plaisir", utcnow())
    workshop = make_workshop(
        seats=1,
        starts_at=datetime(2030, 4, 2, 8, 0, tzinfo=UTC),
        ends_at=datetime(2030, 4, 2, 10, 0, tzinfo=UTC),
    )
    other = make_member(email="sacha@example.org", full_name="Sacha Petit")
    workshops.book_seat(db_session, workshop, entrepreneur, by=entrepreneur, now=utcnow())
    workshops.book_seat(db_session, workshop, other, by=other, now=utcnow())
    record_change(db_session, "invoice", 2_000_000_000, ChangeOp.DELETE)
    record_change(db_session, "not_yet_registered", "abc")
    db_session.commit()
    return {
        "credit_note": credit_note,
        "receipt": receipt,
        "meeting": meeting,
        "workshop": workshop,
        "writes": {
            "payment": payment.json,
            "payslip": payslip.json,
            "balance": balance.json,
            "member": member.json,
        },
    }


def test_feed_page_and_reads_keep_their_pinned_json(
    app, client, bearer, db_session, make_member, entrepreneur, make_workshop, issued_invoice
):
    started = utcnow()
    start = db_session.scalar(select(func.max(Change.seq))) or 0
    # The invoice's own changes (creation, validation) are part of the page too.
    start = min(start, db_session.scalar(select(func.min(Change.seq))) - 1)
    with app.app_context():  # the receipt's photo goes to the app's storage
        built = _build_every_entity(
            client, bearer, db_session, make_member, entrepreneur, make_workshop, issued_invoice
        )
    feed = client.get(f"/api/v1/changes?limit=1000&after={encode_cursor(start)}", headers=bearer)
    reads = [
        (scope, client.get(f"/api/v1{path}", headers=bearer).json)
        for scope, path in (
            ("invoice", f"/invoices/{issued_invoice.id}"),
            ("invoice", f"/invoices/{built['credit_note'].id}"),
            ("receipt", f"/receipts/{built['receipt'].id}"),
            ("member", f"/members/{entrepreneur.email}"),
            ("member", "/members/dominique@example.org"),
            ("workshop", "/workshops"),
            ("booking", f"/workshops/{built['workshop'].ref}/bookings"),
            ("rsvp", f"/meetings/{built['meeting'].ref}/rsvps"),
        )
    ]
    window = (started - timedelta(seconds=1), utcnow() + timedelta(seconds=1))
    ids: dict = {}
    actual = {
        "feed": _normalise(feed.json, ids, window),
        "writes": {
            name: _normalise(body, ids, window, scope=name)
            for name, body in built["writes"].items()
        },
        "reads": [_normalise(body, ids, window, scope=scope) for scope, body in reads],
    }
    entities = {item["entity"] for item in feed.json["items"] if item["data"] is not None}
    assert entities >= {
        "member", "customer", "invoice", "payment", "receipt", "expense_category", "payslip",
        "balance", "meeting", "rsvp", "workshop", "booking",
    }  # fmt: skip
    if os.environ.get("PORTAL_RECORD_PINNED_OUTPUT"):
        PINNED.write_text(json.dumps(actual, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert actual == json.loads(PINNED.read_text())
