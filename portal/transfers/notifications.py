"""What the transfers module tells the two members and the support team; its emails are in
templates/emails/transfers/."""

from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify, notify_all, notify_staff
from portal.transfers.models import InternalTransfer


def _link(transfer: InternalTransfer) -> str:
    return portal_path("transfers.show", transfer_id=transfer.id)


def transfer_issued(session: Session, transfer: InternalTransfer) -> None:
    """The contractor has a transfer to accept or refuse."""
    notify(
        session,
        transfer.contractor,
        Kind.TRANSFER_ISSUED,
        _link(transfer),
        member=transfer.subcontractor.full_name,
        amount_cents=transfer.amount_cents,
    )


def transfer_accepted(session: Session, transfer: InternalTransfer) -> None:
    """The subcontractor hears of the answer; the support team has one more to validate."""
    notify(
        session,
        transfer.subcontractor,
        Kind.TRANSFER_ACCEPTED,
        _link(transfer),
        member=transfer.contractor.full_name,
        amount_cents=transfer.amount_cents,
    )
    notify_staff(
        session,
        Kind.TRANSFER_TO_VALIDATE,
        _link(transfer),
        member=transfer.subcontractor.full_name,
        contractor=transfer.contractor.full_name,
        amount_cents=transfer.amount_cents,
    )


def transfer_refused(session: Session, transfer: InternalTransfer) -> None:
    notify(
        session,
        transfer.subcontractor,
        Kind.TRANSFER_REFUSED,
        _link(transfer),
        member=transfer.contractor.full_name,
        reason=transfer.refusal_reason,
        amount_cents=transfer.amount_cents,
    )


def transfer_validated(session: Session, transfer: InternalTransfer) -> None:
    """Both members: the amount is now in one's revenue and the other's expenses."""
    notify_all(
        session,
        [transfer.subcontractor, transfer.contractor],
        Kind.TRANSFER_VALIDATED,
        _link(transfer),
        number=transfer.number,
        amount_cents=transfer.amount_cents,
        subcontractor=transfer.subcontractor.full_name,
        contractor=transfer.contractor.full_name,
    )
