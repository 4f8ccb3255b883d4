import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.members.models import Activity, Member

if TYPE_CHECKING:
    from portal.sales.models import Customer


class ReceiptKind(enum.StrEnum):
    RECEIPT = "receipt"  # a supplier's receipt or invoice, with its photo or PDF
    MILEAGE = "mileage"  # business kilometres in a personal vehicle, no receipt


class ReceiptStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    APPROVED = "approved", _l("Approved")
    REJECTED = "rejected", _l("Rejected")
    REIMBURSED = "reimbursed", _l("Reimbursed")


class PaidBy(LabelledEnum):
    # paid by the entrepreneur: the coop owes a reimbursement
    MEMBER = "member", _l("Me (to reimburse)")
    COOP = "coop", _l("The coop")  # paid with the coop's card or by transfer


class ExpenseCategory(Base):
    """A kind of expense with the share of its VAT the coop may recover by default (0 for
    accommodation, 0.8 for car fuel...). The coop's accountant edits the list."""

    __tablename__ = "expense_categories"
    __table_args__ = (
        CheckConstraint(
            "vat_recovery_rate >= 0 AND vat_recovery_rate <= 1", name="vat_recovery_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    vat_recovery_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal(1))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The category mileage claims are filed under (no VAT at all).
    for_mileage: Mapped[bool] = mapped_column(Boolean, default=False)


class Receipt(Base):
    """One expense: a receipt with its photo, or a mileage claim. Amounts in cents."""

    __tablename__ = "receipts"
    __table_args__ = (
        # A retried upload carries the same key: it finds the first receipt, never a second.
        UniqueConstraint("member_id", "idempotency_key"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("vat_cents >= 0 AND vat_cents <= amount_cents", name="vat_within_amount"),
        CheckConstraint(
            "vat_recoverable_cents >= 0 AND vat_recoverable_cents <= vat_cents",
            name="recoverable_within_vat",
        ),
        CheckConstraint(
            "kind = 'receipt' OR (distance_km > 0 AND fiscal_horsepower > 0 AND vat_cents = 0)",
            name="mileage_complete",
        ),
        CheckConstraint(
            "status <> 'rejected' OR rejection_reason <> ''", name="rejection_has_reason"
        ),
        Index("ix_receipts_member_spent_on", "member_id", "spent_on"),
        Index("ix_receipts_status_submitted_at", "status", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[ReceiptKind] = mapped_column(str_enum(ReceiptKind, "receipt_kind"))
    status: Mapped[ReceiptStatus] = mapped_column(
        str_enum(ReceiptStatus, "receipt_status"), default=ReceiptStatus.DRAFT
    )
    spent_on: Mapped[date] = mapped_column(Date)
    supplier: Mapped[str] = mapped_column(String(200), default="")
    amount_cents: Mapped[int] = mapped_column(Integer)  # incl. VAT
    vat_cents: Mapped[int] = mapped_column(Integer, default=0)  # sum of the per-rate amounts
    vat_recoverable_cents: Mapped[int] = mapped_column(Integer, default=0)
    category_id: Mapped[int] = mapped_column(ForeignKey("expense_categories.id"))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    paid_by: Mapped[PaidBy] = mapped_column(str_enum(PaidBy, "paid_by"), default=PaidBy.MEMBER)
    # Optional: the customer the expense was for (one of the same entrepreneur's customers,
    # checked by the service). Customers are not deleted in the portal; if one ever goes
    # (its member's account removed), the receipt is kept for the accounts, unlinked.
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")

    file_key: Mapped[str | None] = mapped_column(String(200))
    file_content_type: Mapped[str | None] = mapped_column(String(40))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))

    distance_km: Mapped[Decimal | None] = mapped_column(Numeric(8, 1))
    fiscal_horsepower: Mapped[int | None] = mapped_column(Integer)
    electric: Mapped[bool] = mapped_column(Boolean, default=False)

    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    reimbursed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    category: Mapped[ExpenseCategory] = relationship()
    activity: Mapped[Activity | None] = relationship()
    customer: Mapped["Customer | None"] = relationship()
    vat_lines: Mapped[list["ReceiptVat"]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan", order_by="ReceiptVat.rate.desc()"
    )

    @property
    def excl_vat_cents(self) -> int:
        return self.amount_cents - self.vat_cents

    @property
    def is_editable(self) -> bool:
        """Only the entrepreneur's own drafts and rejected receipts change; once submitted the
        team checks what it sees, and an approved receipt is final."""
        return self.status in (ReceiptStatus.DRAFT, ReceiptStatus.REJECTED)

    @property
    def to_reimburse(self) -> bool:
        return self.status is ReceiptStatus.APPROVED and self.paid_by is PaidBy.MEMBER

    # What may be done with it: each predicate gives the reason for a refusal (None: allowed).
    # The services raise it, the pages read it.

    def refusal_to_change(self) -> Refusal:
        if not self.is_editable:
            return _l("This receipt has been submitted: it can no longer be changed.")
        return None

    def refusal_to_edit(self) -> Refusal:
        """Its form edits a receipt; a mileage claim is deleted and made again."""
        if self.kind is not ReceiptKind.RECEIPT:
            return self.refusal_to_change() or _l(
                "A mileage claim cannot be edited: delete it and make another."
            )
        return self.refusal_to_change()

    def refusal_to_delete(self) -> Refusal:
        if self.status is not ReceiptStatus.DRAFT:
            return _l("Only a draft can be deleted.")
        return None

    def refusal_to_submit(self) -> Refusal:
        """A receipt goes to the team with its photo or PDF; a mileage claim has none."""
        if self.kind is ReceiptKind.RECEIPT and not self.file_key:
            return self.refusal_to_change() or _l(
                "Add a photo or a PDF of the receipt before submitting it."
            )
        return self.refusal_to_change()

    def refusal_to_decide(self) -> Refusal:
        """The support team approves or rejects a submitted receipt."""
        if self.status is not ReceiptStatus.SUBMITTED:
            return _l("This receipt is not waiting for a decision.")
        return None

    def refusal_to_reimburse(self) -> Refusal:
        if not self.to_reimburse:
            return _l("Only an approved receipt paid by the entrepreneur is reimbursed.")
        return None


class ReceiptVat(Base):
    """The VAT of one rate on a receipt: a restaurant bill can mix 10 % and 20 %."""

    __tablename__ = "receipt_vat"
    __table_args__ = (
        UniqueConstraint("receipt_id", "rate"),
        CheckConstraint("vat_cents >= 0", name="vat_positive"),
        CheckConstraint("rate > 0 AND rate < 1", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(
        ForeignKey("receipts.id", ondelete="CASCADE"), index=True
    )
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    vat_cents: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[Receipt] = relationship(back_populates="vat_lines")


# Once approved, only the reimbursement may still be recorded on a receipt.
_CHANGEABLE_AFTER_APPROVAL = frozenset({"status", "reimbursed_at"})


@event.listens_for(Session, "before_flush")
def _approved_receipts_are_immutable(session: Session, _context, _instances) -> None:
    for receipt in session.dirty:
        if not isinstance(receipt, Receipt):
            continue
        status = inspect(receipt).attrs.status.history
        before = status.deleted[0] if status.deleted else receipt.status
        if before not in (ReceiptStatus.APPROVED, ReceiptStatus.REIMBURSED):
            continue
        changed = {
            attribute.key for attribute in inspect(receipt).attrs if attribute.history.has_changes()
        }
        if changed - _CHANGEABLE_AFTER_APPROVAL or receipt.status not in (
            ReceiptStatus.APPROVED,
            ReceiptStatus.REIMBURSED,
        ):
            raise ValueError(f"receipt {receipt.id} is approved and cannot change: {changed}")
