"""Internal transfers in the sync API, for the accountant's analytic entries: the feed's
`internal_transfer` entity and `GET /api/v1/internal-transfers/{id}`. Amounts excl. VAT,
negative on a reversal, which names the transfer it cancels (and the original its
reversal)."""

from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portal.api.serializers import iso, money, one_or_404, register_batch, row_ids
from portal.db import db
from portal.members.models import Member
from portal.transfers.models import (
    MENTION,
    InternalTransfer,
    InternalTransferLine,
    TransferStatus,
)

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("transfers", __name__)

SUBCONTRACTOR = aliased(Member, name="subcontractor")
CONTRACTOR = aliased(Member, name="contractor")
REVERSAL = aliased(InternalTransfer, name="reversal")


@register_batch("internal_transfer")
def transfers_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    """Transfers with both members, their lines and the reversal link, in three queries
    however many."""
    ids = sorted(row_ids(entity_ids))
    rows = session.execute(
        select(InternalTransfer, SUBCONTRACTOR.email, CONTRACTOR.email)
        .join(SUBCONTRACTOR, SUBCONTRACTOR.id == InternalTransfer.subcontractor_id)
        .join(CONTRACTOR, CONTRACTOR.id == InternalTransfer.contractor_id)
        .where(InternalTransfer.id.in_(ids))
    ).all()
    lines: dict[int, list[dict]] = {}
    for line in session.scalars(
        select(InternalTransferLine)
        .where(InternalTransferLine.transfer_id.in_(ids))
        .order_by(InternalTransferLine.transfer_id, InternalTransferLine.position)
    ):
        lines.setdefault(line.transfer_id, []).append(
            {
                "position": line.position,
                "description": line.description,
                "total_excl_vat": money(cents=line.amount_cents),
            }
        )
    # The reversal that cancels each (a refused one does not).
    reversed_by = dict(
        session.execute(
            select(REVERSAL.reverses_id, REVERSAL.id).where(
                REVERSAL.reverses_id.in_(ids), REVERSAL.status != TransferStatus.REFUSED
            )
        ).all()
    )
    found = {}
    for transfer, subcontractor_email, contractor_email in rows:
        found[str(transfer.id)] = {
            "id": transfer.id,
            "number": transfer.number,
            "status": transfer.status.value,
            "mention": MENTION,
            "subcontractor": {"id": transfer.subcontractor_id, "email": subcontractor_email},
            "contractor": {"id": transfer.contractor_id, "email": contractor_email},
            "issue_date": iso(transfer.issue_date),
            "date": iso(transfer.validated_on),
            "total_excl_vat": money(cents=transfer.amount_cents),
            "lines": lines.get(transfer.id, []),
            "reverses_id": transfer.reverses_id,
            "reversed_by_id": reversed_by.get(transfer.id),
            "refusal_reason": transfer.refusal_reason or None,
            "created_at": iso(transfer.created_at),
            "accepted_at": iso(transfer.accepted_at),
            "validated_at": iso(transfer.validated_at),
        }
    return found


@bp.get("/internal-transfers/<transfer_id>")
def internal_transfer(transfer_id: str):
    return one_or_404(db.session, transfers_data, transfer_id, "internal transfer")
