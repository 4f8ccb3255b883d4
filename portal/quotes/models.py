"""Quotes (devis): what an entrepreneur offers a customer before the work, validated by the
coop like an invoice, then accepted or refused by the customer, then invoiced."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_pgettext as pgettext
from portal.members.models import Activity, Member
from portal.sales.models import (
    Customer,
    DraftRefusals,
    OperationType,
    PricedLine,
    lacks_siren,
    may_validate,
    priced_line_constraints,
)

# The number series of quotes, in the same counters as invoices' (portal/sales/numbering.py).
QUOTE_SERIES = "quote"
DEFAULT_VALIDITY_DAYS = 30
# A quote is an offer for a while, not for ever: a year at most.
MAX_VALIDITY_DAYS = 366


class QuoteStatus(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Awaiting validation")
    # In French a quote (« devis ») is masculine, an invoice feminine: their own words.
    RETURNED = "returned", pgettext("quote", "Returned")
    VALIDATED = "validated", pgettext("quote", "Validated")
    SENT = "sent", pgettext("quote", "Sent")
    ACCEPTED = "accepted", pgettext("quote", "Accepted")
    REFUSED = "refused", pgettext("quote", "Refused")

    @property
    def is_editable(self) -> bool:
        return self in (QuoteStatus.DRAFT, QuoteStatus.RETURNED)

    @property
    def is_issued(self) -> bool:
        """Validated: numbered, frozen for ever."""
        return self not in (QuoteStatus.DRAFT, QuoteStatus.SUBMITTED, QuoteStatus.RETURNED)

    @property
    def awaits_answer(self) -> bool:
        """Issued and neither accepted nor refused: the customer may still answer."""
        return self in (QuoteStatus.VALIDATED, QuoteStatus.SENT)


EXPIRED_LABEL = pgettext("quote", "Expired")


class Quote(DraftRefusals, Base):
    """A quote and its lines. Once validated it has a number and never changes again; the
    customer's answer (accepted, refused) is recorded on it. "Expired" is not stored: an
    issued quote still awaiting its answer after its validity date has expired."""

    __tablename__ = "quotes"
    __table_args__ = (
        UniqueConstraint("series", "number_year", "number_sequence", name="uq_quotes_number"),
        UniqueConstraint("number", name="uq_quotes_number_text"),
        UniqueConstraint("member_id", "form_token", name="uq_quotes_member_form_token"),
        UniqueConstraint("access_token", name="uq_quotes_access_token"),
        Index("ix_quotes_member_id_desc", "member_id", "id"),
        Index("ix_quotes_status_submitted", "status", "submitted_at"),
        CheckConstraint(
            "(number IS NULL) = (status IN ('draft', 'submitted', 'returned'))",
            name="numbered_when_issued",
        ),
        CheckConstraint("valid_until >= issue_date", name="valid_after_issue"),
        CheckConstraint(
            "total_excl_vat_cents >= 0 AND vat_cents >= 0 AND total_incl_vat_cents >= 0",
            name="amounts_positive",
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
    status: Mapped[QuoteStatus] = mapped_column(
        str_enum(QuoteStatus, "quote_status"), default=QuoteStatus.DRAFT
    )
    series: Mapped[str | None] = mapped_column(String(20))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_sequence: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(35))

    issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    operation_type: Mapped[OperationType] = mapped_column(
        str_enum(OperationType, "operation_type"), default=OperationType.SERVICES
    )
    payment_terms: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    total_excl_vat_cents: Mapped[int] = mapped_column(Integer, default=0)
    vat_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_incl_vat_cents: Mapped[int] = mapped_column(Integer, default=0)

    return_comment: Mapped[str] = mapped_column(Text, default="")
    form_token: Mapped[str | None] = mapped_column(String(64))
    seller: Mapped[dict | None] = mapped_column(JSON)
    buyer: Mapped[dict | None] = mapped_column(JSON)
    # The secret of the customer's link (portal/quotes/views.py, `answer`), set at validation.
    access_token: Mapped[str | None] = mapped_column(String(64))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer's answer: who signed, when, from which address, or the paper they signed.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by: Mapped[str] = mapped_column(String(200), default="")
    signed_from_ip: Mapped[str] = mapped_column(String(45), default="")
    signed_copy_key: Mapped[str | None] = mapped_column(String(300))
    refusal_reason: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    activity: Mapped[Activity | None] = relationship()
    customer: Mapped[Customer] = relationship()
    lines: Mapped[list["QuoteLine"]] = relationship(
        back_populates="quote", order_by="QuoteLine.position", cascade="all, delete-orphan"
    )

    def is_expired(self, today: date) -> bool:
        return self.status.awaits_answer and self.valid_until < today

    def status_label(self, today: date) -> str:
        return str(EXPIRED_LABEL if self.is_expired(today) else self.status.label)

    def status_class(self, today: date) -> str:
        """The badge's style: an expired quote looks like an overdue invoice."""
        return "overdue" if self.is_expired(today) else f"status-{self.status.value}"

    # What may be done with it: each predicate gives the reason for a refusal (None: allowed).

    def refusal_to_change(self) -> Refusal:
        if not self.status.is_editable:
            return _l("This quote can no longer be changed.")
        return None

    def refusal_to_issue(self) -> Refusal:
        """What a quote needs before it is submitted or validated."""
        if not self.lines or self.total_excl_vat_cents <= 0:
            return _l("A quote needs at least one line with an amount.")
        if lacks_siren(self.customer):
            return _l("Add the customer's SIREN: it is mandatory for French companies.")
        return None

    def refusal_to_validate(self, by: Member) -> Refusal:
        """As for invoices: staff validate submitted quotes, an entrepreneur trusted with
        their invoices validates their own."""
        if may_validate(self, by, QuoteStatus.SUBMITTED):
            return None
        if self.status.is_issued:
            return _l("This quote is already validated.")
        return _l("You cannot validate this quote.")

    def refusal_to_return(self, by: Member) -> Refusal:
        if not by.is_staff:
            return _l("Only the support team returns quotes.")
        if self.status is not QuoteStatus.SUBMITTED:
            return _l("Only a quote awaiting validation can be returned.")
        return None

    def refusal_to_send(self) -> Refusal:
        """A validated quote goes to the customer (again, if it was already sent)."""
        if not self.status.awaits_answer:
            return _l("Only a validated quote awaiting its answer can be sent.")
        return None

    def refusal_to_mail(self) -> Refusal:
        """Sent from the portal: the customer needs an email address too."""
        if refusal := self.refusal_to_send():
            return refusal
        if not self.customer.email:
            return _l("Add the customer's email address before sending them the quote.")
        return None

    def refusal_to_answer(self, today: date) -> Refusal:
        """Whether the customer may still accept or refuse it."""
        if self.status is QuoteStatus.ACCEPTED:
            return _l("This quote is already accepted.")
        if self.status is QuoteStatus.REFUSED:
            return _l("This quote was refused.")
        if not self.status.awaits_answer:
            return _l("This quote is not validated yet.")
        if self.is_expired(today):
            return _l("This quote has expired: ask for a new one.")
        return None

    def refusal_to_invoice(self) -> Refusal:
        """Only the work the customer accepted is invoiced."""
        if self.status is not QuoteStatus.ACCEPTED:
            return _l("Only an accepted quote can be invoiced.")
        return None


class QuoteLine(PricedLine, Base):
    __tablename__ = "quote_lines"
    __table_args__ = (UniqueConstraint("quote_id", "position"), *priced_line_constraints())

    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))

    quote: Mapped[Quote] = relationship(back_populates="lines")
