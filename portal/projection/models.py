from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.expenses.models import Receipt
from portal.members.models import Member
from portal.sales.models import Invoice


class Payslip(Base):
    """A salary actually paid, as the back office's payroll computed it (one per month).

    Its employer cost leaves the entrepreneur's margin on `paid_on`."""

    __tablename__ = "payslips"
    __table_args__ = (
        UniqueConstraint("member_id", "period"),
        CheckConstraint("period LIKE '____-__'", name="period_format"),
        CheckConstraint(
            "gross_cents >= 0 AND net_cents >= 0 AND net_cents <= gross_cents"
            " AND employer_cost_cents >= gross_cents",
            name="amounts_consistent",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(7))  # "2026-10"
    gross_cents: Mapped[int] = mapped_column(Integer)
    net_cents: Mapped[int] = mapped_column(Integer)
    employer_cost_cents: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship()


class BalanceSnapshot(Base):
    """The authoritative margin of an entrepreneur at the end of `date`, from the back office.

    It includes every movement dated on or before that date; the projection adds only later
    movements. The latest date wins; a second snapshot for the same date replaces the first."""

    __tablename__ = "balance_snapshots"
    __table_args__ = (UniqueConstraint("member_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    # The contribution base of the date's calendar year up to that date (invoiced or
    # collected, as the coop's scheme counts it), when the back office sends it: the bands
    # of the rest of the year start from it.
    year_to_date_base_cents: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship()


class MonthTotals(Base):
    """A member's movements of one month, summed as the projection reads them (invoices less
    credit notes, payments, approved receipts, payslips), so that a page reads a few dozen
    rows instead of summing five years of history. Kept true by the transaction of every write
    that moves them: see portal/projection/running_totals.py."""

    __tablename__ = "member_month_totals"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-10"
    # Credit notes of the month whose invoices are of an earlier calendar year, by that year
    # (they give back its contribution); 0 for every other movement of the month.
    earlier_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The amounts of figures.MonthFlows, in cents.
    invoiced_cents: Mapped[int] = mapped_column(BigInteger)
    collected_cents: Mapped[int] = mapped_column(BigInteger)
    vat_invoiced_cents: Mapped[int] = mapped_column(BigInteger)
    expenses_cents: Mapped[int] = mapped_column(BigInteger)
    vat_recoverable_cents: Mapped[int] = mapped_column(BigInteger)
    salary_cost_cents: Mapped[int] = mapped_column(BigInteger)


# The projection sums a member's whole history on every request when the back office has sent
# no balance yet (3,000 invoices and 10,000 receipts after five busy years). These indexes hold
# every column its aggregates read, so the database answers from the index alone instead of
# visiting each row of the tables: member and date first for the date ranges, then the columns
# the filters and sums use. They belong to the projection, hence declared here.
Index(
    "ix_invoices_projection",
    Invoice.member_id,
    Invoice.issue_date,
    Invoice.status,
    Invoice.kind,
    Invoice.total_excl_vat_cents,
    Invoice.vat_cents,
    Invoice.total_incl_vat_cents,
    Invoice.paid_cents,
    Invoice.credited_cents,
    Invoice.activity_id,
    Invoice.refund_due_cents,
    Invoice.credited_invoice_id,
)
Index(
    "ix_receipts_projection",
    Receipt.member_id,
    Receipt.spent_on,
    Receipt.status,
    Receipt.amount_cents,
    Receipt.vat_recoverable_cents,
    Receipt.activity_id,
)
# The outstanding invoices, summed on every home page: an invoice paid in full (or credited)
# is PAID, so the index reads a member's unsettled ones alone, not their whole history.
Index(
    "ix_invoices_outstanding",
    Invoice.member_id,
    Invoice.status,
    Invoice.kind,
    Invoice.total_incl_vat_cents,
    Invoice.paid_cents,
    Invoice.credited_cents,
    Invoice.total_excl_vat_cents,
)
