"""Receipts as the pages read them: a member's totals by month and by category, pages of
receipts, the support team's review queue, a year's export."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session, joinedload

from portal.expenses.models import ExpenseCategory, Receipt, ReceiptStatus
from portal.i18n import lazy_gettext as _l
from portal.money import from_cents

PAGE_SIZE = 50


@dataclass(frozen=True)
class Totals:
    label: object
    count: int
    excl_vat_cents: int
    vat_cents: int
    amount_cents: int
    vat_recoverable_cents: int


def _totals_columns():
    counted = Receipt.status != ReceiptStatus.REJECTED

    def total(column):
        return func.coalesce(func.sum(case((counted, column), else_=0)), 0)

    return (
        func.count(Receipt.id),
        total(Receipt.amount_cents - Receipt.vat_cents),
        total(Receipt.vat_cents),
        total(Receipt.amount_cents),
        total(Receipt.vat_recoverable_cents),
    )


def totals_by_month(session: Session, member_id: int, year: int) -> list[Totals]:
    """A member's year month by month. Rejected receipts are listed but not added up."""
    month = extract("month", Receipt.spent_on)
    rows = session.execute(
        select(month, *_totals_columns())
        .where(Receipt.member_id == member_id, _in_year(year))
        .group_by(month)
        .order_by(month)
    )
    return [Totals(int(row[0]), *(int(value) for value in row[1:])) for row in rows]


def totals_by_category(
    session: Session, member_id: int, year: int, month: int | None
) -> list[Totals]:
    rows = session.execute(
        select(ExpenseCategory.name, *_totals_columns())
        .join(Receipt.category)
        .where(Receipt.member_id == member_id, _in_period(year, month))
        .group_by(ExpenseCategory.name)
        .order_by(ExpenseCategory.name)
    )
    return [Totals(row[0], *(int(value) for value in row[1:])) for row in rows]


def receipts_page(
    session: Session,
    member_id: int,
    year: int,
    month: int | None,
    category_id: int | None = None,
    page: int = 1,
) -> tuple[list[Receipt], bool]:
    """One page of a member's receipts for a month (or a year), newest first, and whether
    there are more. Category, activity and customer come in the same query."""
    query = (
        select(Receipt)
        .options(
            joinedload(Receipt.category),
            joinedload(Receipt.activity),
            joinedload(Receipt.customer),
        )
        .where(Receipt.member_id == member_id, _in_period(year, month))
        .order_by(Receipt.spent_on.desc(), Receipt.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    )
    if category_id:
        query = query.where(Receipt.category_id == category_id)
    receipts = list(session.scalars(query))
    return receipts[:PAGE_SIZE], len(receipts) > PAGE_SIZE


def review_queue(session: Session, page: int = 1) -> tuple[list[Receipt], bool]:
    """Receipts waiting for the support team, oldest submission first."""
    receipts = list(
        session.scalars(
            select(Receipt)
            .options(
                joinedload(Receipt.member),
                joinedload(Receipt.category),
                joinedload(Receipt.customer),
            )
            .where(Receipt.status == ReceiptStatus.SUBMITTED)
            .order_by(Receipt.submitted_at, Receipt.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return receipts[:PAGE_SIZE], len(receipts) > PAGE_SIZE


EXPORT_HEADER = (
    _l("Date"),
    _l("Supplier or purpose"),
    _l("Category"),
    _l("Related activity"),
    _l("Related customer"),
    _l("Paid by"),
    _l("Status"),
    _l("Excl. VAT"),
    _l("VAT"),
    _l("Incl. VAT"),
    _l("VAT recoverable"),
    _l("Distance (km)"),
    _l("Note"),
)


def export_rows(session: Session, member_id: int, year: int) -> Iterator[tuple]:
    """A year of the member's receipts and mileage claims, a row each under
    `EXPORT_HEADER`, read in batches."""
    receipts = session.scalars(
        select(Receipt)
        .options(
            joinedload(Receipt.category),
            joinedload(Receipt.activity),
            joinedload(Receipt.customer),
        )
        .where(Receipt.member_id == member_id, _in_year(year))
        .order_by(Receipt.spent_on, Receipt.id)
        .execution_options(yield_per=500)
    )
    for receipt in receipts:
        yield (
            receipt.spent_on,
            receipt.supplier or receipt.note,
            receipt.category.name,
            receipt.activity.name if receipt.activity else "",
            receipt.customer.name if receipt.customer else "",
            receipt.paid_by.label,
            receipt.status.label,
            *(
                from_cents(cents)
                for cents in (
                    receipt.excl_vat_cents,
                    receipt.vat_cents,
                    receipt.amount_cents,
                    receipt.vat_recoverable_cents,
                )
            ),
            receipt.distance_km,
            receipt.note,
        )


def _in_year(year: int):
    return Receipt.spent_on.between(date(year, 1, 1), date(year, 12, 31))


def _in_period(year: int, month: int | None):
    if month is None:
        return _in_year(year)
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (Receipt.spent_on >= date(year, month, 1)) & (Receipt.spent_on < end)
