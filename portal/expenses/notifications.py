"""What the expenses module tells members and the support team; its emails are in
templates/emails/expenses/."""

from sqlalchemy.orm import Session

from portal.expenses.models import Receipt
from portal.links import portal_path
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify, notify_staff


def _facts(receipt: Receipt) -> dict:
    return {
        # A mileage claim has no supplier: its category names it.
        "label": receipt.supplier or receipt.category.name,
        "amount_cents": receipt.amount_cents,
    }


def _link(receipt: Receipt) -> str:
    return portal_path("expenses.show", receipt_id=receipt.id)


def receipt_approved(session: Session, receipt: Receipt) -> None:
    notify(session, receipt.member, Kind.RECEIPT_APPROVED, _link(receipt), **_facts(receipt))


def receipt_refused(session: Session, receipt: Receipt) -> None:
    notify(
        session,
        receipt.member,
        Kind.RECEIPT_REFUSED,
        _link(receipt),
        reason=receipt.rejection_reason,
        **_facts(receipt),
    )


def receipt_reimbursed(session: Session, receipt: Receipt) -> None:
    notify(session, receipt.member, Kind.RECEIPT_REIMBURSED, _link(receipt), **_facts(receipt))


def receipt_submitted(session: Session, receipt: Receipt) -> None:
    """A new item in the support team's queue of receipts to check."""
    notify_staff(
        session,
        Kind.RECEIPT_SUBMITTED,
        _link(receipt),
        member=receipt.member.full_name,
        **_facts(receipt),
    )
