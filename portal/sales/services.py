"""The invoice workflow: drafts, submission, validation and return, sending, credit notes,
payments and refunds, trusted entrepreneurs."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.errors import DomainError, refuse
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import excl_vat_part, from_cents, to_cents
from portal.sales import notifications
from portal.sales.models import (
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    OperationType,
    Payment,
    PaymentMethod,
    PricedLine,
    Refund,
)
from portal.sales.numbering import SERIES, issue_number
from portal.sales.parties import buyer_snapshot, seller_snapshot
from portal.sales.totals import MAX_AMOUNT, LineInput, Totals, check_lines
from portal.sync.models import ChangeOp
from portal.sync.services import record_change

DEFAULT_PAYMENT_DAYS = 30
# Code de commerce L441-10: at most 60 days from the issue date.
MAX_PAYMENT_DAYS = 60


# --- Drafts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceInput:
    customer: Customer
    issue_date: date
    due_date: date | None
    lines: list[LineInput]
    activity_id: int | None = None
    service_date: date | None = None
    operation_type: OperationType = OperationType.SERVICES
    purchase_order: str = ""
    notes: str = ""


def default_due_date(issue_date: date) -> date:
    return issue_date + timedelta(days=DEFAULT_PAYMENT_DAYS)


def priced_lines(line_class: type[PricedLine], lines: list[LineInput]) -> tuple[list, Totals]:
    """The lines a document may hold (`check_lines`' rules) as rows of `line_class`
    (an invoice's, a quote's), each priced to the cent, and their totals."""
    totals = check_lines(lines)
    rows = [
        line_class(
            position=position,
            description=line.description.strip()[:500],
            quantity=line.quantity,
            unit=line.unit,
            unit_price_cents=to_cents(line.unit_price),
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            net_cents=to_cents(net),
        )
        for position, (line, net) in enumerate(zip(lines, totals.line_nets, strict=True), 1)
    ]
    return rows, totals


def copied_lines(line_class: type[PricedLine], lines: list[PricedLine]) -> list:
    """Rows of `line_class` holding the same as `lines`: a credit note's, a duplicate's, the
    invoice of a whole quote."""
    return [
        line_class(
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_cents=line.unit_price_cents,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            net_cents=line.net_cents,
        )
        for line in lines
    ]


def check_parties(member: Member, customer: Customer, activity_id: int | None) -> None:
    """A document's customer and activity are its author's own."""
    if customer.member_id != member.id:
        raise DomainError(_l("Choose one of your customers."), field="customer_id")
    activity_ids = {activity.id for activity in member.activities}
    if activity_id is not None and activity_id not in activity_ids:
        raise DomainError(_l("Choose one of your activities."), field="activity_id")


@dataclass(frozen=True)
class DocumentKind:
    """What the drafts' workflow needs to know of a kind of document (an invoice, a quote):
    its model, its name in the change feed and the audit trail, its statuses, and the rules
    of its own input."""

    model: type
    name: str
    submitted: Enum
    returned: Enum
    validated: Enum
    # The date that ends its term (`due_date`, `valid_until`), kept as long after the issue
    # date when the document is issued.
    term_field: str
    # (document, member, input): the input's refusals, raised before anything changes; else
    # what `apply` sets. The document is a new one, not yet in the session, on a creation.
    check: Callable[[Any, Member, Any], Any]
    # (document, input, checked): the input set on the document.
    apply: Callable[[Any, Any, Any], None]


def create_draft(
    session: Session, kind: DocumentKind, member: Member, data, form_token: str | None = None
) -> tuple[Any, bool]:
    """A new draft. The form's one-time token makes a double submit return the draft the
    first submit created instead of a second one: `(document, created)`."""
    model = kind.model
    if form_token:
        existing = session.scalar(
            select(model).where(model.member_id == member.id, model.form_token == form_token)
        )
        if existing is not None:
            return existing, False
    document = model(member_id=member.id, form_token=form_token or None)
    kind.apply(document, data, kind.check(document, member, data))
    session.add(document)
    session.flush()
    record_change(session, kind.name, document.id)
    return document, True


def update_draft(session: Session, kind: DocumentKind, document, data):
    """Only a draft or a returned document changes; an issued one never does."""
    refuse(document.refusal_to_change())
    # Every refusal before the first change: the page that shows it commits what it holds.
    checked = kind.check(document, document.member, data)
    # The old lines go first, so the new ones can take their positions.
    document.lines = []
    session.flush()
    kind.apply(document, data, checked)
    session.flush()
    record_change(session, kind.name, document.id)
    return document


def discard_draft(session: Session, kind: DocumentKind, document) -> None:
    """A draft that was never issued may go; nothing validated is ever deleted."""
    refuse(document.refusal_to_delete())
    document_id = document.id
    session.delete(document)
    session.flush()
    record_change(session, kind.name, document_id, ChangeOp.DELETE)


def submit_draft(session: Session, kind: DocumentKind, document, now: datetime) -> None:
    """The entrepreneur hands a draft (or a returned document) to the support team."""
    refuse(document.refusal_to_submit())
    document.status = kind.submitted
    document.submitted_at = now
    document.return_comment = ""
    session.flush()
    record_change(session, kind.name, document.id)


def return_to_author(
    session: Session, kind: DocumentKind, document, by: Member, comment: str
) -> None:
    """Staff send a submitted document back with a comment saying what to fix."""
    comment = comment.strip()
    refuse(document.refusal_to_return(by))
    if not comment:
        raise DomainError(_l("Say what to correct."), field="comment")
    document.status = kind.returned
    document.return_comment = comment[:2000]
    session.flush()
    record_change(session, kind.name, document.id)
    record(
        session,
        f"{kind.name}_returned",
        actor=by,
        subject=document.member,
        target=f"{kind.name} {document.id}",
        detail=document.return_comment,
    )


def _checked(
    invoice: Invoice, member: Member, data: InvoiceInput
) -> tuple[date, list[InvoiceLine], Totals]:
    """The input's refusals, raised before anything changes; else its due date, its lines
    and their totals."""
    check_parties(member, data.customer, data.activity_id)
    due = data.due_date or default_due_date(data.issue_date)
    if due < data.issue_date:
        raise DomainError(_l("The due date cannot be before the issue date."), field="due_date")
    if (due - data.issue_date).days > MAX_PAYMENT_DAYS:
        raise DomainError(
            _l("The due date is at most %(days)d days after the issue date.", days=60),
            field="due_date",
        )
    lines, totals = priced_lines(InvoiceLine, data.lines)
    ceiling = invoice.origin.ceiling_incl_vat_cents if invoice.origin else None
    if ceiling is not None and to_cents(totals.incl_vat) > ceiling:
        raise DomainError(
            _l(
                "This invoice comes from a quote: it cannot go above the %(amount)s incl. VAT "
                "it was made for, or the quote would be invoiced beyond its total.",
                amount=money_text(ceiling, cents=True),
            )
        )
    return due, lines, totals


def _apply(invoice: Invoice, data: InvoiceInput, checked) -> None:
    due, invoice.lines, totals = checked
    invoice.customer = data.customer
    invoice.activity_id = data.activity_id
    invoice.issue_date = data.issue_date
    invoice.due_date = due
    invoice.service_date = data.service_date
    invoice.operation_type = data.operation_type
    invoice.purchase_order = data.purchase_order.strip()[:60]
    invoice.notes = data.notes.strip()[:5000]
    invoice.total_excl_vat_cents = to_cents(totals.excl_vat)
    invoice.vat_cents = to_cents(totals.vat)
    invoice.total_incl_vat_cents = to_cents(totals.incl_vat)
    if invoice.is_credit_note:
        invoice.due_date = invoice.issue_date


INVOICE = DocumentKind(
    model=Invoice,
    name="invoice",
    submitted=InvoiceStatus.SUBMITTED,
    returned=InvoiceStatus.RETURNED,
    validated=InvoiceStatus.VALIDATED,
    term_field="due_date",
    check=_checked,
    apply=_apply,
)


def create_invoice(
    session: Session, member: Member, data: InvoiceInput, form_token: str | None = None
) -> tuple[Invoice, bool]:
    return create_draft(session, INVOICE, member, data, form_token)


def update_invoice(session: Session, invoice: Invoice, data: InvoiceInput) -> Invoice:
    return update_draft(session, INVOICE, invoice, data)


def delete_draft(session: Session, invoice: Invoice) -> None:
    discard_draft(session, INVOICE, invoice)


def duplicate_invoice(session: Session, invoice: Invoice, member: Member, today: date) -> Invoice:
    """A new draft invoice with the same customer, lines and terms, dated today with the
    same payment term, whatever became of the original (a credit note is copied as an
    invoice: it is the invoice's content that is wanted again)."""
    if invoice.member_id != member.id:
        raise DomainError(_l("You cannot copy this invoice."))
    copy = Invoice(
        member_id=invoice.member_id,
        customer_id=invoice.customer_id,
        activity_id=invoice.activity_id,
        issue_date=today,
        due_date=today + max(invoice.due_date - invoice.issue_date, timedelta(0)),
        service_date=None,
        operation_type=invoice.operation_type,
        purchase_order=invoice.purchase_order,
        notes=invoice.notes,
        lines=copied_lines(InvoiceLine, invoice.lines),
        total_excl_vat_cents=invoice.total_excl_vat_cents,
        vat_cents=invoice.vat_cents,
        total_incl_vat_cents=invoice.total_incl_vat_cents,
    )
    session.add(copy)
    session.flush()
    record_change(session, "invoice", copy.id)
    return copy


def number_and_freeze(
    session: Session,
    kind: DocumentKind,
    document,
    by: Member,
    settings,
    series: str,
    pattern: str,
    today: date,
    now: datetime,
) -> None:
    """Issue the document: the next number of its series this year, dated today keeping its
    term so numbers and dates stay in the same order, frozen for ever with a snapshot of
    both parties. Nothing is flushed yet: the caller adds what is its kind's own."""
    seller, buyer = seller_snapshot(settings, document), buyer_snapshot(document.customer)
    sequence, number = issue_number(session, kind.model, series, today.year, pattern)
    # Number and status change together: the database refuses one without the other.
    term = getattr(document, kind.term_field) - document.issue_date
    document.issue_date = today
    setattr(document, kind.term_field, today + term)
    document.series, document.number_year, document.number_sequence = series, today.year, sequence
    document.number = number
    document.status = kind.validated
    document.seller, document.buyer = seller, buyer
    document.validated_at = now
    document.validated_by_id = by.id
    document.return_comment = ""
    if document.submitted_at is None:
        document.submitted_at = now


def record_validation(session: Session, kind: DocumentKind, document, by: Member) -> None:
    session.flush()
    record_change(session, kind.name, document.id)
    record(
        session,
        f"{kind.name}_validated",
        actor=by,
        subject=document.member,
        target=f"{kind.name} {document.number}",
        detail=f"{from_cents(document.total_incl_vat_cents):.2f} EUR",
    )


# --- Workflow ----------------------------------------------------------------------------


def submit_invoice(session: Session, invoice: Invoice, now: datetime) -> Invoice:
    submit_draft(session, INVOICE, invoice, now)
    notifications.invoice_submitted(session, invoice)
    return invoice


def return_invoice(
    session: Session, invoice: Invoice, by: Member, comment: str, now: datetime
) -> Invoice:
    return_to_author(session, INVOICE, invoice, by, comment)
    notifications.invoice_returned(session, invoice)
    return invoice


def validate_invoice(
    session: Session, invoice: Invoice, by: Member, today: date, now: datetime
) -> Invoice:
    """Issue the invoice: it gets the next number of its series for this year, is dated
    today (keeping its payment term) so numbers and dates stay in the same order, and is
    frozen for ever with a snapshot of both parties. A credit note cannot exceed what is
    left to credit on its invoice."""
    # Lock the row first: two staff clicking at once must not issue it twice.
    session.refresh(invoice, with_for_update=True)
    refuse(invoice.refusal_to_validate(by) or invoice.refusal_to_issue())
    from portal.coop.services import get_coop_settings

    settings = get_coop_settings(session)
    if not (settings.legal_name and settings.siren and settings.vat_number):
        raise DomainError(
            _l("The coop's name, SIREN and VAT number must be set before issuing invoices.")
        )
    if invoice.is_credit_note:
        original = invoice.credited_invoice
        session.refresh(original, with_for_update=True)
        if invoice.total_incl_vat_cents > original.total_incl_vat_cents - original.credited_cents:
            raise DomainError(_l("A credit note cannot exceed what is left of its invoice."))
    pattern = (
        settings.credit_note_number_pattern
        if invoice.is_credit_note
        else settings.invoice_number_pattern
    )
    number_and_freeze(
        session, INVOICE, invoice, by, settings, SERIES[invoice.kind], pattern, today, now
    )
    if invoice.is_credit_note:
        overpaid_before = _overpaid_cents(original)
        original.credited_cents += invoice.total_incl_vat_cents
        # Crediting money already received: the customer is owed it back.
        invoice.refund_due_cents = _overpaid_cents(original) - overpaid_before
        _settle(original)
        record_change(session, "invoice", original.id)
    record_validation(session, INVOICE, invoice, by)
    notifications.invoice_validated(session, invoice, by)
    return invoice


def validate_invoices(
    session: Session, invoices: list[Invoice], by: Member, today: date, now: datetime
) -> list[tuple[Invoice, str | None]]:
    """Validate several invoices in the caller's transaction, each exactly as one by one.
    One refused does not stop the others: its savepoint undoes whatever it began (the
    number it took included, so the series stays gapless), and its reason is returned
    beside it (None for those validated)."""
    outcome = []
    for invoice in invoices:
        try:
            with session.begin_nested():
                validate_invoice(session, invoice, by, today, now)
        except DomainError as refusal:
            outcome.append((invoice, str(refusal)))
        else:
            outcome.append((invoice, None))
    return outcome


def mark_sent(session: Session, invoice: Invoice, now: datetime) -> Invoice:
    """The entrepreneur says the validated invoice went to the customer."""
    refuse(invoice.refusal_to_send())
    invoice.status = InvoiceStatus.SENT
    invoice.sent_at = now
    session.flush()
    record_change(session, "invoice", invoice.id)
    return invoice


def _overpaid_cents(invoice: Invoice) -> int:
    return max(0, invoice.paid_cents + invoice.credited_cents - invoice.total_incl_vat_cents)


def _settle(invoice: Invoice) -> None:
    settled = invoice.paid_cents + invoice.credited_cents
    if settled >= invoice.total_incl_vat_cents:
        invoice.status = InvoiceStatus.PAID
    elif invoice.paid_cents > 0:
        invoice.status = InvoiceStatus.PARTLY_PAID


# --- Credit notes and payments ------------------------------------------------------------


def create_credit_note(
    session: Session, invoice: Invoice, today: date, form_token: str | None = None
) -> Invoice:
    """A draft credit note for what is left of an issued invoice, with its lines copied:
    submit it as is for a full credit, or lower the lines first for a partial one."""
    refuse(invoice.refusal_to_credit())
    if form_token:
        existing = session.scalar(
            select(Invoice).where(
                Invoice.member_id == invoice.member_id, Invoice.form_token == form_token
            )
        )
        if existing is not None:
            return existing
    credit = Invoice(
        member_id=invoice.member_id,
        kind=InvoiceKind.CREDIT_NOTE,
        credited_invoice=invoice,
        customer_id=invoice.customer_id,
        activity_id=invoice.activity_id,
        issue_date=today,
        due_date=today,
        service_date=invoice.service_date,
        operation_type=invoice.operation_type,
        purchase_order=invoice.purchase_order,
        form_token=form_token or None,
        lines=copied_lines(InvoiceLine, invoice.lines),
        total_excl_vat_cents=invoice.total_excl_vat_cents,
        vat_cents=invoice.vat_cents,
        total_incl_vat_cents=invoice.total_incl_vat_cents,
    )
    session.add(credit)
    session.flush()
    record_change(session, "invoice", credit.id)
    return credit


def amount_cents(amount: Decimal | None) -> int:
    """A payment's or a refund's amount in cents, or the reason it is not one."""
    if amount is None or amount <= 0:
        raise DomainError(_l("Enter an amount above zero."), field="amount")
    if amount > MAX_AMOUNT:
        raise DomainError(_l("This amount is too large (10 M€ at most)."), field="amount")
    cents = to_cents(amount)
    if cents == 0:  # under half a cent: nothing to record
        raise DomainError(_l("Enter an amount above zero."), field="amount")
    return cents


def record_payment(
    session: Session,
    invoice: Invoice,
    amount: Decimal,
    on: date,
    by: Member | None,
    reference: str = "",
    method: PaymentMethod = PaymentMethod.TRANSFER,
) -> Payment:
    """Money received for an issued invoice, by one of the known methods, never more than
    is outstanding; the status follows (partly paid, paid). Staff and the back-office sync
    both call this."""
    session.refresh(invoice, with_for_update=True)
    refuse(invoice.refusal_to_pay())
    cents = amount_cents(amount)
    if not isinstance(method, PaymentMethod):
        raise DomainError(_l("Choose how the customer paid."), field="method")
    if cents > invoice.outstanding_cents:
        raise DomainError(
            _l(
                "This is more than the %(amount)s still due.",
                amount=money_text(invoice.outstanding_cents, cents=True),
            ),
            field="amount",
        )
    excl, incl, paid = (
        invoice.total_excl_vat_cents,
        invoice.total_incl_vat_cents,
        invoice.paid_cents,
    )
    payment = Payment(
        invoice=invoice,
        amount_cents=cents,
        amount_excl_vat_cents=excl_vat_part(paid + cents, excl, incl)
        - excl_vat_part(paid, excl, incl),
        received_on=on,
        method=method,
        reference=(reference or "").strip()[:100],
        recorded_by_id=by.id if by else None,
    )
    session.add(payment)
    invoice.paid_cents += cents
    _settle(invoice)
    session.flush()
    record_change(session, "payment", payment.id)
    record_change(session, "invoice", invoice.id)
    record(
        session,
        "payment_recorded",
        actor=by,
        actor_label="" if by else "API",
        subject=invoice.member,
        target=f"invoice {invoice.number}",
        detail=f"{from_cents(cents):.2f} EUR, {method.value}",
    )
    if invoice.status is InvoiceStatus.PAID:
        notifications.invoice_paid(session, invoice)
    return payment


def record_refund(
    session: Session,
    credit_note: Invoice,
    amount: Decimal,
    on: date,
    by: Member | None,
    today: date,
    reference: str = "",
    method: PaymentMethod = PaymentMethod.TRANSFER,
) -> Refund:
    """Money paid back to the customer on a credit note of an invoice they had paid, never
    more than is still owed to them, on or after the credit note's date and not after
    today. The refund left the margin when the credit note was issued: this settles the
    debt. Staff and the back-office sync both call this."""
    session.refresh(credit_note, with_for_update=True)
    refuse(credit_note.refusal_to_refund())
    cents = amount_cents(amount)
    if not isinstance(method, PaymentMethod):
        raise DomainError(_l("Choose how the customer was paid back."), field="method")
    if not isinstance(on, date):
        raise DomainError(_l("Enter the date of the refund."), field="date")
    if on < credit_note.issue_date or on > today:
        raise DomainError(
            _l("A refund is dated between its credit note's date and today."), field="date"
        )
    if cents > credit_note.refund_owed_cents:
        owed = money_text(credit_note.refund_owed_cents, cents=True)
        raise DomainError(
            _l("This is more than the %(amount)s owed to the customer.", amount=owed),
            field="amount",
        )
    refund = Refund(
        credit_note=credit_note,
        amount_cents=cents,
        paid_on=on,
        method=method,
        reference=(reference or "").strip()[:100],
        recorded_by_id=by.id if by else None,
    )
    session.add(refund)
    credit_note.refunded_cents += cents
    session.flush()
    record_change(session, "refund", refund.id)
    record_change(session, "invoice", credit_note.id)
    notifications.credit_note_refunded(session, credit_note, cents)
    return refund


def set_trusted(session: Session, member: Member, trusted: bool, by: Member) -> Member:
    """Staff let an entrepreneur validate their own invoices, or take it back."""
    if not by.is_staff:
        raise DomainError(_l("Only the support team decides this."))
    if not member.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs issue invoices."))
    if member.trusted_invoicing != trusted:
        detail = "validates own invoices" if trusted else "invoices validated by the team"
        record(session, "status_changed", actor=by, subject=member, detail=detail)
    member.trusted_invoicing = trusted
    session.flush()
    record_change(session, "member", member.id)
    return member
