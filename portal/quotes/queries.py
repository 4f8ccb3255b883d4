"""The lists of quotes (the entrepreneur's, a customer's, the support team's queue), what has
been invoiced of a quote, and the signed work the home page shows apart from the margin."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.db import Page
from portal.members.models import Member
from portal.quotes.models import Quote, QuoteStatus
from portal.sales.models import ISSUED_STATUSES, Customer, Invoice, InvoiceKind, QuoteInvoice

PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class QuoteRow:
    """A quote as a list shows it, read as these columns alone."""

    id: int
    number: str | None
    status: QuoteStatus
    issue_date: date
    valid_until: date
    total_incl_vat_cents: int
    customer_name: str
    member_name: str

    def is_expired(self, today: date) -> bool:
        return self.status.awaits_answer and self.valid_until < today

    status_label = Quote.status_label
    status_class = Quote.status_class


_ROW_COLUMNS = (
    Quote.id,
    Quote.number,
    Quote.status,
    Quote.issue_date,
    Quote.valid_until,
    Quote.total_incl_vat_cents,
    Customer.name,
    Member.full_name,
)


def _rows(statement) -> select:
    return select(*_ROW_COLUMNS).join(Quote.customer).join(Quote.member).where(statement)


def list_quotes(
    session: Session,
    member_id: int,
    page: int = 1,
    status: QuoteStatus | None = None,
    customer_id: int | None = None,
) -> Page:
    """One page of a member's quotes (of one customer, or in one status), newest first, in
    two queries whatever the page holds."""
    condition = Quote.member_id == member_id
    if customer_id is not None:
        condition = condition & (Quote.customer_id == customer_id)
    if status is not None:
        condition = condition & (Quote.status == status)
    total = session.scalar(select(func.count(Quote.id)).where(condition)) or 0
    page = Page.number(page, total, PAGE_SIZE)
    statement = (
        _rows(condition).order_by(Quote.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    )
    return Page([QuoteRow(*row) for row in session.execute(statement)], total, page, PAGE_SIZE)


def customer_quotes(session: Session, customer_id: int) -> list[QuoteRow]:
    statement = _rows(Quote.customer_id == customer_id).order_by(Quote.id.desc()).limit(100)
    return [QuoteRow(*row) for row in session.execute(statement)]


def validation_queue(session: Session) -> list[QuoteRow]:
    """Submitted quotes, first come first served, for the support team."""
    statement = (
        _rows(Quote.status == QuoteStatus.SUBMITTED)
        .order_by(Quote.submitted_at, Quote.id)
        .limit(200)
    )
    return [QuoteRow(*row) for row in session.execute(statement)]


def quote_for_page(session: Session, quote_id: int) -> Quote | None:
    """A quote with what its page and PDF show, in few queries."""
    return session.scalar(
        select(Quote)
        .where(Quote.id == quote_id)
        .options(
            selectinload(Quote.lines),
            joinedload(Quote.customer),
            joinedload(Quote.member),
            joinedload(Quote.activity),
        )
    )


def quote_invoices(session: Session, quote_id: int) -> list[Invoice]:
    """The invoices drawn from a quote (deposits, balance, the whole), oldest first."""
    return list(
        session.scalars(
            select(Invoice)
            .join(QuoteInvoice, QuoteInvoice.invoice_id == Invoice.id)
            .where(QuoteInvoice.quote_id == quote_id, Invoice.kind == InvoiceKind.INVOICE)
            .order_by(Invoice.id)
        )
    )


def _invoiced_excl_vat():
    """Per quote, the total excl. VAT of its issued invoices."""
    return (
        select(
            QuoteInvoice.quote_id.label("quote_id"),
            func.sum(Invoice.total_excl_vat_cents).label("invoiced"),
        )
        .join(Invoice, Invoice.id == QuoteInvoice.invoice_id)
        .where(Invoice.kind == InvoiceKind.INVOICE, Invoice.status.in_(ISSUED_STATUSES))
        .group_by(QuoteInvoice.quote_id)
        .subquery()
    )


def signed_work_cents(session: Session, member_id: int) -> int:
    """Accepted quotes' work not invoiced yet (excl. VAT): what the customers signed for
    and the entrepreneur has still to invoice. It is not margin: nothing is earned until
    it is invoiced, so the projection shows it apart."""
    invoiced = _invoiced_excl_vat()
    left = Quote.total_excl_vat_cents - func.coalesce(invoiced.c.invoiced, 0)
    statement = (
        select(func.coalesce(func.sum(case((left > 0, left), else_=0)), 0))
        .select_from(Quote)
        .outerjoin(invoiced, invoiced.c.quote_id == Quote.id)
        .where(Quote.member_id == member_id, Quote.status == QuoteStatus.ACCEPTED)
    )
    return int(session.scalar(statement) or 0)
