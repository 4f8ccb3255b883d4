"""The latest items of a member's home page: invoices, receipts and payslips in one query."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, bindparam, cast, func, literal, literal_column, select, union_all
from sqlalchemy.orm import Session

from portal.expenses.models import Receipt, ReceiptStatus
from portal.projection.models import Payslip
from portal.sales.models import Customer, Invoice, InvoiceStatus


@dataclass(frozen=True)
class LatestItem:
    kind: str  # "payslip", "invoice", "credit_note", "receipt"
    id: int
    on: date
    label: str
    amount_cents: int
    status: str | None = None

    @property
    def status_label(self) -> str:
        if self.kind == "receipt":
            return ReceiptStatus(self.status).label
        if self.status:
            return InvoiceStatus(self.status).label
        return ""


LATEST_MEMBER = bindparam("member_id")
LATEST_ITEMS = (
    union_all(
        select(
            cast(Invoice.kind, String).label("kind"),
            Invoice.id.label("id"),
            Invoice.issue_date.label("day"),
            func.coalesce(Invoice.number, Customer.name).label("label"),
            Invoice.total_incl_vat_cents.label("amount_cents"),
            cast(Invoice.status, String).label("status"),
            Invoice.created_at.label("at"),
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.member_id == LATEST_MEMBER),
        select(
            literal("receipt", String),
            Receipt.id,
            Receipt.spent_on,
            Receipt.supplier,
            Receipt.amount_cents,
            cast(Receipt.status, String),
            Receipt.created_at,
        ).where(Receipt.member_id == LATEST_MEMBER),
        select(
            literal("payslip", String),
            Payslip.id,
            Payslip.paid_on,
            Payslip.period,
            Payslip.net_cents,
            literal(None, String),
            Payslip.recorded_at,
        ).where(Payslip.member_id == LATEST_MEMBER),
    )
    .order_by(literal_column("day").desc(), literal_column("at").desc())
    .limit(bindparam("limit"))
)


def latest_items(session: Session, member_id: int, limit: int = 3) -> list[LatestItem]:
    """The member's latest invoices (drafts included), receipts and payslips, by their date,
    newest first, in one query."""
    rows = session.execute(LATEST_ITEMS, {"member_id": member_id, "limit": limit}).mappings()
    return [
        LatestItem(
            kind=str(row["kind"]),
            id=row["id"],
            on=row["day"],
            label=row["label"] or "",
            amount_cents=row["amount_cents"],
            status=row["status"],
        )
        for row in rows
    ]
