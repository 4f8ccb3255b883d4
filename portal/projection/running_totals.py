"""Each member's movements summed per month (`member_month_totals`), kept true by the
transaction of every write that moves them, and read by the projection instead of summing the
member's whole history on each request (five years of a busy member: 3,000 invoices and
10,000 receipts grouped by month were 85 % of the home page's SQL).

How they stay true: after each flush, the months that the flush's movements were dated in,
before and after the write, are summed again for their member from the movements themselves
(queries.FLOW_SOURCES, one month of one member through the covering indexes) and replace the
kept rows. A month summed again is right whatever the write was (a new invoice, a payment, a
receipt approved, edited or rejected, a credit note, a payslip replaced, a movement moved to
another date): no rule of any write is repeated here. The models whose rows are movements
are in WATCHED; a write that goes around the ORM's unit of work (a bulk INSERT) calls
`refresh_months` or `rebuild` itself. Balances and the coop's settings are not summed here:
the projection applies them to these sums when it reads them.

On PostgreSQL, writers of one member's totals queue on a transaction-scoped advisory lock
of that member, so two transactions never sum the same month each without the other's
movement."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import (
    Column,
    Connection,
    bindparam,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import Session, UOWTransaction
from sqlalchemy.sql import visitors

from portal.db import flushed_values
from portal.expenses.models import Receipt
from portal.money import from_cents
from portal.projection import figures, months
from portal.projection.models import MonthTotals, Payslip
from portal.projection.queries import FLOW_FIELDS, FLOW_SOURCES, MEMBER_IDS
from portal.sales.models import Invoice, Payment
from portal.transfers.models import InternalTransfer

# Any constant: the class of PostgreSQL's two-key advisory locks that order writers of one
# member's totals (the second key is the member's id).
_TOTALS_LOCK = 7_210_002
_AMOUNTS = tuple(f"{name}_cents" for name in FLOW_FIELDS)
INVOICED, COLLECTED = FLOW_FIELDS.index("invoiced"), FLOW_FIELDS.index("collected")


@dataclass(frozen=True)
class Movements:
    """Where a model's rows are summed: the attribute holding the date that sets their month,
    and those holding their members (or, `through_invoice`, the invoice whose member)."""

    date: str
    members: tuple[str, ...] = ("member_id",)
    through_invoice: bool = False


# Every model whose rows are movements of a member's margin, with a source in FLOW_SOURCES.
WATCHED: dict[type, Movements] = {
    Invoice: Movements("issue_date"),
    Payment: Movements("received_on", ("invoice_id",), through_invoice=True),
    Receipt: Movements("spent_on"),
    Payslip: Movements("paid_on"),
    # Revenue of the subcontractor and an expense of the contractor, once validated.
    InternalTransfer: Movements("validated_on", ("subcontractor_id", "contractor_id")),
}


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _last_of_month(day: date) -> date:
    if day.month == 12:
        return day.replace(day=31)
    return date(day.year, day.month + 1, 1) - timedelta(days=1)


def summed(connection: Connection, member_id: int, since: date, until: date) -> list[dict]:
    """The member's rows of member_month_totals for the months from `since` to `until`,
    summed from the movements themselves."""
    cents: dict[tuple[str, int], list[int]] = {}
    params = {"member_id": member_id, "since": since, "until": until}
    for source in FLOW_SOURCES:
        for month, *sums in connection.execute(source.for_one_between, params):
            base_year = sums.pop(0) if source.by_base_year else None
            totals = cents.setdefault((month, int(base_year or 0)), [0] * len(FLOW_FIELDS))
            for position, value in zip(source.amounts, sums, strict=True):
                totals[position] += int(value)
    return [
        {"member_id": member_id, "month": month, "earlier_year": year}
        | dict(zip(_AMOUNTS, sums, strict=True))
        for (month, year), sums in cents.items()
    ]


def refresh_months(connection: Connection, member_id: int, first: date, last: date) -> None:
    """Sum again the member's months from `first`'s to `last`'s, in the caller's
    transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:class, :member_id)"),
            {"class": _TOTALS_LOCK, "member_id": member_id},
        )
    since, until = months.first_of_month(first), _last_of_month(last)
    connection.execute(
        delete(MonthTotals).where(
            MonthTotals.member_id == member_id,
            MonthTotals.month.between(_month(since), _month(until)),
        )
    )
    rows = summed(connection, member_id, since, until)
    if rows:
        connection.execute(insert(MonthTotals), rows)


def rebuild(session: Session, member_ids: Iterable[int]) -> None:
    """Sum the members' whole history again: after rows written around the ORM's unit of
    work (a bulk INSERT of movements), which the flush never sees."""
    connection = session.connection()
    for member_id in sorted(set(member_ids)):
        refresh_months(connection, member_id, date.min, date.max)


@event.listens_for(Session, "before_flush")
def _load_deleted_movements(session: Session, _flush: UOWTransaction, _instances) -> None:
    """A movement about to be deleted has its member and date read while its row exists."""
    for instance in session.deleted:
        movements = WATCHED.get(type(instance))
        if movements is not None:
            for key in (movements.date, *movements.members):
                getattr(instance, key)


