"""The modules' entities through the API: invoices, payments, receipts, workshops and
meeting answers. Each read needs sync:read and 404s for an unknown id; each write needs
sync:write, applies once however often it is replayed, and refuses bad input with a problem."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest
from facturx import get_xml_from_pdf
from sqlalchemy import func, select

from portal.dates import paris_today
from portal.db import utcnow
from portal.expenses import services as expenses
from portal.expenses.models import ReceiptStatus
from portal.meetings import services as meetings
from portal.sales.models import InvoiceStatus, Payment, PaymentMethod, Refund
from portal.sync.models import Change
from portal.workshops import services as workshops
from portal.workshops.models import Workshop
from tests.helpers import write_headers
from tests.web.test_expenses import make_customer, make_receipt
from tests.web.test_meetings import schedule

PROBLEM = "application/problem+json"


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def feed(client, bearer) -> list[dict]:
    return client.get("/api/v1/changes?limit=1000", headers=bearer).json["items"]


# --- invoices -------------------------------------------------------------------------------


def test_invoice_read_has_money_as_two_place_strings(client, bearer, issued_invoice):
    response = client.get(f"/api/v1/invoices/{issued_invoice.id}", headers=bearer)
    assert response.status_code == 200
    invoice = response.json
    assert invoice["number"] == issued_invoice.number
    assert invoice["status"] == "validated"
    assert invoice["issue_date"] == "2026-11-26"
    assert invoice["customer"]["name"] == "Client SAS"
    assert [line["total_excl_vat"] for line in invoice["lines"]] == ["1000.00", "99.99"]
    assert (invoice["total_excl_vat"], invoice["total_vat"]) == ("1099.99", "205.50")
    assert invoice["total_incl_vat"] == invoice["amount_due"] == "1305.49"
    assert response.headers["ETag"]
    again = client.get(
        f"/api/v1/invoices/{issued_invoice.id}",
        headers={**bearer, "If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_draft_invoices_are_in_the_feed_with_their_status(client, bearer, make_invoice):
    draft = make_invoice()
    items = [i for i in feed(client, bearer) if i["entity"] == "invoice"]
    assert items[-1]["id"] == str(draft.id)
    assert items[-1]["data"]["status"] == "draft"
    assert items[-1]["data"]["number"] is None
    assert any(i["entity"] == "customer" for i in feed(client, bearer))


def test_invoice_pdf_is_a_factur_x_pdf(client, bearer, issued_invoice):
    response = client.get(f"/api/v1/invoices/{issued_invoice.id}/pdf", headers=bearer)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    filename, xml = get_xml_from_pdf(response.data, check_xsd=True)
    assert filename == "factur-x.xml"
    assert issued_invoice.number.encode() in xml


@pytest.mark.parametrize(
    "path",
    [
        "/invoices/999999",
        "/invoices/0",
        "/invoices/abc/pdf",
        "/invoices/2147483648",
        "/receipts/" + "9" * 18,
    ],
)
def test_unknown_invoice_is_a_404_problem(client, bearer, path):
    response = client.get("/api/v1" + path, headers=bearer)
    assert response.status_code == 404
    assert response.mimetype == PROBLEM


def test_reads_need_a_token_with_sync_read(client, token_for, issued_invoice):
    write_only = token_for("sync:write")
    assert client.get(f"/api/v1/invoices/{issued_invoice.id}").status_code == 401
    for path in (f"/invoices/{issued_invoice.id}", "/workshops", "/receipts/1"):
        assert client.get("/api/v1" + path, headers=write_only).status_code == 403


# --- payments -------------------------------------------------------------------------------


def payment_body(invoice, **changes) -> dict:
    return {
        "invoice_number": invoice.number,
        "amount": "305.49",
        "date": "2026-11-30",
        "method": "transfer",
        **changes,
    }


def test_payment_replayed_50_times_is_recorded_once(client, bearer, issued_invoice, db_session):
    headers = write_headers(bearer, "payment-1")
    first = client.post("/api/v1/payments", json=payment_body(issued_invoice), headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["amount"] == "305.49"
    assert first.json["invoice"] == {
        "id": issued_invoice.id,
        "status": "partly_paid",
        "amount_due": "1000.00",
    }
    for _ in range(50):
        again = client.post("/api/v1/payments", json=payment_body(issued_invoice), headers=headers)
        assert again.data == first.data
    db_session.expire_all()
    assert count(db_session, Payment) == 1
    assert issued_invoice.paid_cents == 30549
    assert issued_invoice.status is InvoiceStatus.PARTLY_PAID
    entities = [i["entity"] for i in feed(client, bearer)][-2:]
    assert entities == ["payment", "invoice"]


def test_payment_method_and_reference_are_stored_apart_and_returned(
    client, bearer, issued_invoice, db_session
):
    body = payment_body(issued_invoice, method="check", reference="Chèque 0042")
    response = client.post("/api/v1/payments", json=body, headers=write_headers(bearer))
    assert response.status_code == 201, response.json
    assert (response.json["method"], response.json["reference"]) == ("check", "Chèque 0042")
    payment = db_session.scalar(select(Payment))
    assert (payment.method, payment.reference) == (PaymentMethod.CHEQUE, "Chèque 0042")
    [entry] = [item for item in feed(client, bearer) if item["entity"] == "payment"]
    assert (entry["data"]["method"], entry["data"]["reference"]) == ("check", "Chèque 0042")


def test_payment_without_reference_returns_an_empty_one(client, bearer, issued_invoice):
    body = payment_body(issued_invoice, method="card")
    response = client.post("/api/v1/payments", json=body, headers=write_headers(bearer))
    assert (response.json["method"], response.json["reference"]) == ("card", "")


def test_payment_above_what_is_due_is_refused_by_the_sales_rule(
    client, bearer, issued_invoice, db_session
):
    response = client.post(
        "/api/v1/payments",
        json=payment_body(issued_invoice, amount="2000.00"),
        headers=write_headers(bearer),
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.json["error"]["field"] == "amount"
    assert count(db_session, Payment) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": 305.49}, "amount"),
        ({"amount": "12,50"}, "amount"),
        ({"date": "30/11/2026"}, "date"),
        ({"method": "bitcoin"}, "method"),
        ({"invoice_number": "F-NOPE"}, "invoice_number"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_payment_is_a_422_naming_the_field(
    client, bearer, issued_invoice, db_session, changes, field
):
    response = client.post(
        "/api/v1/payments",
        json=payment_body(issued_invoice, **changes),
        headers=write_headers(bearer),
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == field
    assert count(db_session, Payment) == 0


def test_payment_on_a_credit_note_number_is_refused_by_the_sales_rule(
    client, bearer, issued_invoice, db_session, staff
):
    from datetime import date

    from portal.sales.services import create_credit_note, submit_invoice, validate_invoice

    credit = create_credit_note(db_session, issued_invoice, date(2026, 11, 27))
    submit_invoice(db_session, credit, utcnow())
    validate_invoice(db_session, credit, staff, date(2026, 11, 27), utcnow())
    db_session.commit()
    response = client.post(
        "/api/v1/payments",
        json=payment_body(credit, amount="1.00"),
        headers=write_headers(bearer),
    )
    assert response.status_code == 422
    assert count(db_session, Payment) == 0


def test_writes_need_sync_write_and_a_key(client, token_for, bearer, issued_invoice):
    read_only = token_for("sync:read")
    body = payment_body(issued_invoice)
    refused = client.post("/api/v1/payments", json=body, headers=write_headers(read_only))
    assert refused.status_code == 403
    no_key = client.post("/api/v1/payments", json=body, headers=bearer)
    assert no_key.status_code == 400
    assert no_key.mimetype == PROBLEM


# --- receipts -------------------------------------------------------------------------------


@pytest.fixture
def approved_receipt(app, db_session, entrepreneur, staff):
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur)
        expenses.submit_receipt(db_session, receipt)
        expenses.approve_receipt(db_session, receipt, staff)
        db_session.commit()
        return receipt


def test_receipt_read_and_photo(client, bearer, approved_receipt):
    response = client.get(f"/api/v1/receipts/{approved_receipt.id}", headers=bearer)
    assert response.status_code == 200
    receipt = response.json
    assert (receipt["status"], receipt["amount"], receipt["vat"]) == ("approved", "120.00", "20.00")
    assert receipt["amount_excl_vat"] == "100.00"
    assert receipt["member"] == "camille@example.org"
    photo = client.get(receipt["photo"], headers=bearer)
    assert photo.status_code == 200
    assert photo.mimetype == "image/jpeg"
    assert photo.data[:2] == b"\xff\xd8"


def test_receipt_names_its_customer_in_the_read_and_in_the_feed(
    client, bearer, app, db_session, entrepreneur
):
    with app.app_context():
        customer = make_customer(db_session, entrepreneur, "Boulangerie Martin")
        linked = make_receipt(db_session, entrepreneur, customer_id=customer.id)
        unlinked = make_receipt(db_session, entrepreneur, supplier="Sans client")
    expected = {"id": customer.id, "name": "Boulangerie Martin"}
    assert client.get(f"/api/v1/receipts/{linked.id}", headers=bearer).json["customer"] == expected
    assert client.get(f"/api/v1/receipts/{unlinked.id}", headers=bearer).json["customer"] is None
    in_feed = {i["id"]: i["data"] for i in feed(client, bearer) if i["entity"] == "receipt"}
    assert in_feed[str(linked.id)]["customer"] == expected
    assert in_feed[str(unlinked.id)]["customer"] is None


def test_receipt_read_keeps_to_the_documented_receipt_schema(
    client, bearer, app, db_session, entrepreneur
):
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["Receipt"]
    with app.app_context():
        customer = make_customer(db_session, entrepreneur, "Boulangerie Martin")
        receipt = make_receipt(db_session, entrepreneur, customer_id=customer.id)
        claim, _ = expenses.create_mileage_claim(
            db_session,
            entrepreneur,
            expenses.MileageInput(
                paris_today().replace(month=1, day=1), Decimal("12.5"), 5, "Lyon"
            ),
            "m" * 32,
        )
        db_session.commit()
    validator = jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    for receipt_id in (receipt.id, claim.id):
        body = client.get(f"/api/v1/receipts/{receipt_id}", headers=bearer).json
        validator.validate(body)
        # Every field the API sends is documented, and every documented one is sent.
        assert set(body) == set(schema["properties"]) == set(schema["required"])


def test_unknown_receipt_and_missing_photo_are_404(client, bearer, app, db_session, entrepreneur):
    assert client.get("/api/v1/receipts/424242", headers=bearer).status_code == 404
    with app.app_context():
        without = make_receipt(db_session, entrepreneur, photo=False)
    response = client.get(f"/api/v1/receipts/{without.id}/photo", headers=bearer)
    assert response.status_code == 404
    assert response.mimetype == PROBLEM


def test_reimbursement_replayed_is_recorded_once(client, bearer, approved_receipt, db_session):
    url = f"/api/v1/receipts/{approved_receipt.id}/reimbursement"
    headers = write_headers(bearer, "refund-1")
    body = {"reimbursed_at": "2026-12-01T10:00:00+01:00"}
    changes = count(db_session, Change)
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 200, first.json
    assert first.json["status"] == "reimbursed"
    assert first.json["reimbursed_at"] == "2026-12-01T09:00:00+00:00"
    for _ in range(10):
        assert client.post(url, json=body, headers=headers).data == first.data
    assert count(db_session, Change) == changes + 1


def test_reimbursement_without_a_body_means_now(client, bearer, approved_receipt, db_session):
    url = f"/api/v1/receipts/{approved_receipt.id}/reimbursement"
    assert client.post(url, headers=write_headers(bearer)).status_code == 200
    db_session.expire_all()
    assert approved_receipt.status is ReceiptStatus.REIMBURSED


def test_reimbursing_a_draft_is_refused_by_the_expenses_rule(
    client, bearer, app, db_session, entrepreneur
):
    with app.app_context():
        draft = make_receipt(db_session, entrepreneur)
    url = f"/api/v1/receipts/{draft.id}/reimbursement"
    response = client.post(url, json={}, headers=write_headers(bearer))
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    bad = client.post(url, json={"reimbursed_at": "2026-12-01"}, headers=write_headers(bearer))
    assert bad.status_code == 422
    assert bad.json["error"]["field"] == "reimbursed_at"
    db_session.expire_all()
    assert draft.status is ReceiptStatus.DRAFT


# --- workshops ------------------------------------------------------------------------------


def test_workshops_list_with_booked_and_waiting(
    client, bearer, make_workshop, entrepreneur, make_member, db_session
):
    workshop = make_workshop(seats=1)
    workshops.book_seat(db_session, workshop, entrepreneur, by=entrepreneur, now=utcnow())
    other = make_member(email="lou@example.org")
    workshops.book_seat(db_session, workshop, other, by=other, now=utcnow())
    db_session.commit()
    items = client.get("/api/v1/workshops", headers=bearer).json["items"]
    assert [(i["ref"], i["seats"], i["booked"], i["waiting"]) for i in items] == [
        (workshop.ref, 1, 1, 1)
    ]
    bookings = client.get(f"/api/v1/workshops/{workshop.ref}/bookings", headers=bearer).json
    assert bookings["items"] == [
        {
            "member": "camille@example.org",
            "status": "confirmed",
            "position": None,
            "attendance": None,
        },
        {"member": "lou@example.org", "status": "waiting", "position": 1, "attendance": None},
    ]
    booking_items = [i for i in feed(client, bearer) if i["entity"] == "booking"]
    assert booking_items[-1]["data"]["position"] == 1


def test_unknown_workshop_or_meeting_is_404(client, bearer):
    for path in ("/workshops/NOPE/bookings", "/workshops/a%20b/bookings", "/meetings/x/rsvps"):
        response = client.get("/api/v1" + path, headers=bearer)
        assert response.status_code == 404
        assert response.mimetype == PROBLEM


def workshop_body(**changes) -> dict:
    starts = datetime(2027, 3, 4, 9, 30, tzinfo=UTC)
    return {
        "title": "Comptabilité de base",
        "description": "Les bases.",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "location": "Salle Jacquard",
        "seats": 12,
        **changes,
    }


def test_put_workshop_creates_then_updates_once_per_key(client, bearer, db_session):
    headers = write_headers(bearer, "ws-1")
    created = client.put("/api/v1/workshops/BO-2027-01", json=workshop_body(), headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["location"] == "Salle Jacquard"
    for _ in range(5):
        replay = client.put("/api/v1/workshops/BO-2027-01", json=workshop_body(), headers=headers)
        assert replay.data == created.data
    assert count(db_session, Workshop) == 1
    updated = client.put(
        "/api/v1/workshops/BO-2027-01",
        json={"seats": 20, "starts_at": "2027-03-04T11:00:00+02:00"},
        headers=write_headers(bearer),
    )
    assert updated.status_code == 200
    assert updated.json["seats"] == 20
    assert updated.json["starts_at"] == "2027-03-04T09:00:00+00:00"
    assert updated.json["title"] == "Comptabilité de base"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (workshop_body(seats=0), "seats"),
        (workshop_body(seats="12"), "seats"),
        (workshop_body(starts_at="2027-03-04T09:30:00"), "starts_at"),
        (workshop_body(ends_at="2027-03-04T08:00:00+00:00"), "ends_at"),
        ({"title": "Sans date"}, "starts_at"),
        (workshop_body(place="ailleurs"), "place"),
    ],
)
def test_bad_workshop_is_a_422_and_creates_nothing(client, bearer, db_session, body, field):
    response = client.put("/api/v1/workshops/W-X", json=body, headers=write_headers(bearer))
    assert response.status_code == 422
    assert response.json["error"]["field"] == field
    assert count(db_session, Workshop) == 0


def test_seats_cannot_drop_below_bookings_through_the_api(
    client, bearer, make_workshop, entrepreneur, make_member, db_session
):
    workshop = make_workshop(seats=2)
    for member in (entrepreneur, make_member(email="lou@example.org")):
        workshops.book_seat(db_session, workshop, member, by=member, now=utcnow())
    db_session.commit()
    response = client.put(
        f"/api/v1/workshops/{workshop.ref}", json={"seats": 1}, headers=write_headers(bearer)
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "seats"


def test_bad_workshop_ref_or_body_is_a_problem(client, bearer):
    bad_ref = client.put(
        "/api/v1/workshops/a%20b", json=workshop_body(), headers=write_headers(bearer)
    )
    assert bad_ref.status_code == 400
    not_json = client.put(
        "/api/v1/workshops/W1",
        data="{",
        content_type="application/json",
        headers=write_headers(bearer),
    )
    assert not_json.status_code == 400
    assert not_json.mimetype == PROBLEM


# --- meetings -------------------------------------------------------------------------------


def test_meeting_rsvps_list_every_invited_member(
    client, bearer, db_session, entrepreneur, make_member
):
    other = make_member(email="lou@example.org", full_name="Lou Martin")
    meeting = schedule(db_session)
    meetings.answer_invitation(db_session, meeting, entrepreneur, "yes", "Avec plaisir", utcnow())
    db_session.commit()
    items = client.get(f"/api/v1/meetings/{meeting.ref}/rsvps", headers=bearer).json["items"]
    by_member = {item["member"]: item for item in items}
    assert by_member[other.email]["answer"] is None
    assert by_member["camille@example.org"]["answer"] == "yes"
    assert by_member["camille@example.org"]["comment"] == "Avec plaisir"
    rsvp = [i for i in feed(client, bearer) if i["entity"] == "rsvp"][-1]["data"]
    assert (rsvp["meeting_ref"], rsvp["member"], rsvp["answer"]) == (
        meeting.ref,
        "camille@example.org",
        "yes",
    )


def test_every_recorded_entity_has_a_feed_serializer():
    from portal.api.serializers import BATCH_SERIALIZERS, SERIALIZERS

    recorded = {
        "member",
        "customer",
        "invoice",
        "payment",
        "receipt",
        "expense_category",
        "workshop",
        "booking",
        "meeting",
        "rsvp",
    }
    assert recorded <= set(SERIALIZERS) | set(BATCH_SERIALIZERS)


# --- refunds --------------------------------------------------------------------------------


@pytest.fixture
def owed_credit_note(db_session, issued_invoice, staff):
    """A full credit note of the invoice once paid: 1 305,49 € owed back to the customer."""
    from portal.sales import services as sales

    sales.record_payment(db_session, issued_invoice, Decimal("1305.49"), paris_today(), staff)
    note = sales.create_credit_note(db_session, issued_invoice, paris_today())
    sales.submit_invoice(db_session, note, utcnow())
    sales.validate_invoice(db_session, note, staff, paris_today(), utcnow())
    db_session.commit()
    return note


def refund_body(note, **changes) -> dict:
    return {
        "credit_note_number": note.number,
        "amount": "305.49",
        "date": paris_today().isoformat(),
        "method": "transfer",
        **changes,
    }


def test_refund_replayed_is_recorded_once_and_in_the_feed(
    client, bearer, owed_credit_note, db_session
):
    headers = write_headers(bearer, "refund-1")
    first = client.post("/api/v1/refunds", json=refund_body(owed_credit_note), headers=headers)
    assert first.status_code == 201, first.json
    assert first.json["credit_note"] == {
        "id": owed_credit_note.id,
        "refund_due": "1305.49",
        "amount_refunded": "305.49",
    }
    for _ in range(5):
        again = client.post("/api/v1/refunds", json=refund_body(owed_credit_note), headers=headers)
        assert again.data == first.data
    db_session.expire_all()
    assert count(db_session, Refund) == 1
    assert owed_credit_note.refund_owed_cents == 100_000
    items = feed(client, bearer)
    assert [i["entity"] for i in items][-2:] == ["refund", "invoice"]
    assert items[-2]["data"]["credit_note_number"] == owed_credit_note.number
    assert items[-1]["data"]["refund_due"] == "1305.49"
    assert items[-1]["data"]["amount_refunded"] == "305.49"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "1305.50"}, "amount"),  # more than is owed
        ({"amount": "0"}, "amount"),
        ({"amount": "-10.00"}, "amount"),
        ({"date": "2000-01-01"}, "date"),  # before the credit note
        ({"date": "2099-01-01"}, "date"),  # after today
        ({"date": "tomorrow"}, "date"),
        ({"credit_note_number": "NOPE"}, "credit_note_number"),
    ],
)
def test_bad_refund_is_refused_and_changes_nothing(
    client, bearer, owed_credit_note, db_session, changes, field
):
    response = client.post(
        "/api/v1/refunds",
        json=refund_body(owed_credit_note, **changes),
        headers=write_headers(bearer),
    )
    assert response.status_code in (400, 422), response.json
    assert response.mimetype == PROBLEM
    assert response.json["error"]["field"] == field
    assert count(db_session, Refund) == 0


def test_refund_on_an_invoice_number_is_refused(client, bearer, owed_credit_note, issued_invoice):
    body = refund_body(owed_credit_note, credit_note_number=issued_invoice.number)
    response = client.post("/api/v1/refunds", json=body, headers=write_headers(bearer))
    assert response.status_code == 422
