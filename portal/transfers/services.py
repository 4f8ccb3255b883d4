"""The internal transfer workflow: the subcontractor issues it to the contractor, who
accepts or refuses it; the support team validates it, which numbers it and moves its amount
into both members' projections in the same transaction. A validated transfer is cancelled
only by a reversing one, negative, through the same steps."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.coop.services import get_coop_settings
from portal.directory.services import listed_member
from portal.errors import DomainError, Refusal, refuse
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import from_cents, to_cents
from portal.sales.numbering import take_next_number
from portal.sync.services import record_change
from portal.transfers import notifications
from portal.transfers.models import InternalTransfer, InternalTransferLine, TransferStatus

# Its own yearly series in the legal counters (portal/sales/numbering.py).
SERIES = "internal_transfer"
NUMBER_PATTERN = "TI{year}-{number:05}"
MAX_LINES = 20
ENTITY = "internal_transfer"


@dataclass(frozen=True)
class TransferLineInput:
    description: str
    amount: Decimal  # excl. VAT


@dataclass(frozen=True)
class TransferInput:
    contractor: Member | None
    lines: list[TransferLineInput]


def refusal_of_contractor(
    session: Session, subcontractor: Member, contractor: Member | None
) -> Refusal:
    """Whom a transfer may go to: another entrepreneur of the coop, still active, picked
    from the directory (a member who chose not to appear there is not offered)."""
    if contractor is None or not contractor.is_entrepreneur:
        return _l("Choose the entrepreneur you worked for.")
    if contractor.id == subcontractor.id:
        return _l("A transfer goes to another entrepreneur, not to yourself.")
    if not contractor.active:
        return _l("%(name)s has left the coop: no transfer can be sent to them.",
                  name=contractor.full_name)  # fmt: skip
    if listed_member(session, contractor.id) is None:
        return _l("Choose the entrepreneur you worked for.")
    return None


def _checked_lines(lines: list[TransferLineInput], limit_cents: int) -> list[tuple[str, int]]:
    kept = [line for line in lines if line.description.strip() or line.amount is not None]
    if not kept:
        raise DomainError(_l("A transfer needs at least one line with an amount."), field="lines")
    if len(kept) > MAX_LINES:
        raise DomainError(_l("A transfer has at most %(count)d lines.", count=MAX_LINES))
    checked = []
    for line in kept:
        description = line.description.strip()
        if not description:
            raise DomainError(_l("Say what each line is for."), field="lines")
        if line.amount is None or line.amount <= 0 or to_cents(line.amount) <= 0:
            raise DomainError(_l("Each line needs an amount above zero."), field="lines")
        if to_cents(line.amount) > limit_cents:
            raise DomainError(_too_large(limit_cents), field="lines")
        checked.append((description[:500], to_cents(line.amount)))
    if sum(cents for _description, cents in checked) > limit_cents:
        raise DomainError(_too_large(limit_cents), field="lines")
    return checked


def _too_large(limit_cents: int):
    return _l(
        "A transfer is at most %(limit)s excl. VAT (the coop's limit): ask the support team.",
        limit=money_text(limit_cents, cents=True),
    )


def issue_transfer(
    session: Session,
    subcontractor: Member,
    data: TransferInput,
    today: date,
    form_token: str | None = None,
) -> tuple[InternalTransfer, bool]:
    """The subcontractor charges the contractor for work done for them: excl. VAT (one
    legal entity, no VAT), within the coop's limit, to another active entrepreneur. The
    form's one-time token makes a double submit return the first transfer: `(transfer,
    created)`."""
    if not subcontractor.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs issue internal transfers."))
    if form_token:
        existing = session.scalar(
            select(InternalTransfer).where(
                InternalTransfer.subcontractor_id == subcontractor.id,
                InternalTransfer.form_token == form_token,
            )
        )
        if existing is not None:
            return existing, False
    if refusal := refusal_of_contractor(session, subcontractor, data.contractor):
        raise DomainError(refusal, field="contractor_id")
    lines = _checked_lines(data.lines, get_coop_settings(session).transfer_limit_cents)
    transfer = InternalTransfer(
        subcontractor=subcontractor,
        contractor=data.contractor,
        issue_date=today,
        amount_cents=sum(cents for _description, cents in lines),
        form_token=form_token or None,
        lines=[
            InternalTransferLine(position=position, description=description, amount_cents=cents)
            for position, (description, cents) in enumerate(lines, 1)
        ],
    )
    session.add(transfer)
    session.flush()
    record_change(session, ENTITY, transfer.id)
    notifications.transfer_issued(session, transfer)
    return transfer, True


def reverse_transfer(
    session: Session,
    original: InternalTransfer,
    by: Member,
    today: date,
    form_token: str | None = None,
) -> InternalTransfer:
    """Cancel a validated transfer: its subcontractor issues the same lines negative, to
    the same contractor, who accepts it before the support team validates it."""
    session.refresh(original, with_for_update=True)
    if form_token:
        existing = session.scalar(
            select(InternalTransfer).where(
                InternalTransfer.subcontractor_id == by.id,
                InternalTransfer.form_token == form_token,
            )
        )
        if existing is not None:
            return existing
    refuse(original.refusal_to_reverse(by))
    reversal = InternalTransfer(
        subcontractor_id=original.subcontractor_id,
        contractor_id=original.contractor_id,
        reverses=original,
        issue_date=today,
        amount_cents=-original.amount_cents,
        form_token=form_token or None,
        lines=[
            InternalTransferLine(
                position=line.position,
                description=line.description,
                amount_cents=-line.amount_cents,
            )
            for line in original.lines
        ],
    )
    session.add(reversal)
    session.flush()
    record_change(session, ENTITY, reversal.id)
    record_change(session, ENTITY, original.id)  # its reversal link
    notifications.transfer_issued(session, reversal)
    return reversal


def accept_transfer(
    session: Session, transfer: InternalTransfer, by: Member, now: datetime
) -> InternalTransfer:
    """The contractor agrees: the transfer goes to the support team's queue."""
    session.refresh(transfer, with_for_update=True)
    refuse(transfer.refusal_to_answer(by))
    transfer.status = TransferStatus.ACCEPTED
    transfer.accepted_at = now
    session.flush()
    record_change(session, ENTITY, transfer.id)
    notifications.transfer_accepted(session, transfer)
    return transfer


def refuse_transfer(
    session: Session, transfer: InternalTransfer, by: Member, reason: str, now: datetime
) -> InternalTransfer:
    """The contractor disagrees and says why; the subcontractor may issue a new one."""
    session.refresh(transfer, with_for_update=True)
    refuse(transfer.refusal_to_answer(by))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why you refuse this transfer."), field="reason")
    transfer.status = TransferStatus.REFUSED
    transfer.refusal_reason = reason[:2000]
    transfer.refused_at = now
    session.flush()
    record_change(session, ENTITY, transfer.id)
    notifications.transfer_refused(session, transfer)
    return transfer


def validate_transfer(
    session: Session, transfer: InternalTransfer, by: Member, today: date, now: datetime
) -> InternalTransfer:
    """Staff validate an accepted transfer: it takes the next number of its own yearly
    series and is dated today, the day both projections count it (the subcontractor's
    revenue, the contractor's expenses), all in this transaction."""
    # Lock the row first: two staff clicking at once must not number it twice.
    session.refresh(transfer, with_for_update=True)
    refuse(transfer.refusal_to_validate(by))
    sequence = take_next_number(session, SERIES, today.year)
    transfer.number_year, transfer.number_sequence = today.year, sequence
    transfer.number = NUMBER_PATTERN.format(year=today.year, number=sequence)
    transfer.status = TransferStatus.VALIDATED
    transfer.validated_on = today
    transfer.validated_at = now
    transfer.validated_by_id = by.id
    session.flush()
    record_change(session, ENTITY, transfer.id)
    if transfer.reverses_id is not None:
        record_change(session, ENTITY, transfer.reverses_id)  # now cancelled
    record(
        session,
        "transfer_validated",
        actor=by,
        subject=transfer.subcontractor,
        target=f"transfer {transfer.number}",
        detail=f"{from_cents(transfer.amount_cents):.2f} EUR to {transfer.contractor.email}",
    )
    notifications.transfer_validated(session, transfer)
    return transfer
