"""Sales rules: totals to the cent, the invoice workflow, legal numbering, credit notes,
payments, and the lists entrepreneurs and staff work from."""

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.audit.services import record
from portal.coop.models import CoopSettings
from portal.db import Page
from portal.errors import DomainError
from portal.formats import money_text
from portal.i18n import lazy_gettext as _l
from portal.identifiers import compact, is_valid_siren, is_valid_siret, is_valid_vat_number
from portal.members.models import Member
from portal.money import MAX_AMOUNT_CENTS, excl_vat_part, from_cents, round_cents, to_cents
from portal.sales.models import (
    Customer,
    CustomerKind,
    Invoice,
    InvoiceBalance,
    InvoiceCounter,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    OperationType,
    Payment,
    PaymentMethod,
    Refund,
)
from portal.sync.services import record_change

# The French rates (standard, intermediate, reduced, special) and 0 for exempt operations.
VAT_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0"))
# UN/ECE recommendation 20 codes, as Factur-X wants them.
UNITS = {
    "C62": _l("unit"),
    "HUR": _l("hour"),
    "DAY": _l("day"),
    "MON": _l("month"),
    "LS": _l("lump sum"),
    "KGM": _l("kg"),
    "MTR": _l("metre"),
}
MAX_LINES = 200
MAX_AMOUNT = from_cents(MAX_AMOUNT_CENTS)  # above that, a typo, not an invoice
MAX_QUANTITY = Decimal("1000000")
DEFAULT_PAYMENT_DAYS = 30
# Code de commerce L441-10: at most 60 days from the issue date.
MAX_PAYMENT_DAYS = 60
SERIES = {InvoiceKind.INVOICE: "invoice", InvoiceKind.CREDIT_NOTE: "credit_note"}
_NUMBER_CHARACTERS = re.compile(r"^[A-Za-z0-9\-+_/]{1,35}$")


# --- Totals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    unit: str = "C62"
    discount_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class VatLine:
    rate: Decimal
    base: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Totals:
    line_nets: list[Decimal]
    vat_breakdown: list[VatLine]
    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