@cache
def _summed_attributes(model: type) -> frozenset[str]:
    """The model's attributes that FLOW_SOURCES read: a change to any other leaves the sums
    as they were."""
    table, mapper = model.__table__, inspect(model)
    return frozenset(
        mapper.get_property_by_column(element).key
        for source in FLOW_SOURCES
        for element in visitors.iterate(source.for_one_between)
        if isinstance(element, Column) and element.table is table
    )


INVOICE_IDS = bindparam("invoice_ids", expanding=True)
OWNERS = select(Invoice.id, Invoice.member_id).where(Invoice.id.in_(INVOICE_IDS))


@event.listens_for(Session, "after_flush")
def _keep_running_totals(session: Session, _flush: UOWTransaction) -> None:
    """Sum again, in the flush's transaction, every month a flushed movement was or is in."""
    days: dict[int, set[date]] = {}
    through_invoices: dict[int, set[date]] = {}
    for instance in (*session.new, *session.dirty, *session.deleted):
        movements = WATCHED.get(type(instance))
        if movements is None:
            continue
        state = inspect(instance)
        if instance in session.dirty and not any(
            state.attrs[key].history.has_changes() for key in _summed_attributes(type(instance))
        ):
            continue  # nothing the sums read has changed (a payment's paid_cents, sent_at)
        dated = flushed_values(instance, movements.date)
        target = through_invoices if movements.through_invoice else days
        for key in movements.members:
            for owner in flushed_values(instance, key):
                target.setdefault(owner, set()).update(dated)
    if not (days or through_invoices):
        return
    connection = session.connection()
    if through_invoices:
        owners = connection.execute(OWNERS, {"invoice_ids": list(through_invoices)})
        for invoice_id, member_id in owners:
            days.setdefault(member_id, set()).update(through_invoices[invoice_id])
    # Members in one order: two flushes moving the same two members lock them alike.
    for member_id in sorted(days):
        if days[member_id]:
            refresh_months(connection, member_id, min(days[member_id]), max(days[member_id]))


KEPT = (
    select(MonthTotals.member_id, MonthTotals.month, MonthTotals.earlier_year)
    .add_columns(*(getattr(MonthTotals, name) for name in _AMOUNTS))
    .where(MonthTotals.member_id.in_(MEMBER_IDS), MonthTotals.month >= bindparam("since_month"))
)


def monthly_flows(
    session: Session, member_ids: list[int], since: date, opening_by_member: dict
) -> tuple[dict[int, list[figures.MonthFlows]], dict[int, list[figures.EarlierYearCredit]]]:
    """Each member's months since `since`, one MonthFlows per month and side of the opening
    balance, from the running totals; and the credit notes in them whose invoices are of an
    earlier year, by that year. The month of a member's balance snapshot is summed from the
    movements, each on its side of the snapshot's day."""
    cents: dict[tuple[int, str, bool], list[int]] = {}
    earlier_cents: dict[tuple[int, str, bool, int], list[int]] = {}

    def add(member_id, month, after, year, amounts, sums):
        totals = cents.get((member_id, month, after))
        if totals is None:
            totals = cents[member_id, month, after] = [0] * len(FLOW_FIELDS)
        for position, value in zip(amounts, sums, strict=True):
            totals[position] += int(value)
        if year:
            moved = earlier_cents.setdefault((member_id, month, after, int(year)), [0, 0])
            for position, value in zip(amounts, sums, strict=True):
                if position in (INVOICED, COLLECTED):
                    moved[position == COLLECTED] += int(value)

    since_month = _month(since)
    opening_months = {m: _month(opening.on) for m, opening in opening_by_member.items()}
    every_amount = range(len(FLOW_FIELDS))
    rows = session.connection().execute(
        KEPT, {"member_ids": member_ids, "since_month": since_month}
    )
    for member_id, month, year, *sums in rows:
        opening_month = opening_months.get(member_id)
        if month != opening_month:
            after = opening_month is None or month > opening_month
            add(member_id, month, after, year, every_amount, sums)
    split = {m: month for m, month in opening_months.items() if month >= since_month}
    if split:
        params = {
            "member_ids": list(split),
            "since": min(opening_by_member[m].on for m in split).replace(day=1),
            "until": _last_of_month(max(opening_by_member[m].on for m in split)),
        }
        for source in FLOW_SOURCES:
            for member_id, month, after, *sums in session.execute(source.for_members, params):
                year = sums.pop(0) if source.by_base_year else None
                if month == split[member_id]:
                    add(member_id, month, bool(after), year, source.amounts, sums)
    flows: dict[int, list[figures.MonthFlows]] = {member_id: [] for member_id in member_ids}
    for (member_id, month, after), totals in cents.items():
        flows[member_id].append(
            figures.MonthFlows(
                date(int(month[:4]), int(month[5:7]), 1),
                after,
                *(from_cents(value) for value in totals),
            )
        )
    earlier: dict[int, list[figures.EarlierYearCredit]] = {}
    for (member_id, month, after, year), (invoiced, collected) in earlier_cents.items():
        earlier.setdefault(member_id, []).append(
            figures.EarlierYearCredit(
                date(int(month[:4]), int(month[5:7]), 1),
                after,
                year,
                from_cents(invoiced),
                from_cents(collected),
            )
        )
    return flows, earlier
