import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.members.models import Activity, Member


class CustomerKind(LabelledEnum):
    COMPANY = "company", _l("Company")
    INDIVIDUAL = "individual", _l("Individual")


class Customer(Base):
    """Someone an entrepreneur invoices. Belongs to one entrepreneur."""

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_member_name", "member_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[CustomerKind] = mapped_column(
        str_enum(CustomerKind, "customer_kind"), default=CustomerKind.COMPANY
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="FR")
    email: Mapped[str] = mapped_column(String(254), default="")
    siren: Mapped[str] = mapped_column(String(9), default="")
    siret: Mapped[str] = mapped_column(String(14), default="")
    vat_number: Mapped[str] = mapped_column(String(14), default="")
    # Where its e-invoices go (BT-49, scheme 0225 of the French directory); empty: its SIREN.
    # A server default only: inserts written for older schemas (migration tests) omit it.
    einvoicing_address: Mapped[str] = mapped_column(String(125), server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()

    @property
    def is_business(self) -> bool:
        return self.kind is CustomerKind.COMPANY


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Awaiting validation")
    RETURNED = "returned", _l("Returned")
    VALIDATED = "validated", _l("Validated")
    SENT = "sent", _l("Sent")
    PARTLY_PAID = "partly_paid", _l("Partly paid")
    PAID = "paid", _l("Paid")

    @property
    def is_editable(self) -> bool:
        return self in (InvoiceStatus.DRAFT, InvoiceStatus.RETURNED)

    @property
    def is_issued(self) -> bool:
        """Validated: numbered, legally issued, frozen for ever."""
        return self in ISSUED_STATUSES


ISSUED_STATUSES = (
    InvoiceStatus.VALIDATED,
    InvoiceStatus.SENT,
    InvoiceStatus.PARTLY_PAID,
    InvoiceStatus.PAID,
)


class OperationType(LabelledEnum):
    """Nature of the operation, a mandatory mention (BT-23 in Factur-X)."""

    SERVICES = "services", _l("Services")
    GOODS = "goods", _l("Goods")
    MIXED = "mixed", _l("Goods and services")


def may_validate(document, by: Member, submitted) -> bool:
    """The coop's validation rule, for invoices and quotes alike: the support team validates
    what was submitted to them; an entrepreneur trusted with their invoices validates their
    own documents, submitted or not."""
    if by.is_staff:
        return document.status is submitted
    return (
        by.id == document.member_id
        and document.member.trusted_invoicing
        and (document.status.is_editable or document.status is submitted)
    )


def lacks_siren(customer: "Customer") -> bool:
    """A French company is named by its SIREN on the coop's documents."""
    return (
        customer.kind is CustomerKind.COMPANY
        and customer.country_code == "FR"
        and not customer.siren
    )


class DraftRefusals:
    """The refusals an invoice's and a quote's drafts share, from each one's own
    `refusal_to_change` and `refusal_to_issue`."""

    def refusal_to_delete(self) -> Refusal:
        """A draft that was never issued may go; nothing validated is ever deleted."""
        return self.refusal_to_change()

    def refusal_to_submit(self) -> Refusal:
        return self.refusal_to_change() or self.refusal_to_issue()


def outstanding_cents_for(
    status: InvoiceStatus, kind: InvoiceKind, total_incl_vat: int, paid: int, credited: int
) -> int:
    """What the customer still owes: nothing before validation, nothing on a credit note."""
    if not status.is_issued or kind is InvoiceKind.CREDIT_NOTE:
        return 0
    return max(0, total_incl_vat - paid - credited)


class InvoiceBalance:
    """What is left to pay on an invoice and whether it is late, from a few of its columns:
    shared by the ORM object and the rows of a list, which read those columns alone."""

    kind: InvoiceKind
    status: InvoiceStatus
    due_date: date
    total_incl_vat_cents: int
    paid_cents: int
    credited_cents: int
    refund_due_cents: int
    refunded_cents: int

    @property
    def is_credit_note(self) -> bool:
        return self.kind is InvoiceKind.CREDIT_NOTE

    @property
    def outstanding_cents(self) -> int:
        return outstanding_cents_for(
            self.status, self.kind, self.total_incl_vat_cents, self.paid_cents, self.credited_cents
        )

    @property
    def refund_owed_cents(self) -> int:
        """What is still to pay back to the customer on a credit note of money received."""
        return self.refund_due_cents - self.refunded_cents

    def is_overdue(self, today: date) -> bool:
        return self.outstanding_cents > 0 and self.due_date < today


class Invoice(InvoiceBalance, DraftRefusals, Base):
    """An invoice or a credit note (avoir). Amounts are positive in both; the kind says which.

    Once validated it has a number and never changes again: corrections are credit notes.
    `seller` and `buyer` are snapshots taken at validation, so the document reprints the
    same even if the coop moves or the customer is edited."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("series", "number_year", "number_sequence", name="uq_invoices_number"),
        UniqueConstraint("number", name="uq_invoices_number_text"),
        UniqueConstraint("member_id", "form_token", name="uq_invoices_member_form_token"),
        Index("ix_invoices_member_id_desc", "member_id", "id"),
        Index("ix_invoices_status_submitted", "status", "submitted_at"),
        CheckConstraint(
            "(number IS NULL) = (status IN ('draft', 'submitted', 'returned'))",
            name="numbered_when_issued",
        ),
        CheckConstraint("due_date >= issue_date", name="due_after_issue"),
        CheckConstraint(
            "total_excl_vat_cents >= 0 AND vat_cents >= 0 AND paid_cents >= 0",
            name="amounts_positive",
        ),
        CheckConstraint(
            "(kind = 'credit_note') = (credited_invoice_id IS NOT NULL)",
            name="credit_note_references_invoice",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="RESTRICT"))
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activities.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[InvoiceKind] = mapped_column(
        str_enum(InvoiceKind, "invoice_kind"), default=InvoiceKind.INVOICE
    )
    status: Mapped[InvoiceStatus] = mapped_column(
        str_enum(InvoiceStatus, "invoice_status"), default=InvoiceStatus.DRAFT
    )
    credited_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    # The quote it invoices (all of it, a deposit, or its balance), if it comes from one.
    # Legal number, assigned at validation: series ("invoice" / "credit_note"), year, rank.
    series: Mapped[str | None] = mapped_column(String(20))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(35))

    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    service_date: Mapped[date | None] = mapped_column(Date)
    operation_type: Mapped[OperationType] = mapped_column(
        str_enum(OperationType, "operation_type"), default=OperationType.SERVICES
    )
    purchase_order: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    total_excl_vat_cents: Mapped[int] = mapped_column(Integer, default=0)
    vat_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_incl_vat_cents: Mapped[int] = mapped_column(Integer, default=0)
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    credited_cents: Mapped[int] = mapped_column(Integer, default=0)
    # A credit note on money already received: what goes back to the customer (fixed when
    # it is issued, it leaves the margin then) and what has been paid back so far.
    refund_due_cents: Mapped[int] = mapped_column(Integer, server_default="0")
    refunded_cents: Mapped[int] = mapped_column(Integer, server_default="0")

    return_comment: Mapped[str] = mapped_column(Text, default="")
    form_token: Mapped[str | None] = mapped_column(String(64))
    seller: Mapped[dict | None] = mapped_column(JSON)
    buyer: Mapped[dict | None] = mapped_column(JSON)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    activity: Mapped[Activity | None] = relationship()
    customer: Mapped[Customer] = relationship()
    credited_invoice: Mapped["Invoice | None"] = relationship(remote_side=[id])
    lines: Mapped[list["InvoiceLine"]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    payments: Mapped[list["Payment"]] = relationship(
        back_populates="invoice", order_by="Payment.received_on"
    )
    refunds: Mapped[list["Refund"]] = relationship(
        back_populates="credit_note", order_by="Refund.paid_on"
    )
    events: Mapped[list["InvoiceEvent"]] = relationship(
        back_populates="invoice", order_by="InvoiceEvent.id", passive_deletes=True
    )
    origin: Mapped["QuoteInvoice | None"] = relationship(cascade="all, delete-orphan")

    @property
    def quote_id(self) -> int | None:
        """The quote it invoices (all of it, a deposit, or its balance), if any."""
        return self.origin.quote_id if self.origin else None

    @property
    def is_deposit(self) -> bool:
        """A deposit on a quote (facture d'acompte)."""
        return self.origin is not None and self.origin.is_deposit

    # What may be done with it: each predicate gives the reason for a refusal (None: allowed).
    # The services raise it, the pages and the API read it.

    def refusal_to_change(self) -> Refusal:
        """Only a draft or a returned invoice changes; an issued one never does."""
        if not self.status.is_editable:
            return _l("This invoice can no longer be changed.")
        return None

    def refusal_to_issue(self) -> Refusal:
        """What an invoice needs before it is submitted or validated."""
        if not self.lines or self.total_excl_vat_cents <= 0:
            return _l("An invoice needs at least one line with an amount.")
        if lacks_siren(self.customer):
            return _l("Add the customer's SIREN: it is mandatory on invoices to French companies.")
        return None

    def refusal_to_validate(self, by: Member) -> Refusal:
        """Staff validate submitted invoices; a trusted entrepreneur validates their own.
        (Whether it is complete enough to issue is `refusal_to_issue`.)"""
        if may_validate(self, by, InvoiceStatus.SUBMITTED):
            return None
        if self.status.is_issued:
            return _l("This invoice is already validated.")
        return _l("You cannot validate this invoice.")

    def refusal_to_return(self, by: Member) -> Refusal:
        """Staff send a submitted invoice back to be corrected."""
        if not by.is_staff:
            return _l("Only the support team returns invoices.")
        if self.status is not InvoiceStatus.SUBMITTED:
            return _l("Only an invoice awaiting validation can be returned.")
        return None

    def refusal_to_send(self) -> Refusal:
        if self.status is not InvoiceStatus.VALIDATED:
            return _l("Only a validated invoice can be marked as sent.")
        return None

    def refusal_to_mail(self) -> Refusal:
        """An issued invoice or credit note is mailed (again, if need be) to a customer who
        has an email address."""
        if not self.status.is_issued:
            return _l("Only a validated invoice can be sent to the customer.")
        if not self.customer.email:
            return _l("Add the customer's email address before sending them the invoice.")
        return None

    def refusal_to_remind(self, today: date) -> Refusal:
        """Only an issued invoice still owed and past its due date is reminded, by email."""
        if self.is_credit_note or not self.status.is_issued:
            return _l("Only a validated invoice can be reminded.")
        if self.outstanding_cents <= 0:
            return _l("Nothing is left to pay on this invoice: no reminder to send.")
        if not self.is_overdue(today):
            return _l("This invoice is not overdue yet: no reminder to send.")
        if not self.customer.email:
            return _l("Add the customer's email address before sending them a reminder.")
        return None

    def refusal_to_credit(self) -> Refusal:
        """An issued invoice is credited for what is left of it."""
        if self.is_credit_note or not self.status.is_issued:
            return _l("Only a validated invoice can be credited.")
        if self.total_incl_vat_cents - self.credited_cents <= 0:
            return _l("This invoice is already fully credited.")
        return None

    def refusal_to_pay(self) -> Refusal:
        """Payments go on issued invoices while something is left to pay."""
        if self.is_credit_note or not self.status.is_issued:
            return _l("Payments are recorded on validated invoices only.")
        if self.outstanding_cents <= 0:
            return _l("Nothing is left to pay on this invoice.")
        return None

    def refusal_to_refund(self) -> Refusal:
        """Refunds go on issued credit notes while money is owed back to the customer."""
        if not self.is_credit_note or not self.status.is_issued:
            return _l("Refunds are recorded on validated credit notes only.")
        if self.refund_owed_cents <= 0:
            return _l("Nothing is owed back to the customer on this credit note.")
        return None


# A line's unit as people write it after a quantity ("12 h", "1 forfait"), as the PDF does;
# the codes are UN/ECE recommendation 20's, which Factur-X wants.
UNIT_SYMBOLS = {
    "C62": _l("u."),
    "HUR": _l("h"),
    "DAY": _l("d."),
    "MON": _l("mo."),
    "LS": _l("lump sum"),
    "KGM": _l("kg"),
    "MTR": _l("m"),
}


class PricedLine:
    """The columns of a document's priced line, shared by invoices' and quotes' lines (the
    line editor and the totals are the same for both)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(3), default="C62")
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # a percentage: 20.00
    net_cents: Mapped[int] = mapped_column(Integer)

    @property
    def unit_symbol(self) -> str:
        return str(UNIT_SYMBOLS.get(self.unit, self.unit))


def priced_line_constraints() -> tuple[CheckConstraint, ...]:
    """What the database refuses on any priced line (a new set for each table)."""
    return (
        CheckConstraint("quantity >= 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price_positive"),
        CheckConstraint("discount_percent >= 0 AND discount_percent <= 100", name="discount_range"),
    )


class InvoiceLine(PricedLine, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position"), *priced_line_constraints())

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class QuoteInvoice(Base):
    """The quote an invoice comes from (portal/quotes). A table of its own rather than a
    column of invoices: SQLite cannot give an existing table a new reference without copying
    the table, which payments and lines, pointing at its rows, forbid."""

    __tablename__ = "quote_invoices"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="RESTRICT"), index=True)
    # What the invoice was made for, incl. VAT: editing the draft never raises it above, so a
    # quote's invoices, each checked against what was left when made, never exceed its total.
    ceiling_incl_vat_cents: Mapped[int] = mapped_column(Integer)
    # A deposit (facture d'acompte) rather than the whole quote or its balance: typed so on
    # its PDF and in its Factur-X (386, a prepayment invoice).
    is_deposit: Mapped[bool] = mapped_column(default=False, server_default=false())


class InvoiceCounter(Base):
    """The last number given in a series and year. Its row is locked by the validating
    transaction, so numbers are handed out one at a time and a rollback gives them back."""

    __tablename__ = "invoice_counters"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class PaymentMethod(LabelledEnum):
    """How the customer paid. The values are the sync API's."""

    TRANSFER = "transfer", _l("Bank transfer")
    CHEQUE = "check", _l("Cheque")
    CARD = "card", _l("Card")
    CASH = "cash", _l("Cash")
    DIRECT_DEBIT = "direct_debit", _l("Direct debit")
    OTHER = "other", _l("Other")


class Payment(Base):
    """Money received for an invoice, recorded by staff or pushed by the back office."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(Integer)
    # Its excl. VAT part, fixed when recorded: the growth of the rounded excl. VAT part of
    # everything paid on the invoice, so the parts of its payments add up to the invoice's
    # total excl. VAT once it is paid, to the cent (the last payment takes what is left).
    amount_excl_vat_cents: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    # Rows from before the column existed whose method could not be read say "other".
    method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "payment_method"), server_default=PaymentMethod.OTHER.value
    )
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")


class Refund(Base):
    """Money paid back to a customer on a credit note of an invoice they had paid, recorded
    by staff or pushed by the back office."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod, "payment_method"))
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    credit_note: Mapped[Invoice] = relationship(back_populates="refunds")


class InvoiceEventKind(LabelledEnum):
    SENT = "sent", _l("Sent to the customer")
    REMINDED = "reminded", _l("Reminder sent to the customer")


class ReminderLevel(enum.IntEnum):
    POLITE = 1
    FIRM = 2  # the late-payment penalties, and the 40 € indemnity for a business


class InvoiceEvent(Base):
    """What happened to an issued invoice with its customer: sent, reminded (who, when, to
    which address), shown on its history. An automatic reminder records its step of the
    coop's schedule, unique per invoice: the same one is never sent twice, even by two
    runs at once."""

    __tablename__ = "invoice_events"
    __table_args__ = (
        UniqueConstraint("invoice_id", "automatic_step", name="uq_invoice_events_automatic_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[InvoiceEventKind] = mapped_column(str_enum(InvoiceEventKind, "invoice_event_kind"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who did it; None for an automatic reminder.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(254))
    reminder_level: Mapped[int | None] = mapped_column(Integer)
    # The rank (0, 1, …) in the coop's reminder days of an automatic reminder.
    automatic_step: Mapped[int | None] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="events")
    actor: Mapped[Member | None] = relationship()

    @property
    def is_automatic(self) -> bool:
        return self.automatic_step is not None
