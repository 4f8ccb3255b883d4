"""The invoice page offers an action exactly when the invoice's predicate allows it: the
template reads `refusal_to_*`, it does not decide again."""

from decimal import Decimal

from portal.dates import paris_today
from portal.db import utcnow
from portal.sales.services import (
    create_credit_note,
    mark_sent,
    record_payment,
    submit_invoice,
    validate_invoice,
)
from tests.helpers import login

# Each button of the page, and the predicate that decides it, for whoever looks.
OWNER_ACTIONS = {
    "Edit": lambda invoice, by: invoice.refusal_to_change(),
    "Submit for validation": lambda invoice, by: invoice.refusal_to_change(),
    "Delete the draft": lambda invoice, by: invoice.refusal_to_delete(),
    "Mark as sent to the customer": lambda invoice, by: invoice.refusal_to_send(),
    "Issue a credit note": lambda invoice, by: invoice.refusal_to_credit(),
}
STAFF_ACTIONS = {
    "Validate and number": lambda invoice, by: invoice.refusal_to_validate(by),
    "Return with this comment": lambda invoice, by: invoice.refusal_to_return(by),
    "Record the payment": lambda invoice, by: invoice.refusal_to_pay(),
    "Record the refund": lambda invoice, by: invoice.refusal_to_refund(),
}


def offered(client, invoice, actions, by) -> dict[str, tuple[bool, bool]]:
    """Per button: (shown on the page, allowed by the predicate)."""
    page = client.get(f"/invoices/{invoice.id}").text
    return {
        label: (label in page, allows(invoice, by) is None) for label, allows in actions.items()
    }


def test_the_invoice_page_offers_each_action_its_predicate_allows(
    client, db_session, entrepreneur, staff, make_invoice, coop
):
    draft = make_invoice()
    submitted = make_invoice()
    submit_invoice(db_session, submitted, utcnow())
    validated = make_invoice()
    submit_invoice(db_session, validated, utcnow())
    validate_invoice(db_session, validated, staff, paris_today(), utcnow())
    paid = make_invoice()
    submit_invoice(db_session, paid, utcnow())
    validate_invoice(db_session, paid, staff, paris_today(), utcnow())
    mark_sent(db_session, paid, utcnow())
    record_payment(db_session, paid, Decimal("1200"), paris_today(), staff)
    credit = create_credit_note(db_session, paid, paris_today())
    submit_invoice(db_session, credit, utcnow())
    validate_invoice(db_session, credit, staff, paris_today(), utcnow())  # money owed back
    db_session.commit()
    invoices = (draft, submitted, validated, paid, credit)

    seen = {}
    for viewer, actions in ((entrepreneur, OWNER_ACTIONS), (staff, STAFF_ACTIONS)):
        login(client, viewer.email)
        client.post("/language", data={"locale": "en"})
        for invoice in invoices:
            for label, (shown, allowed) in offered(client, invoice, actions, viewer).items():
                assert shown == allowed, (label, invoice.status, invoice.kind)
                seen.setdefault(label, set()).add(allowed)
        client.post("/logout")
    # Every button was both offered and withheld somewhere: the states above cover each rule.
    assert all(both == {True, False} for both in seen.values()), seen
