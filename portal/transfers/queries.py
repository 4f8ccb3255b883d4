"""What the transfer pages read: a member's transfers, the support team's list of those in
progress, and the entrepreneurs a transfer may go to."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.members.models import Member, Role
from portal.transfers.models import InternalTransfer, TransferStatus

LIST_LIMIT = 200
CONTRACTOR_CHOICES = 50


def transfers_of(session: Session, member_id: int) -> list[InternalTransfer]:
    """The member's transfers, issued and received, newest first."""
    return list(
        session.scalars(
            select(InternalTransfer)
            .where(
                or_(
                    InternalTransfer.subcontractor_id == member_id,
                    InternalTransfer.contractor_id == member_id,
                )
            )
            .options(
                selectinload(InternalTransfer.subcontractor),
                selectinload(InternalTransfer.contractor),
            )
            .order_by(InternalTransfer.id.desc())
            .limit(LIST_LIMIT)
        )
    )


def transfers_in_progress(session: Session) -> list[InternalTransfer]:
    """Awaiting the contractor or the support team, those to validate first, oldest first."""
    return list(
        session.scalars(
            select(InternalTransfer)
            .where(InternalTransfer.status.in_([TransferStatus.ACCEPTED, TransferStatus.ISSUED]))
            .options(
                selectinload(InternalTransfer.subcontractor),
                selectinload(InternalTransfer.contractor),
                selectinload(InternalTransfer.lines),
            )
            .order_by(InternalTransfer.status, InternalTransfer.id)
            .limit(LIST_LIMIT)
        )
    )


def contractor_choices(session: Session, exclude_id: int, query: str = "") -> list[Member]:
    """Active entrepreneurs other than `exclude_id`, by name, matching `query` in their name
    or email (until the directory's search replaces it)."""
    statement = select(Member).where(
        Member.role == Role.ENTREPRENEUR, Member.active.is_(True), Member.id != exclude_id
    )
    query = query.strip()
    if query:
        pattern = "%" + query.replace("\\", "").replace("%", "").replace("_", "").lower() + "%"
        statement = statement.where(
            func.lower(Member.full_name).like(pattern) | func.lower(Member.email).like(pattern)
        )
    return list(session.scalars(statement.order_by(Member.full_name).limit(CONTRACTOR_CHOICES)))