def line_net(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity × unit price × (1 − discount), rounded half-up to the cent, once."""
    return round_cents(quantity * unit_price * (100 - discount_percent) / 100)


def compute_totals(lines: list[LineInput]) -> Totals:
    """The rounding rule: each line is rounded to the cent; lines are summed per VAT rate;
    the VAT of each rate is that sum × rate, rounded to the cent; the invoice's VAT is the
    sum of those. This is EN 16931's rule, so the Factur-X totals reconcile exactly."""
    nets = [line_net(ln.quantity, ln.unit_price, ln.discount_percent) for ln in lines]
    bases: dict[Decimal, Decimal] = {}
    for line, net in zip(lines, nets, strict=True):
        bases[line.vat_rate] = bases.get(line.vat_rate, Decimal(0)) + net
    breakdown = [
        VatLine(rate, base, round_cents(base * rate / 100))
        for rate, base in sorted(bases.items(), reverse=True)
    ]
    excl = sum(nets, Decimal(0))
    vat = sum((line.vat for line in breakdown), Decimal(0))
    return Totals(nets, breakdown, excl, vat, excl + vat)


# What a line may hold, each rule with its refusal, in the order they are told; the preview
# applies the rules on its numbers too (`for_numbers`), the text waits for the saving.
_LINE_RULES = (
    (lambda line: not line.description.strip(), _l("Each line needs a description."), False),
    (
        lambda line: line.quantity < 0 or line.unit_price < 0,
        _l("Quantities and prices cannot be negative: issue a credit note instead."),
        True,
    ),
    (
        lambda line: line.quantity > MAX_QUANTITY or line.unit_price > MAX_AMOUNT,
        _l("This amount is too large (10 M€ at most)."),
        True,
    ),
    (lambda line: line.vat_rate not in VAT_RATES, _l("Choose a VAT rate from the list."), True),
    (lambda line: line.unit not in UNITS, _l("Choose a unit from the list."), False),
    (
        lambda line: not 0 <= line.discount_percent <= 100,
        _l("A discount is between 0 and 100 percent."),
        True,
    ),
)


def preview_totals(lines: list[LineInput]) -> Totals:
    """Totals of the lines typed so far: a line `check_lines` would refuse for its numbers
    (a VAT rate outside the list, a discount outside 0-100 %, a negative or too large
    quantity or price) counts as nothing until it is corrected. A number of 27 digits would
    not even round to the cent."""
    countable = [
        line
        for line in lines
        if not any(broken(line) for broken, _, for_numbers in _LINE_RULES if for_numbers)
    ]
    return compute_totals(countable)


def check_lines(lines: list[LineInput]) -> Totals:
    """Lines an invoice may hold, and their totals; DomainError otherwise."""
    if not lines:
        raise DomainError(_l("Add at least one line."), field="lines")
    if len(lines) > MAX_LINES:
        raise DomainError(_l("An invoice has at most %(n)d lines.", n=MAX_LINES), field="lines")
    for line in lines:
        for broken, refusal, _ in _LINE_RULES:
            if broken(line):
                raise DomainError(refusal, field="lines")
    totals = compute_totals(lines)
    if totals.incl_vat > MAX_AMOUNT:
        raise DomainError(_l("This amount is too large (10 M€ at most)."), field="lines")
    return totals


# --- Customers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerInput:
    name: str
    kind: CustomerKind = CustomerKind.COMPANY
    address: str = ""
    postcode: str = ""
    city: str = ""
    country_code: str = "FR"
    email: str = ""
    siren: str = ""
    siret: str = ""
    vat_number: str = ""


def _checked_customer(data: CustomerInput) -> dict:
    name = data.name.strip()
    if not name:
        raise DomainError(_l("Enter the customer's name."), field="name")
    siren, siret, vat = compact(data.siren), compact(data.siret), compact(data.vat_number)
    if siren and not is_valid_siren(siren):
        raise DomainError(_l("A SIREN has 9 digits with a valid check digit."), field="siren")
    if siret and not is_valid_siret(siret):
        raise DomainError(_l("A SIRET has 14 digits with a valid check digit."), field="siret")
    if siret and not siren:
        siren = siret[:9]
    if siret and not siret.startswith(siren):
        raise DomainError(_l("The SIRET must start with the SIREN."), field="siret")
    if vat and not is_valid_vat_number(vat):
        raise DomainError(
            _l("This VAT number is not valid (for France: FR, 2-digit key, SIREN)."),
            field="vat_number",
        )
    country = (data.country_code or "FR").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise DomainError(_l("Enter a two-letter country code, for example FR."), field="country")
    return dict(
        name=name[:200],
        kind=data.kind,
        address=data.address.strip()[:300],
        postcode=data.postcode.strip()[:10],
        city=data.city.strip()[:100],
        country_code=country,
        email=data.email.strip()[:254],
        siren=siren,
        siret=siret,
        vat_number=vat,
    )


def create_customer(session: Session, member: Member, data: CustomerInput) -> Customer:
    customer = Customer(member_id=member.id, **_checked_customer(data))
    session.add(customer)
    session.flush()
    record_change(session, "customer", customer.id)
    return customer


def quick_create_customer(session: Session, member: Member, data: CustomerInput) -> Customer:
    """A customer created from the invoice form. The same name and SIREN again (a second
    tap on a slow connection) give the customer the first tap created, not a twin."""
    checked = _checked_customer(data)
    existing = session.scalar(
        select(Customer).where(
            Customer.member_id == member.id,
            Customer.name == checked["name"],
            Customer.siren == checked["siren"],
        )
    )
    return existing or create_customer(session, member, data)


def update_customer(session: Session, customer: Customer, data: CustomerInput) -> Customer:
    """Editing a customer never changes an issued invoice: those keep a snapshot."""
    for name, value in _checked_customer(data).items():
        setattr(customer, name, value)
    session.flush()
    record_change(session, "customer", customer.id)
    return customer


def search_customers(session: Session, member_id: int, query: str = "", limit: int = 50):
    statement = select(Customer).where(Customer.member_id == member_id)
    query = query.strip()
    if query:
        pattern = "%" + query.replace("\\", "").replace("%", "").replace("_", "") + "%"
        statement = statement.where(
            func.lower(Customer.name).like(pattern.lower())
            | Customer.siren.like(pattern)
            | func.lower(Customer.city).like(pattern.lower())
        )
    return list(session.scalars(statement.order_by(Customer.name).limit(limit)))


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


def _apply(invoice: Invoice, member: Member, data: InvoiceInput) -> None:
    if data.customer.member_id != member.id:
        raise DomainError(_l("Choose one of your customers."), field="customer_id")
    activity_ids = {activity.id for activity in member.activities}
    if data.activity_id is not None and data.activity_id not in activity_ids:
        raise DomainError(_l("Choose one of your activities."), field="activity_id")
    due = data.due_date or default_due_date(data.issue_date)
    if due < data.issue_date:
        raise DomainError(_l("The due date cannot be before the issue date."), field="due_date")
    if (due - data.issue_date).days > MAX_PAYMENT_DAYS:
        raise DomainError(
            _l("The due date is at most %(days)d days after the issue date.", days=60),
            field="due_date",
        )
    totals = check_lines(data.lines)
    invoice.customer = data.customer
    invoice.activity_id = data.activity_id
    invoice.issue_date = data.issue_date
    invoice.due_date = due
    invoice.service_date = data.service_date
    invoice.operation_type = data.operation_type
    invoice.purchase_order = data.purchase_order.strip()[:60]
    invoice.notes = data.notes.strip()[:5000]
    invoice.lines = [
        InvoiceLine(
            position=position,
            description=line.description.strip()[:500],
            quantity=line.quantity,
            unit=line.unit,
            unit_price_cents=to_cents(line.unit_price),
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            net_cents=to_cents(net),
        )
        for position, (line, net) in enumerate(zip(data.lines, totals.line_nets, strict=True), 1)
    ]
    invoice.total_excl_vat_cents = to_cents(totals.excl_vat)
    invoice.vat_cents = to_cents(totals.vat)
    invoice.total_incl_vat_cents = to_cents(totals.incl_vat)


def create_invoice(
    session: Session, member: Member, data: InvoiceInput, form_token: str | None = None
) -> tuple[Invoice, bool]:
    """A new draft. The form's one-time token makes a double submit return the draft the
    first submit created instead of a second one: `(invoice, created)`."""
    if form_token:
        existing = session.scalar(
            select(Invoice).where(Invoice.member_id == member.id, Invoice.form_token == form_token)
        )
        if existing is not None:
            return existing, False
    invoice = Invoice(member_id=member.id, form_token=form_token or None)
    _apply(invoice, member, data)
    session.add(invoice)
    session.flush()
    record_change(session, "invoice", invoice.id)
    return invoice, True


def update_invoice(session: Session, invoice: Invoice, data: InvoiceInput) -> Invoice:
    """Only a draft or a returned invoice changes; an issued one never does."""
    _require_editable(invoice)
    # The old lines go first, so the new ones can take their positions.
    invoice.lines = []
    session.flush()
    _apply(invoice, invoice.member, data)
    if invoice.is_credit_note:
        invoice.due_date = invoice.issue_date
    session.flush()
    record_change(session, "invoice", invoice.id)
    return invoice


def _require_editable(invoice: Invoice) -> None:
    if not invoice.status.is_editable:
        raise DomainError(_l("This invoice can no longer be changed."))


def delete_draft(session: Session, invoice: Invoice) -> None:
    """A draft that was never issued may go; nothing validated is ever deleted."""
    _require_editable(invoice)
    invoice_id = invoice.id
    session.delete(invoice)
    session.flush()
    from portal.sync.models import ChangeOp

    record_change(session, "invoice", invoice_id, ChangeOp.DELETE)


# --- Workflow ----------------------------------------------------------------------------


def _check_ready(invoice: Invoice) -> None:
    if not invoice.lines or invoice.total_excl_vat_cents <= 0:
        raise DomainError(_l("An invoice needs at least one line with an amount."))
    customer = invoice.customer
    if (
        customer.kind is CustomerKind.COMPANY
        and customer.country_code == "FR"
        and not customer.siren
    ):
        raise DomainError(
            _l("Add the customer's SIREN: it is mandatory on invoices to French companies.")
        )


def submit_invoice(session: Session, invoice: Invoice, now: datetime) -> Invoice:
    """The entrepreneur hands a draft (or a returned invoice) to the support team."""
    _require_editable(invoice)
    _check_ready(invoice)
    invoice.status = InvoiceStatus.SUBMITTED
    invoice.submitted_at = now
    invoice.return_comment = ""
    session.flush()
    record_change(session, "invoice", invoice.id)
    return invoice


def can_validate(invoice: Invoice, by: Member) -> bool:
    """Staff validate submitted invoices; a trusted entrepreneur validates their own."""
    if by.is_staff:
        return invoice.status is InvoiceStatus.SUBMITTED
    return (
        by.id == invoice.member_id
        and invoice.member.trusted_invoicing
        and (invoice.status.is_editable or invoice.status is InvoiceStatus.SUBMITTED)
    )


def return_invoice(
    session: Session, invoice: Invoice, by: Member, comment: str, now: datetime
) -> Invoice:
    """Staff send a submitted invoice back with a comment saying what to fix."""
    comment = comment.strip()
    if not by.is_staff:
        raise DomainError(_l("Only the support team returns invoices."))
    if invoice.status is not InvoiceStatus.SUBMITTED:
        raise DomainError(_l("Only an invoice awaiting validation can be returned."))
    if not comment:
        raise DomainError(_l("Say what to correct."), field="comment")
    invoice.status = InvoiceStatus.RETURNED
    invoice.return_comment = comment[:2000]
    session.flush()
    record_change(session, "invoice", invoice.id)
    record(
        session,
        "invoice_returned",
        actor=by,
        subject=invoice.member,
        target=f"invoice {invoice.id}",
        detail=invoice.return_comment,
    )
    return invoice


def format_number(pattern: str, year: int, number: int) -> str:
    return pattern.format(year=year, number=number)


def check_number_pattern(pattern: str, field: str = "invoice_number_pattern") -> None:
    """`{number}` and `{year}` both required (the count restarts each year, so the year keeps
    numbers unique), nothing else, and a result that e-invoicing accepts (35 characters at
    most, letters, digits and - + _ /)."""
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name}
        sample = format_number(pattern, 2026, 99999)
    except (ValueError, KeyError, IndexError):
        names, sample = set(), ""
    if names != {"year", "number"}:
        raise DomainError(
            _l("The pattern needs {year} and {number}, for example F{year}-{number:05}."),
            field=field,
        )
    if not _NUMBER_CHARACTERS.match(sample):
        raise DomainError(
            _l("A number has at most 35 letters, digits, and - + _ / characters."),
            field=field,
        )


