"""The lists entrepreneurs and staff work from: filtered pages of invoices, the validation
queue, the CSV export's rows."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.db import MAX_ID, Page
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import from_cents
from portal.sales.models import (
    Customer,
    Invoice,
    InvoiceBalance,
    InvoiceEvent,
    InvoiceEventKind,
    InvoiceKind,
    InvoiceStatus,
    QuoteInvoice,
)

OVERDUE = "overdue"
PAGE_SIZE = 25


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""  # an InvoiceStatus value, "overdue", or "" for all
    date_from: date | None = None
    date_to: date | None = None
    member_id: int | None = None  # staff: one entrepreneur
    query: str = ""
    customer_id: int | None = None  # one customer's invoices (from the customers' list)

    @classmethod
    def from_args(cls, args: Mapping[str, str], member_id: int | None) -> "InvoiceFilters":
        """The filters a list's query string asks for; an unknown status or a date that is
        not one filters nothing."""
        status = args.get("status", "")
        if status not in {s.value for s in InvoiceStatus} | {OVERDUE}:
            status = ""
        return cls(
            status=status,
            date_from=_date_arg(args, "from"),
            date_to=_date_arg(args, "to"),
            member_id=member_id,
            query=args.get("q", "")[:100],
            customer_id=_id_arg(args, "customer"),
        )


def _date_arg(args: Mapping[str, str], name: str) -> date | None:
    try:
        return date.fromisoformat(args.get(name, ""))
    except ValueError:
        return None


def _id_arg(args: Mapping[str, str], name: str) -> int | None:
    value = args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and int(value) <= MAX_ID else None


def _filtered(statement, filters: InvoiceFilters, today: date, customer_joined: bool = False):
    if filters.member_id is not None:
        statement = statement.where(Invoice.member_id == filters.member_id)
    if filters.customer_id is not None:
        statement = statement.where(Invoice.customer_id == filters.customer_id)
    if filters.status == OVERDUE:
        statement = statement.where(
            Invoice.kind == InvoiceKind.INVOICE,
            Invoice.status.in_(
                [InvoiceStatus.VALIDATED, InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID]
            ),
            Invoice.due_date < today,
        )
    elif filters.status:
        statement = statement.where(Invoice.status == InvoiceStatus(filters.status))
    if filters.date_from:
        statement = statement.where(Invoice.issue_date >= filters.date_from)
    if filters.date_to:
        statement = statement.where(Invoice.issue_date <= filters.date_to)
    query = filters.query.strip()
    if query:
        pattern = "%" + query.replace("%", "").replace("_", "").lower() + "%"
        if not customer_joined:
            statement = statement.join(Invoice.customer)
        statement = statement.where(
            func.lower(Customer.name).like(pattern) | func.lower(Invoice.number).like(pattern)
        )
    return statement


@dataclass(frozen=True, slots=True)
class InvoiceRow(InvoiceBalance):
    """An invoice as a list shows it: read as these columns, not as an ORM object with its
    customer and member joined in (which cost 25 µs a row to load, with every column)."""

    id: int
    number: str | None
    kind: InvoiceKind
    status: InvoiceStatus
    issue_date: date
    due_date: date
    total_incl_vat_cents: int
    paid_cents: int
    credited_cents: int
    refund_due_cents: int
    refunded_cents: int
    customer_name: str
    member_name: str


_ROW_COLUMNS = (
    Invoice.id,
    Invoice.number,
    Invoice.kind,
    Invoice.status,
    Invoice.issue_date,
    Invoice.due_date,
    Invoice.total_incl_vat_cents,
    Invoice.paid_cents,
    Invoice.credited_cents,
    Invoice.refund_due_cents,
    Invoice.refunded_cents,
    Customer.name,
    Member.full_name,
)


def list_invoices(session: Session, filters: InvoiceFilters, today: date, page: int = 1) -> Page:
    """One page of invoices (`InvoiceRow`s), newest first, in two queries whatever the page
    holds."""
    total = session.scalar(_filtered(select(func.count(Invoice.id)), filters, today)) or 0
    page = Page.number(page, total, PAGE_SIZE)
    statement = (
        _filtered(
            select(*_ROW_COLUMNS).join(Invoice.customer).join(Invoice.member),
            filters,
            today,
            customer_joined=True,
        )
        .order_by(Invoice.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page([InvoiceRow(*row) for row in session.execute(statement)], total, page, PAGE_SIZE)


def overdue_by_member(session: Session, today: date, limit: int) -> tuple[int, list]:
    """Entrepreneurs with invoices past their due date, most owed first: the number of such
    entrepreneurs, and up to `limit` rows (member id, name, invoices, outstanding cents)."""
    overdue = _filtered(
        select(
            Invoice.member_id.label("member_id"),
            func.count(Invoice.id).label("invoices"),
            func.sum(
                Invoice.total_incl_vat_cents - Invoice.paid_cents - Invoice.credited_cents
            ).label("outstanding"),
        ),
        InvoiceFilters(status=OVERDUE),
        today,
    ).group_by(Invoice.member_id)
    by_member = overdue.subquery()
    total = session.scalar(select(func.count()).select_from(by_member)) or 0
    rows = session.execute(
        select(
            by_member.c.member_id, Member.full_name, by_member.c.invoices, by_member.c.outstanding
        )
        .join(Member, Member.id == by_member.c.member_id)
        .order_by(by_member.c.outstanding.desc(), Member.full_name)
        .limit(limit)
    ).all()
    return total, rows


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """An overdue invoice on the support team's list."""

    id: int
    number: str
    member_name: str
    customer_name: str
    due_date: date
    outstanding_cents: int
    reminders: int
    last_reminder_at: datetime | None

    def days_late(self, today: date) -> int:
        return (today - self.due_date).days


