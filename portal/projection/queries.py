"""The projection's aggregates: statements built once, at import, one query per source of
movements whatever the history, and the functions that run them for a list of members."""

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, String, and_, bindparam, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.functions import FunctionElement

from portal.expenses.models import Receipt, ReceiptStatus
from portal.members.models import Member
from portal.money import from_cents
from portal.projection import figures
from portal.projection.models import BalanceSnapshot, Payslip
from portal.sales.models import ISSUED_STATUSES, Invoice, InvoiceKind, InvoiceStatus, Payment
from portal.transfers.models import InternalTransfer, TransferStatus

# Statements are built once, at import: building them costs more than running them on a
# long history. Each takes the list of member ids as the expanding parameter `member_ids`.
MEMBER_IDS = bindparam("member_ids", expanding=True)


def _latest_snapshots():
    latest = (
        select(BalanceSnapshot.member_id, func.max(BalanceSnapshot.date).label("date"))
        .where(BalanceSnapshot.member_id.in_(MEMBER_IDS))
        .group_by(BalanceSnapshot.member_id)
        .subquery("latest")
    )
    return (
        select(
            BalanceSnapshot.member_id,
            BalanceSnapshot.date,
            BalanceSnapshot.amount_cents,
            BalanceSnapshot.year_to_date_base_cents,
        )
        .join(
            latest,
            and_(
                BalanceSnapshot.member_id == latest.c.member_id,
                BalanceSnapshot.date == latest.c.date,
            ),
        )
        .subquery("opening")
    )


OPENINGS = select(_latest_snapshots())


class month_of(FunctionElement):
    """The "YYYY-MM" of a date, the cheapest way each database has: grouping a long history
    by month costs a string slice per row on SQLite instead of two date conversions."""

    type = String()
    inherit_cache = True


@compiles(month_of)
def _month_of(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    # SQLite keeps dates as ISO "YYYY-MM-DD" text.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


# The amounts of figures.MonthFlows, in the order of its fields (after month and side).
FLOW_FIELDS = tuple(field.name for field in fields(figures.MonthFlows))[2:]
SINCE, UNTIL = bindparam("since"), bindparam("until")
MEMBER_ID = bindparam("member_id")


@dataclass(frozen=True)
class FlowSource:
    """One source of movements summed per month, as two statements: for any members, with
    the side of their balance snapshot, of movements dated from `since` to `until`; and for
    one member, `member_id`, over the same dates, grouped by month alone, which keeps the
    running totals (running_totals.py). `amounts` are the MonthFlows fields its sums go to,
    by their position in FLOW_FIELDS. `by_base_year`: each row has, after the side (or the
    month), the earlier calendar year whose contribution base its sums belong to, or NULL
    for their own month's year."""

    for_members: Select
    for_one_between: Select
    amounts: tuple[int, ...]
    by_base_year: bool = False


def monthly_sums(
    member_column, date_column, sums: dict, where=(), joins=(), base_year=None
) -> FlowSource:
    """SELECT member, "YYYY-MM", after-the-opening flag, SUM(...) per group, for the
    members in `member_ids`; or SELECT "YYYY-MM", SUM(...) for the one member `member_id`;
    of movements dated from `since` to `until`. `joins` are (target, condition, outer)
    triples; `base_year`, an expression grouped on too.

    A movement dated on or before its member's latest balance snapshot is already in that
    balance: the flag tells the computation to keep it for history only."""
    snapshots = _latest_snapshots()
    after = case(
        (snapshots.c.date.is_(None), 1), (date_column > snapshots.c.date, 1), else_=0
    ).label("after")
    month = month_of(date_column).label("month")
    columns = [func.coalesce(func.sum(expr), 0).label(name) for name, expr in sums.items()]
    split = () if base_year is None else (base_year.label("base_year"),)
    query = select(member_column.label("member_id"), month, after, *split, *columns)
    one = select(month, *split, *columns)
    for target, condition, outer in joins:
        query = query.join(target, condition, isouter=outer)
        one = one.join(target, condition, isouter=outer)
    query = query.outerjoin(snapshots, snapshots.c.member_id == member_column)
    return FlowSource(
        for_members=query.where(
            member_column.in_(MEMBER_IDS), date_column.between(SINCE, UNTIL), *where
        ).group_by(member_column, month, after, *split),
        for_one_between=one.where(
            member_column == MEMBER_ID, date_column.between(SINCE, UNTIL), *where
        ).group_by(month, *split),
        amounts=tuple(FLOW_FIELDS.index(name) for name in sums),
        by_base_year=base_year is not None,
    )


PAYSLIP_FLOWS = monthly_sums(
    Payslip.member_id, Payslip.paid_on, {"salary_cost": Payslip.employer_cost_cents}
)
LAST_PAID_PERIODS = (
    select(Payslip.member_id, func.max(Payslip.period))
    .where(Payslip.member_id.in_(MEMBER_IDS))
    .group_by(Payslip.member_id)
)
# Receipts that reach the margin: approved, whether reimbursed yet or not.
COUNTED_RECEIPTS = (ReceiptStatus.APPROVED, ReceiptStatus.REIMBURSED)


def _signed(cents_column):
    """A credit note's amounts are stored positive: they count negative."""
    return case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -cents_column), else_=cents_column)