def check_number_patterns(invoice_pattern: str, credit_note_pattern: str) -> None:
    """Both patterns are valid, and their fixed starts differ without one starting the other
    (F… and A…), so an invoice number can never equal a credit note's."""
    check_number_pattern(invoice_pattern, "invoice_number_pattern")
    check_number_pattern(credit_note_pattern, "credit_note_number_pattern")
    starts = [pattern.split("{", 1)[0] for pattern in (invoice_pattern, credit_note_pattern)]
    if not all(starts) or starts[0].startswith(starts[1]) or starts[1].startswith(starts[0]):
        raise DomainError(
            _l(
                "Invoices and credit notes need numbers that start differently, "
                "for example F{year}-{number:05} and A{year}-{number:05}."
            ),
            field="credit_note_number_pattern",
        )


def take_next_number(session: Session, series: str, year: int) -> int:
    """The next number of a series and year, counted in the database in the caller's
    transaction. The upsert locks the counter row until commit, so concurrent validations
    queue on it (PostgreSQL's row lock; SQLite's single writer), and a rollback returns the
    number: no gaps, no duplicates. The unique constraint on invoices backs it up."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = InvoiceCounter.__table__
    statement = (
        insert(table)
        .values(series=series, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.series, table.c.year],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
    return session.execute(statement).scalar_one()


def _seller_snapshot(settings: CoopSettings, invoice: Invoice) -> dict:
    lines = [line.strip() for line in settings.address.splitlines() if line.strip()]
    postcode, city, street = "", "", lines
    if lines:
        match = re.match(r"^(\d{5})\s+(.+)$", lines[-1])
        if match:
            postcode, city, street = match.group(1), match.group(2), lines[:-1]
    return dict(
        name=settings.legal_name,
        legal_form=settings.legal_form,
        share_capital_cents=settings.share_capital_cents,
        address=", ".join(street),
        postcode=postcode,
        city=city,
        country_code="FR",
        siren=settings.siren,
        siret=settings.siret,
        vat_number=settings.vat_number,
        rcs=settings.rcs,
        iban=settings.iban,
        bic=settings.bic,
        late_penalty_terms=settings.late_penalty_terms,
        early_payment_terms=settings.early_payment_terms,
        vat_on_debits=settings.vat_on_debits,
        entrepreneur=invoice.member.full_name,
        activity=invoice.activity.name if invoice.activity else "",
    )


def _buyer_snapshot(customer: Customer) -> dict:
    return dict(
        name=customer.name,
        kind=customer.kind.value,
        address=customer.address,
        postcode=customer.postcode,
        city=customer.city,
        country_code=customer.country_code,
        email=customer.email,
        siren=customer.siren,
        siret=customer.siret,
        vat_number=customer.vat_number,
    )


def document_parties(invoice: Invoice, settings: CoopSettings) -> tuple[dict, dict]:
    """Seller and buyer as printed: the snapshot once issued, the live data on a draft."""
    seller = invoice.seller or _seller_snapshot(settings, invoice)
    buyer = invoice.buyer or _buyer_snapshot(invoice.customer)
    return seller, buyer


def validation_refusal(invoice: Invoice, by: Member):
    """Why `by` cannot validate the invoice as it stands, or None: what a list asking "validate
    these?" says of each before anything is done (the coop's settings and numbering are
    checked on validation itself)."""
    if not can_validate(invoice, by):
        if invoice.status.is_issued:
            return _l("This invoice is already validated.")
        return _l("You cannot validate this invoice.")
    try:
        _check_ready(invoice)
    except DomainError as refusal:
        return refusal.message
    return None


def validate_invoice(
    session: Session, invoice: Invoice, by: Member, today: date, now: datetime
) -> Invoice:
    """Issue the invoice: it gets the next number of its series for this year, is dated
    today (keeping its payment term) so numbers and dates stay in the same order, and is
    frozen for ever with a snapshot of both parties. A credit note cannot exceed what is
    left to credit on its invoice."""
    # Lock the row first: two staff clicking at once must not issue it twice.
    session.refresh(invoice, with_for_update=True)
    if refusal := validation_refusal(invoice, by):
        raise DomainError(refusal)
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
    seller, buyer = _seller_snapshot(settings, invoice), _buyer_snapshot(invoice.customer)
    series = SERIES[invoice.kind]
    sequence = take_next_number(session, series, today.year)
    # Number and status change together: the database refuses one without the other.
    term = invoice.due_date - invoice.issue_date
    invoice.issue_date = today
    invoice.due_date = today + term
    invoice.series, invoice.number_year, invoice.number_sequence = series, today.year, sequence
    number = format_number(pattern, today.year, sequence)
    if session.scalar(select(Invoice.id).where(Invoice.number == number)) is not None:
        # Only after a pattern change that brings back numbers already issued. The caller
        # may still commit, so the number goes back to the counter, whose row this
        # transaction holds: no gap, and no failure on the unique index.
        session.execute(
            update(InvoiceCounter)
            .where(InvoiceCounter.series == series, InvoiceCounter.year == today.year)
            .values(last_number=InvoiceCounter.last_number - 1)
        )
        raise DomainError(
            _l("The number %(number)s is already used: change the number pattern.", number=number)
        )
    invoice.number = number
    invoice.status = InvoiceStatus.VALIDATED
    invoice.seller, invoice.buyer = seller, buyer
    invoice.validated_at = now
    invoice.validated_by_id = by.id
    invoice.return_comment = ""
    if invoice.submitted_at is None:
        invoice.submitted_at = now
    if invoice.is_credit_note:
        overpaid_before = _overpaid_cents(original)
        original.credited_cents += invoice.total_incl_vat_cents
        # Crediting money already received: the customer is owed it back.
        invoice.refund_due_cents = _overpaid_cents(original) - overpaid_before
        _settle(original)
        record_change(session, "invoice", original.id)
    session.flush()
    record_change(session, "invoice", invoice.id)
    record(
        session,
        "invoice_validated",
        actor=by,
        subject=invoice.member,
        target=f"invoice {invoice.number}",
        detail=f"{from_cents(invoice.total_incl_vat_cents):.2f} EUR",
    )
    return invoice


def invoices_to_validate(session: Session, ids: list[int]) -> list[Invoice]:
    """The invoices with these ids, in the queue's order (first submitted, first numbered)."""
    return list(
        session.scalars(
            select(Invoice)
            .options(joinedload(Invoice.customer), joinedload(Invoice.member))
            .where(Invoice.id.in_(ids))
            .order_by(Invoice.submitted_at, Invoice.id)
        )
    )


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
    if invoice.status is not InvoiceStatus.VALIDATED:
        raise DomainError(_l("Only a validated invoice can be marked as sent."))
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
    if invoice.is_credit_note or not invoice.status.is_issued:
        raise DomainError(_l("Only a validated invoice can be credited."))
    if invoice.total_incl_vat_cents - invoice.credited_cents <= 0:
        raise DomainError(_l("This invoice is already fully credited."))
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
        lines=[
            InvoiceLine(
                position=line.position,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price_cents=line.unit_price_cents,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                net_cents=line.net_cents,
            )
            for line in invoice.lines
        ],
        total_excl_vat_cents=invoice.total_excl_vat_cents,
        vat_cents=invoice.vat_cents,
        total_incl_vat_cents=invoice.total_incl_vat_cents,
    )
    session.add(credit)
    session.flush()
    record_change(session, "invoice", credit.id)
    return credit


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
    if invoice.is_credit_note or not invoice.status.is_issued:
        raise DomainError(_l("Payments are recorded on validated invoices only."))
    if amount is None or amount <= 0:
        raise DomainError(_l("Enter an amount above zero."), field="amount")
    if amount > MAX_AMOUNT:
        raise DomainError(_l("This amount is too large (10 M€ at most)."), field="amount")
    if not isinstance(method, PaymentMethod):
        raise DomainError(_l("Choose how the customer paid."), field="method")
    cents = to_cents(amount)
    if cents == 0:  # under half a cent: nothing to record
        raise DomainError(_l("Enter an amount above zero."), field="amount")
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
    if not credit_note.is_credit_note or not credit_note.status.is_issued:
        raise DomainError(_l("Refunds are recorded on validated credit notes only."))
    if credit_note.refund_owed_cents <= 0:
        raise DomainError(_l("Nothing is owed back to the customer on this credit note."))
    if amount is None or amount <= 0:
        raise DomainError(_l("Enter an amount above zero."), field="amount")
    if amount > MAX_AMOUNT:
        raise DomainError(_l("This amount is too large (10 M€ at most)."), field="amount")
    if not isinstance(method, PaymentMethod):
        raise DomainError(_l("Choose how the customer was paid back."), field="method")
    if not isinstance(on, date):
        raise DomainError(_l("Enter the date of the refund."), field="date")
    if on < credit_note.issue_date or on > today:
        raise DomainError(
            _l("A refund is dated between its credit note's date and today."), field="date"
        )
    cents = to_cents(amount)
    if cents == 0:
        raise DomainError(_l("Enter an amount above zero."), field="amount")
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


# --- Lists -------------------------------------------------------------------------------

OVERDUE = "overdue"
PAGE_SIZE = 25


@dataclass(frozen=True)
class InvoiceFilters:
    status: str = ""  # an InvoiceStatus value, "overdue", or "" for all
    date_from: date | None = None
    date_to: date | None = None
    member_id: int | None = None  # staff: one entrepreneur
    query: str = ""


def _filtered(statement, filters: InvoiceFilters, today: date, customer_joined: bool = False):
    if filters.member_id is not None:
        statement = statement.where(Invoice.member_id == filters.member_id)
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