def overdue_invoices(session: Session, today: date, page: int = 1) -> Page:
    """Every invoice past its due date and still owed, the most overdue first, with its
    reminders (how many, when the last went); two queries whatever the page holds."""
    filters = InvoiceFilters(status=OVERDUE)
    total = session.scalar(_filtered(select(func.count(Invoice.id)), filters, today)) or 0
    page = Page.number(page, total, PAGE_SIZE)
    reminders = (
        select(
            InvoiceEvent.invoice_id,
            func.count(InvoiceEvent.id).label("count"),
            func.max(InvoiceEvent.at).label("last_at"),
        )
        .where(InvoiceEvent.kind == InvoiceEventKind.REMINDED)
        .group_by(InvoiceEvent.invoice_id)
        .subquery()
    )
    statement = (
        _filtered(
            select(
                Invoice.id,
                Invoice.number,
                Member.full_name,
                Customer.name,
                Invoice.due_date,
                Invoice.total_incl_vat_cents - Invoice.paid_cents - Invoice.credited_cents,
                func.coalesce(reminders.c.count, 0),
                reminders.c.last_at,
            )
            .join(Invoice.customer)
            .join(Invoice.member)
            .outerjoin(reminders, reminders.c.invoice_id == Invoice.id),
            filters,
            today,
            customer_joined=True,
        )
        .order_by(Invoice.due_date, Invoice.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page([OverdueRow(*row) for row in session.execute(statement)], total, page, PAGE_SIZE)


def invoices_to_validate(session: Session, ids: list[int]) -> list[Invoice]:
    """The invoices with these ids, in the queue's order (first submitted, first numbered).
    Their parties come in their own queries, not joined: validating refreshes each invoice
    FOR UPDATE with the options it was loaded with, which PostgreSQL refuses on an outer
    join."""
    return list(
        session.scalars(
            select(Invoice)
            .options(selectinload(Invoice.customer), selectinload(Invoice.member))
            .where(Invoice.id.in_(ids))
            .order_by(Invoice.submitted_at, Invoice.id)
        )
    )


def validation_queue(session: Session, filters: InvoiceFilters, today: date, page: int = 1):
    """Submitted invoices, oldest first (first come, first served), with their lines."""
    filters = InvoiceFilters(
        status=InvoiceStatus.SUBMITTED.value,
        date_from=filters.date_from,
        date_to=filters.date_to,
        member_id=filters.member_id,
        query=filters.query,
    )
    total = session.scalar(_filtered(select(func.count(Invoice.id)), filters, today)) or 0
    page = Page.number(page, total, PAGE_SIZE)
    statement = (
        _filtered(select(Invoice), filters, today)
        .options(
            joinedload(Invoice.customer),
            joinedload(Invoice.member),
            joinedload(Invoice.activity),
            joinedload(Invoice.lines),
        )
        .order_by(Invoice.submitted_at, Invoice.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page(list(session.scalars(statement).unique()), total, page, PAGE_SIZE)


EXPORT_HEADER = (
    _l("Number"),
    _l("Type"),
    _l("Status"),
    _l("Date"),
    _l("Due date"),
    _l("Entrepreneur"),
    _l("Customer"),
    _l("Total excl. VAT"),
    _l("VAT"),
    _l("Total incl. VAT"),
    _l("Amount paid"),
    _l("Amount due"),
    _l("Payment methods"),
)


def export_rows(session: Session, filters: InvoiceFilters, today: date) -> Iterator[tuple]:
    """Every invoice matching the filters, a row each under `EXPORT_HEADER`, read in
    batches (the export streams)."""
    statement = (
        _filtered(select(Invoice), filters, today)
        .options(
            joinedload(Invoice.customer),
            joinedload(Invoice.member),
            selectinload(Invoice.payments),
        )
        .order_by(Invoice.id)
        .execution_options(yield_per=500)
    )
    for invoice in session.scalars(statement):
        yield (
            invoice.number or "",
            _l("Credit note") if invoice.is_credit_note else _l("Invoice"),
            invoice.status.label,
            invoice.issue_date,
            invoice.due_date,
            invoice.member.full_name,
            invoice.customer.name,
            *(
                from_cents(cents)
                for cents in (
                    invoice.total_excl_vat_cents,
                    invoice.vat_cents,
                    invoice.total_incl_vat_cents,
                    invoice.paid_cents,
                    invoice.outstanding_cents,
                )
            ),
            _payment_methods(invoice),
        )


def _payment_methods(invoice: Invoice) -> str:
    """The methods of the invoice's payments, each once, in the order they came."""
    return ", ".join(dict.fromkeys(str(payment.method.label) for payment in invoice.payments))


def deducted_deposits(session: Session, invoice: Invoice) -> list[Invoice]:
    """For the balance of a quote (an invoice from a quote that is no deposit): the quote's
    deposit invoices issued, and not wholly credited, before it was, oldest first."""
    if invoice.origin is None or invoice.is_deposit:
        return []
    return list(
        session.scalars(
            select(Invoice)
            .join(QuoteInvoice, QuoteInvoice.invoice_id == Invoice.id)
            .where(
                QuoteInvoice.quote_id == invoice.origin.quote_id,
                QuoteInvoice.is_deposit.is_(True),
                Invoice.number.is_not(None),
                Invoice.id < invoice.id,
                Invoice.credited_cents < Invoice.total_incl_vat_cents,
            )
            .order_by(Invoice.id)
        )
    )