def _excl_vat_part(cents_incl_vat):
    """portal.money.excl_vat_part in SQL, per row: the excl. VAT part of an amount incl. VAT
    in its invoice's proportion, half-up to the cent, in integers: (2·a·ht + ttc) div
    (2·ttc). Floor division: `/` would be a true division, in floats on SQLite."""
    incl = func.nullif(Invoice.total_incl_vat_cents, 0)
    scaled = cast(cents_incl_vat, BigInteger) * Invoice.total_excl_vat_cents
    return (2 * scaled + incl) // (2 * incl)


CREDITED = aliased(Invoice, name="credited")


def _year_of(date_column):
    return func.substr(month_of(date_column), 1, 4)


INVOICE_FLOWS = monthly_sums(
    Invoice.member_id,
    Invoice.issue_date,
    {
        "invoiced": _signed(Invoice.total_excl_vat_cents),
        "vat_invoiced": _signed(Invoice.vat_cents),
        # A credit note of money already received owes it back: it leaves what was
        # collected when the credit note is issued (zero on an invoice).
        "collected": -_excl_vat_part(Invoice.refund_due_cents),
    },
    where=[Invoice.status.in_(ISSUED_STATUSES)],
    joins=[(CREDITED, CREDITED.id == Invoice.credited_invoice_id, True)],
    # A credit note of an invoice of an earlier year gives back that year's contribution.
    base_year=case(
        (
            _year_of(CREDITED.issue_date) < _year_of(Invoice.issue_date),
            _year_of(CREDITED.issue_date),
        ),
        else_=None,
    ),
)
PAYMENT_FLOWS = monthly_sums(
    Invoice.member_id,
    Payment.received_on,
    {"collected": Payment.amount_excl_vat_cents},
    joins=[(Invoice, Invoice.id == Payment.invoice_id, False)],
)
RECEIPT_FLOWS = monthly_sums(
    Receipt.member_id,
    Receipt.spent_on,
    {
        # What reaches the margin: the amount incl. VAT less the VAT the coop recovers.
        "expenses": Receipt.amount_cents - Receipt.vat_recoverable_cents,
        "vat_recoverable": Receipt.vat_recoverable_cents,
    },
    where=[Receipt.status.in_(COUNTED_RECEIPTS)],
)
# A validated internal transfer (negative when it reverses one) is revenue of the
# subcontractor, collected at once (the money moves inside the coop), and an expense of the
# contractor, both on the day it was validated.
VALIDATED_TRANSFER = [InternalTransfer.status == TransferStatus.VALIDATED]
TRANSFER_REVENUE_FLOWS = monthly_sums(
    InternalTransfer.subcontractor_id,
    InternalTransfer.validated_on,
    {"invoiced": InternalTransfer.amount_cents, "collected": InternalTransfer.amount_cents},
    where=VALIDATED_TRANSFER,
)
TRANSFER_EXPENSE_FLOWS = monthly_sums(
    InternalTransfer.contractor_id,
    InternalTransfer.validated_on,
    {"expenses": InternalTransfer.amount_cents},
    where=VALIDATED_TRANSFER,
)
# One statement pair per source of movements: a new source (a new kind of movement) goes
# here, and its model in running_totals.WATCHED.
FLOW_SOURCES = (
    INVOICE_FLOWS,
    PAYMENT_FLOWS,
    RECEIPT_FLOWS,
    PAYSLIP_FLOWS,
    TRANSFER_REVENUE_FLOWS,
    TRANSFER_EXPENSE_FLOWS,
)

