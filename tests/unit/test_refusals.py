"""The models' predicates: each says why an action is refused (None: allowed), in the words
the services raise and the pages show. Built in memory: the rules read the object alone."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from portal.expenses.models import PaidBy, Receipt, ReceiptKind, ReceiptStatus
from portal.meetings.models import Meeting
from portal.members.models import Member, MemberStatus, Role
from portal.sales.models import (
    Customer,
    CustomerKind,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
)
from portal.workshops.models import Booking, BookingStatus, Workshop, WorkshopAudience

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english(app_context):
    with force_locale("en"):
        yield


def reason(refusal) -> str | None:
    return None if refusal is None else str(refusal)


# --- Invoices --------------------------------------------------------------------------------

OWNER = Member(id=7, role=Role.ENTREPRENEUR, trusted_invoicing=False)
STAFF = Member(id=1, role=Role.STAFF)


def invoice(status=InvoiceStatus.DRAFT, kind=InvoiceKind.INVOICE, member=OWNER, **fields):
    values = dict(
        total_excl_vat_cents=100_00,
        total_incl_vat_cents=120_00,
        paid_cents=0,
        credited_cents=0,
        refund_due_cents=0,
        refunded_cents=0,
        customer=Customer(kind=CustomerKind.COMPANY, country_code="FR", siren="542107651"),
        lines=[InvoiceLine(position=1, description="Cours", net_cents=100_00)],
    )
    values.update(fields)
    return Invoice(status=status, kind=kind, member_id=member.id, member=member, **values)


EDITABLE = (InvoiceStatus.DRAFT, InvoiceStatus.RETURNED)
ISSUED = (
    InvoiceStatus.VALIDATED,
    InvoiceStatus.SENT,
    InvoiceStatus.PARTLY_PAID,
    InvoiceStatus.PAID,
)


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_only_a_draft_or_a_returned_invoice_changes_or_is_deleted(status):
    expected = None if status in EDITABLE else "This invoice can no longer be changed."
    assert reason(invoice(status).refusal_to_change()) == expected
    assert reason(invoice(status).refusal_to_delete()) == expected


def test_an_invoice_is_issued_with_an_amount_and_a_french_companys_siren():
    assert invoice().refusal_to_issue() is None
    assert reason(invoice(lines=[]).refusal_to_issue()) == (
        "An invoice needs at least one line with an amount."
    )
    assert reason(invoice(total_excl_vat_cents=0).refusal_to_issue()) == (
        "An invoice needs at least one line with an amount."
    )
    no_siren = Customer(kind=CustomerKind.COMPANY, country_code="FR", siren="")
    assert reason(invoice(customer=no_siren).refusal_to_issue()) == (
        "Add the customer's SIREN: it is mandatory on invoices to French companies."
    )
    abroad = Customer(kind=CustomerKind.COMPANY, country_code="BE", siren="")
    person = Customer(kind=CustomerKind.INDIVIDUAL, country_code="FR", siren="")
    assert invoice(customer=abroad).refusal_to_issue() is None
    assert invoice(customer=person).refusal_to_issue() is None


def test_submitting_needs_an_editable_invoice_then_a_complete_one():
    assert invoice(InvoiceStatus.RETURNED).refusal_to_submit() is None
    assert reason(invoice(InvoiceStatus.SUBMITTED, lines=[]).refusal_to_submit()) == (
        "This invoice can no longer be changed."
    )
    assert reason(invoice(lines=[]).refusal_to_submit()) == (
        "An invoice needs at least one line with an amount."
    )


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_staff_validate_only_a_submitted_invoice(status):
    refusal = reason(invoice(status).refusal_to_validate(STAFF))
    if status is InvoiceStatus.SUBMITTED:
        assert refusal is None
    elif status in ISSUED:
        assert refusal == "This invoice is already validated."
    else:
        assert refusal == "You cannot validate this invoice."


def test_a_trusted_entrepreneur_validates_their_own_unissued_invoices_only():
    trusted = Member(id=8, role=Role.ENTREPRENEUR, trusted_invoicing=True)
    for status in (*EDITABLE, InvoiceStatus.SUBMITTED):
        assert invoice(status, member=trusted).refusal_to_validate(trusted) is None
        assert reason(invoice(status).refusal_to_validate(OWNER)) == (
            "You cannot validate this invoice."
        )
        assert reason(invoice(status).refusal_to_validate(trusted)) == (
            "You cannot validate this invoice."
        )
    assert reason(invoice(InvoiceStatus.SENT, member=trusted).refusal_to_validate(trusted)) == (
        "This invoice is already validated."
    )


def test_staff_return_only_a_submitted_invoice():
    assert invoice(InvoiceStatus.SUBMITTED).refusal_to_return(STAFF) is None
    assert reason(invoice(InvoiceStatus.SUBMITTED).refusal_to_return(OWNER)) == (
        "Only the support team returns invoices."
    )
    for status in set(InvoiceStatus) - {InvoiceStatus.SUBMITTED}:
        assert reason(invoice(status).refusal_to_return(STAFF)) == (
            "Only an invoice awaiting validation can be returned."
        )


@pytest.mark.parametrize("status", list(InvoiceStatus))
def test_only_a_validated_invoice_is_marked_as_sent(status):
    expected = (
        None
        if status is InvoiceStatus.VALIDATED
        else "Only a validated invoice can be marked as sent."
    )
    assert reason(invoice(status).refusal_to_send()) == expected


def test_an_issued_invoice_is_credited_for_what_is_left_of_it():
    assert invoice(InvoiceStatus.SENT, credited_cents=119_99).refusal_to_credit() is None
    assert reason(invoice(InvoiceStatus.SENT, credited_cents=120_00).refusal_to_credit()) == (
        "This invoice is already fully credited."
    )
    for draft in (invoice(), invoice(InvoiceStatus.SUBMITTED)):
        assert reason(draft.refusal_to_credit()) == "Only a validated invoice can be credited."
    credit_note = invoice(InvoiceStatus.VALIDATED, kind=InvoiceKind.CREDIT_NOTE)
    assert reason(credit_note.refusal_to_credit()) == "Only a validated invoice can be credited."


def test_payments_go_on_an_issued_invoice_while_something_is_left_to_pay():
    assert invoice(InvoiceStatus.PARTLY_PAID, paid_cents=50_00).refusal_to_pay() is None
    for unpayable in (
        invoice(InvoiceStatus.SUBMITTED),
        invoice(InvoiceStatus.VALIDATED, kind=InvoiceKind.CREDIT_NOTE),
    ):
        assert reason(unpayable.refusal_to_pay()) == (
            "Payments are recorded on validated invoices only."
        )
    for settled in (
        invoice(InvoiceStatus.PAID, paid_cents=120_00),
        invoice(InvoiceStatus.PARTLY_PAID, paid_cents=20_00, credited_cents=100_00),
    ):
        assert reason(settled.refusal_to_pay()) == "Nothing is left to pay on this invoice."


def test_refunds_go_on_an_issued_credit_note_while_money_is_owed_back():
    def credit_note(status=InvoiceStatus.VALIDATED, **fields):
        return invoice(status, kind=InvoiceKind.CREDIT_NOTE, **fields)

    assert credit_note(refund_due_cents=30_00, refunded_cents=10_00).refusal_to_refund() is None
    assert reason(
        credit_note(refund_due_cents=30_00, refunded_cents=30_00).refusal_to_refund()
    ) == ("Nothing is owed back to the customer on this credit note.")
    for not_refundable in (
        credit_note(InvoiceStatus.DRAFT, refund_due_cents=30_00),
        invoice(InvoiceStatus.VALIDATED, refund_due_cents=30_00),
    ):
        assert reason(not_refundable.refusal_to_refund()) == (
            "Refunds are recorded on validated credit notes only."
        )


# --- Receipts --------------------------------------------------------------------------------


def receipt(status=ReceiptStatus.DRAFT, kind=ReceiptKind.RECEIPT, **fields):
    return Receipt(
        status=status, kind=kind, **{"file_key": "k", "paid_by": PaidBy.MEMBER, **fields}
    )


@pytest.mark.parametrize("status", list(ReceiptStatus))
def test_only_a_draft_or_a_rejected_receipt_changes(status):
    editable = status in (ReceiptStatus.DRAFT, ReceiptStatus.REJECTED)
    assert reason(receipt(status).refusal_to_change()) == (
        None if editable else "This receipt has been submitted: it can no longer be changed."
    )
    assert reason(receipt(status).refusal_to_delete()) == (
        None if status is ReceiptStatus.DRAFT else "Only a draft can be deleted."
    )
    assert reason(receipt(status).refusal_to_decide()) == (
        None if status is ReceiptStatus.SUBMITTED else "This receipt is not waiting for a decision."
    )


def test_a_mileage_claim_is_not_edited_and_a_receipt_is_submitted_with_its_photo():
    assert receipt().refusal_to_edit() is None
    assert reason(receipt(kind=ReceiptKind.MILEAGE).refusal_to_edit()) == (
        "A mileage claim cannot be edited: delete it and make another."
    )
    assert reason(receipt(ReceiptStatus.SUBMITTED, kind=ReceiptKind.MILEAGE).refusal_to_edit()) == (
        "This receipt has been submitted: it can no longer be changed."
    )
    assert receipt().refusal_to_submit() is None
    assert receipt(kind=ReceiptKind.MILEAGE, file_key=None).refusal_to_submit() is None
    assert reason(receipt(file_key=None).refusal_to_submit()) == (
        "Add a photo or a PDF of the receipt before submitting it."
    )
    assert reason(receipt(ReceiptStatus.APPROVED).refusal_to_submit()) == (
        "This receipt has been submitted: it can no longer be changed."
    )


def test_only_an_approved_receipt_paid_by_the_entrepreneur_is_reimbursed():
    assert receipt(ReceiptStatus.APPROVED).refusal_to_reimburse() is None
    for refused in (
        receipt(ReceiptStatus.APPROVED, paid_by=PaidBy.COOP),
        receipt(ReceiptStatus.SUBMITTED),
        receipt(ReceiptStatus.REIMBURSED),
    ):
        assert reason(refused.refusal_to_reimburse()) == (
            "Only an approved receipt paid by the entrepreneur is reimbursed."
        )


# --- Workshops -------------------------------------------------------------------------------


def workshop(starts_in=timedelta(days=7), **fields):
    starts_at = NOW + starts_in
    return Workshop(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), **fields)


MEMBER = Member(id=3, role=Role.ENTREPRENEUR, status=MemberStatus.SUPPORTED)
BOOKING = Booking(status=BookingStatus.CONFIRMED)


def test_booking_refused_for_a_cancelled_past_closed_or_reserved_workshop():
    assert workshop().booking_refusal(MEMBER, NOW) is None
    assert reason(workshop(cancelled_at=NOW).booking_refusal(MEMBER, NOW)) == (
        "This workshop is cancelled."
    )
    assert reason(workshop(timedelta(0)).booking_refusal(MEMBER, NOW)) == (
        "This workshop has already taken place."
    )
    closed = workshop(booking_deadline=NOW)
    assert reason(closed.booking_refusal(MEMBER, NOW)) == "Bookings for this workshop are closed."
    reserved = workshop(audience=[WorkshopAudience(status=MemberStatus.ASSOCIATE)])
    assert reason(reserved.booking_refusal(MEMBER, NOW)) == (
        "This workshop is reserved for: Entrepreneur-associate."
    )
    associate = Member(id=4, role=Role.ENTREPRENEUR, status=MemberStatus.ASSOCIATE)
    assert reserved.booking_refusal(associate, NOW) is None


def test_a_booking_is_given_up_until_the_workshop_starts():
    assert workshop().unbooking_refusal(BOOKING, NOW) is None
    assert reason(workshop(cancelled_at=NOW).unbooking_refusal(BOOKING, NOW)) == (
        "This workshop is cancelled."
    )
    assert reason(workshop().unbooking_refusal(None, NOW)) == (
        "You have no booking for this workshop."
    )
    assert reason(workshop(timedelta(0)).unbooking_refusal(BOOKING, NOW)) == (
        "This workshop has already started: it can no longer be cancelled."
    )


def test_staff_change_a_workshop_until_cancelled_and_cancel_it_until_it_starts():
    assert workshop().refusal_to_change() is None
    assert workshop(timedelta(days=-1)).refusal_to_change() is None
    assert reason(workshop(cancelled_at=NOW).refusal_to_change()) == (
        "This workshop is cancelled: it can no longer be changed."
    )
    assert workshop().refusal_to_cancel(NOW) is None
    assert reason(workshop(cancelled_at=NOW).refusal_to_cancel(NOW)) == (
        "This workshop is already cancelled."
    )
    assert reason(workshop(timedelta(0)).refusal_to_cancel(NOW)) == (
        "This workshop has already started: it can no longer be cancelled."
    )


def test_attendance_is_recorded_from_the_workshops_day_in_paris():
    assert workshop(timedelta(hours=4)).refusal_to_record_attendance(NOW) is None  # today
    # 23:30 UTC on the 26th is already the 27th in Paris: tomorrow.
    next_paris_day = workshop(timedelta(hours=13, minutes=30))
    assert reason(next_paris_day.refusal_to_record_attendance(NOW)) == (
        "Attendance can be recorded from the day of the workshop."
    )
    assert reason(workshop(timedelta(0), cancelled_at=NOW).refusal_to_record_attendance(NOW)) == (
        "This workshop is cancelled."
    )


# --- Meetings --------------------------------------------------------------------------------


def test_a_meeting_is_organised_and_answered_before_it_starts_noted_and_marked_after():
    before, after = Meeting(starts_at=NOW + timedelta(minutes=1)), Meeting(starts_at=NOW)
    started = {
        "refusal_to_change": "This meeting has started: it can no longer be changed.",
        "refusal_to_invite": "This meeting has started: invitations are closed.",
        "refusal_to_answer": "This meeting has started: answers are closed.",
        "refusal_to_remind": "This meeting has started: no more reminders.",
    }
    for predicate, refusal in started.items():
        assert getattr(before, predicate)(NOW) is None
        assert reason(getattr(after, predicate)(NOW)) == refusal
    not_started = {
        "refusal_to_publish_notes": "Notes can be published once the meeting has started.",
        "refusal_to_mark_attendance": "Attendance can be marked once the meeting has started.",
    }
    for predicate, refusal in not_started.items():
        assert getattr(after, predicate)(NOW) is None
        assert reason(getattr(before, predicate)(NOW)) == refusal
