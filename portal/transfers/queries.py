"""What the transfer pages read: a member's transfers, the support team's list of those in
progress and its yearly export of those validated, and the members of the directory a
transfer may go to."""

from collections.abc import Iterator
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from portal.directory.services import listed_members
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import from_cents
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


EXPORT_HEADER = (
    _l("Number"),
    _l("Validated on"),
    _l("Subcontractor"),
    _l("Contractor"),
    _l("Reverses"),
    _l("Amount"),
)


def validated_export_rows(session: Session, year: int) -> Iterator[tuple]:
    """The transfers validated in `year` (by their validation date), in number order, as
    rows of `EXPORT_HEADER`: for the coop's books, where each is revenue for one member's
    activity and an expense for the other's; a reversal is negative and names the original."""
    subcontractor, contractor = aliased(Member), aliased(Member)
    original = aliased(InternalTransfer)
    rows = session.execute(
        select(
            InternalTransfer.number,
            InternalTransfer.validated_on,
            subcontractor.full_name,
            contractor.full_name,
            original.number,
            InternalTransfer.amount_cents,
        )
        .join(subcontractor, subcontractor.id == InternalTransfer.subcontractor_id)
        .join(contractor, contractor.id == InternalTransfer.contractor_id)
        .outerjoin(original, original.id == InternalTransfer.reverses_id)
        .where(
            InternalTransfer.status == TransferStatus.VALIDATED,
            InternalTransfer.validated_on >= date(year, 1, 1),
            InternalTransfer.validated_on < date(year + 1, 1, 1),
        )
        .order_by(InternalTransfer.number_year, InternalTransfer.number_sequence)
        .execution_options(yield_per=500)
    )
    for number, validated_on, by, to, reverses, amount_cents in rows:
        yield number, validated_on, by, to, reverses, from_cents(amount_cents)


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