_OUTSTANDING_CENTS = Invoice.total_incl_vat_cents - Invoice.paid_cents - Invoice.credited_cents
# What the payments still to come will bring excl. VAT: the part of all the invoice will
# have been paid less the part already paid, the way each payment's part is recorded.
_OUTSTANDING_EXCL_VAT = _excl_vat_part(
    Invoice.total_incl_vat_cents - Invoice.credited_cents
) - _excl_vat_part(Invoice.paid_cents)
# Issued and not settled: paid and credited reach the total only as PAID (sales' _settle).
UNSETTLED_STATUSES = tuple(status for status in ISSUED_STATUSES if status is not InvoiceStatus.PAID)
OUTSTANDING = (
    select(Invoice.member_id, func.sum(_OUTSTANDING_EXCL_VAT))
    .where(
        Invoice.member_id.in_(MEMBER_IDS),
        Invoice.status.in_(UNSETTLED_STATUSES),
        Invoice.kind == InvoiceKind.INVOICE,
        _OUTSTANDING_CENTS > 0,
    )
    .group_by(Invoice.member_id)
)
YEAR_START, YEAR_END = bindparam("year_start"), bindparam("year_end")
ACTIVITY_INVOICED = (
    select(Invoice.member_id, Invoice.activity_id, func.sum(_signed(Invoice.total_excl_vat_cents)))
    .where(
        Invoice.member_id.in_(MEMBER_IDS),
        Invoice.status.in_(ISSUED_STATUSES),
        Invoice.issue_date.between(YEAR_START, YEAR_END),
    )
    .group_by(Invoice.member_id, Invoice.activity_id)
)
ACTIVITY_EXPENSES = (
    select(
        Receipt.member_id,
        Receipt.activity_id,
        func.sum(Receipt.amount_cents - Receipt.vat_recoverable_cents),
    )
    .where(
        Receipt.member_id.in_(MEMBER_IDS),
        Receipt.status.in_(COUNTED_RECEIPTS),
        Receipt.spent_on.between(YEAR_START, YEAR_END),
    )
    .group_by(Receipt.member_id, Receipt.activity_id)
)


def openings(session: Session, member_ids: list[int]) -> dict[int, figures.Opening]:
    rows = session.execute(OPENINGS, {"member_ids": member_ids})
    return {
        member_id: figures.Opening(
            on=on,
            amount=from_cents(amount),
            year_base=None if year_base is None else from_cents(year_base),
        )
        for member_id, on, amount, year_base in rows
    }


def last_paid_periods(session: Session, member_ids: list[int]) -> dict[int, date]:
    rows = session.execute(LAST_PAID_PERIODS, {"member_ids": member_ids})
    return {
        member_id: date(int(period[:4]), int(period[5:]), 1) for member_id, period in rows if period
    }


def outstanding_of(session: Session, member_ids: list[int]) -> dict[int, Decimal]:
    rows = session.execute(OUTSTANDING, {"member_ids": member_ids})
    return {member_id: from_cents(int(cents)) for member_id, cents in rows}


def activity_totals(
    session: Session, members: Sequence[Member], year: int
) -> dict[int, list[figures.ActivityTotals]]:
    """This year's revenue and expenses per activity, the activities with none included;
    movements without an activity come last."""
    member_ids = [member.id for member in members]
    params = {
        "member_ids": member_ids,
        "year_start": date(year, 1, 1),
        "year_end": date(year, 12, 31),
    }
    sums: dict[tuple[int, int | None], list[int]] = {}
    for column, statement in enumerate((ACTIVITY_INVOICED, ACTIVITY_EXPENSES)):
        for member_id, activity_id, cents in session.execute(statement, params):
            sums.setdefault((member_id, activity_id), [0, 0])[column] = int(cents)
    result: dict[int, list[figures.ActivityTotals]] = {}
    for member in members:
        # Invoices and receipts only take the member's own activities (their services
        # check it); a deleted activity leaves them without one.
        named = [(activity.id, activity.name) for activity in member.activities]
        rows = []
        for activity_id, name in [*named, (None, None)]:
            invoiced, expenses = sums.get((member.id, activity_id), (0, 0))
            if activity_id is None and not (invoiced or expenses):
                continue
            rows.append(
                figures.ActivityTotals(
                    name=name, invoiced=from_cents(invoiced), expenses=from_cents(expenses)
                )
            )
        if any(row.invoiced or row.expenses for row in rows):
            result[member.id] = rows
    return result
