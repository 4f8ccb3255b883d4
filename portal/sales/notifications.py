"""What the sales module tells members and the support team; its emails are in
templates/emails/sales/."""

from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.members.models import Member
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import (
    document_returned,
    document_submitted,
    document_validated,
    notify,
)
from portal.sales.models import Invoice, ReminderLevel


def _link(invoice: Invoice) -> str:
    return portal_path("sales.show", invoice_id=invoice.id)


def invoice_validated(session: Session, invoice: Invoice, by: Member) -> None:
    document_validated(session, Kind.INVOICE_VALIDATED, _link(invoice), invoice, by)


def invoice_returned(session: Session, invoice: Invoice) -> None:
    document_returned(session, Kind.INVOICE_RETURNED, _link(invoice), invoice)


def invoice_paid(session: Session, invoice: Invoice) -> None:
    notify(
        session,
        invoice.member,
        Kind.INVOICE_PAID,
        _link(invoice),
        number=invoice.number,
        customer=invoice.customer.name,
        amount_cents=invoice.total_incl_vat_cents,
    )


def credit_note_refunded(session: Session, credit_note: Invoice, cents: int) -> None:
    """The coop paid the customer back on the member's credit note: the debt is settled."""
    notify(
        session,
        credit_note.member,
        Kind.CREDIT_NOTE_REFUNDED,
        _link(credit_note),
        number=credit_note.number,
        customer=credit_note.customer.name,
        amount_cents=cents,
    )


def invoice_reminded(session: Session, invoice: Invoice, level: ReminderLevel) -> None:
    """An automatic reminder went to the customer in the entrepreneur's name."""
    notify(
        session,
        invoice.member,
        Kind.INVOICE_REMINDED,
        _link(invoice),
        number=invoice.number,
        customer=invoice.customer.name,
        firm=level is ReminderLevel.FIRM,
    )


def invoice_submitted(session: Session, invoice: Invoice) -> None:
    document_submitted(session, Kind.INVOICE_SUBMITTED, _link(invoice), invoice)
