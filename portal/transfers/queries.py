"""What the transfer pages read: a member's transfers, the support team's list of those in
progress, and the members of the directory a transfer may go to."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from portal.directory.services import listed_members
from portal.transfers.models import InternalTransfer, TransferStatus

LIST_LIMIT = 200
CONTRACTOR_CHOICES = 50
# A coop's directory, the largest (about a thousand members), searched by name in Python.
DIRECTORY_MAX = 5000


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


def contractor_choices(session: Session, exclude_id: int, query: str = "") -> list:
    """Members of the directory (listed and active) other than `exclude_id`: those whose
    card matches `query` (activity, skills, area: the directory's full-text search) and
    those whose name holds it, by name; all of them when it is empty."""
    query = query.strip()
    found = listed_members(session, query, exclude_member_id=exclude_id, limit=CONTRACTOR_CHOICES)
    if query:
        # The directory's search reads the cards, not the names, which one knows first.
        words = query.casefold().split()
        everyone = listed_members(session, "", exclude_member_id=exclude_id, limit=DIRECTORY_MAX)
        named = [e for e in everyone if all(w in e.full_name.casefold() for w in words)]
        seen = {entry.member_id for entry in found}
        found += [entry for entry in named if entry.member_id not in seen]
    return sorted(found, key=lambda entry: (entry.full_name, entry.member_id))[:CONTRACTOR_CHOICES]
