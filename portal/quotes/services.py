"""The quote workflow: drafts, submission, validation and return exactly as invoices (the
same trusted self-validation), sending, the customer's answer (on the secret link or on
paper), and duplicates."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.coop.services import get_coop_settings
from portal.errors import DomainError, refuse
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import to_cents
from portal.quotes import notifications
from portal.quotes.models import (
    DEFAULT_VALIDITY_DAYS,
    MAX_VALIDITY_DAYS,
    QUOTE_SERIES,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from portal.sales.models import Customer, OperationType
from portal.sales.services import (
    DocumentKind,
    check_parties,
    copied_lines,
    create_draft,
    discard_draft,
    number_and_freeze,
    priced_lines,
    record_validation,
    return_to_author,
    submit_draft,
    update_draft,
)
from portal.sales.totals import LineInput, Totals
from portal.storage import new_key, save_with_transaction
from portal.sync.services import record_change
from portal.uploads import CheckedUpload

MAX_NAME_LENGTH = 200
MAX_REASON_LENGTH = 2000


# --- Drafts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteInput:
    customer: Customer
    issue_date: date
    valid_until: date | None
    lines: list[LineInput]
    activity_id: int | None = None
    operation_type: OperationType = OperationType.SERVICES
    payment_terms: str = ""
    notes: str = ""


def default_valid_until(issue_date: date) -> date:
    return issue_date + timedelta(days=DEFAULT_VALIDITY_DAYS)


def _checked(
    quote: Quote, member: Member, data: QuoteInput
) -> tuple[date, list[QuoteLine], Totals]:
    """The input's refusals, raised before anything changes; else its validity's end, its
    lines and their totals."""
    check_parties(member, data.customer, data.activity_id)
    valid_until = data.valid_until or default_valid_until(data.issue_date)
    if valid_until < data.issue_date:
        raise DomainError(_l("The quote cannot end before its issue date."), field="valid_until")
    if (valid_until - data.issue_date).days > MAX_VALIDITY_DAYS:
        raise DomainError(_l("A quote is valid for a year at most."), field="valid_until")
    lines, totals = priced_lines(QuoteLine, data.lines)
    return valid_until, lines, totals


def _apply(quote: Quote, data: QuoteInput, checked) -> None:
    valid_until, quote.lines, totals = checked
    quote.customer = data.customer
    quote.activity_id = data.activity_id
    quote.issue_date = data.issue_date
    quote.valid_until = valid_until
    quote.operation_type = data.operation_type
    quote.payment_terms = data.payment_terms.strip()[:300]
    quote.notes = data.notes.strip()[:5000]
    quote.total_excl_vat_cents = to_cents(totals.excl_vat)
    quote.vat_cents = to_cents(totals.vat)
    quote.total_incl_vat_cents = to_cents(totals.incl_vat)


QUOTE = DocumentKind(
    model=Quote,
    name="quote",
    submitted=QuoteStatus.SUBMITTED,
    returned=QuoteStatus.RETURNED,
    validated=QuoteStatus.VALIDATED,
    term_field="valid_until",
    check=_checked,
    apply=_apply,
)


def create_quote(
    session: Session, member: Member, data: QuoteInput, form_token: str | None = None
) -> tuple[Quote, bool]:
    return create_draft(session, QUOTE, member, data, form_token)


def update_quote(session: Session, quote: Quote, data: QuoteInput) -> Quote:
    return update_draft(session, QUOTE, quote, data)


def delete_draft(session: Session, quote: Quote) -> None:
    discard_draft(session, QUOTE, quote)


def duplicate_quote(session: Session, quote: Quote, member: Member, today: date) -> Quote:
    """A new draft with the same customer, lines and terms, dated today with the same
    validity period, whatever became of the original."""
    if quote.member_id != member.id:
        raise DomainError(_l("You cannot copy this quote."))
    copy = Quote(
        member_id=quote.member_id,
        customer_id=quote.customer_id,
        activity_id=quote.activity_id,
        issue_date=today,
        valid_until=today + (quote.valid_until - quote.issue_date),
        operation_type=quote.operation_type,
        payment_terms=quote.payment_terms,
        notes=quote.notes,
        lines=copied_lines(QuoteLine, quote.lines),
        total_excl_vat_cents=quote.total_excl_vat_cents,
        vat_cents=quote.vat_cents,
        total_incl_vat_cents=quote.total_incl_vat_cents,
    )
    session.add(copy)
    session.flush()
    record_change(session, "quote", copy.id)
    return copy


# --- Validation --------------------------------------------------------------------------


def submit_quote(session: Session, quote: Quote, now: datetime) -> Quote:
    submit_draft(session, QUOTE, quote, now)
    notifications.quote_submitted(session, quote)
    return quote


def return_quote(session: Session, quote: Quote, by: Member, comment: str) -> Quote:
    return_to_author(session, QUOTE, quote, by, comment)
    notifications.quote_returned(session, quote)
    return quote


def validate_quote(session: Session, quote: Quote, by: Member, today: date, now: datetime) -> Quote:
    """Issue the quote: the next number of the quotes' series this year (the coop's
    pattern), dated today keeping its validity period, both parties frozen, and the secret
    of the customer's link drawn."""
    # Lock the row first: two staff clicking at once must not issue it twice. (Its row only:
    # the page loaded its activity through an outer join, which PostgreSQL cannot lock.)
    session.refresh(quote, with_for_update={"of": Quote})
    refuse(quote.refusal_to_validate(by) or quote.refusal_to_issue())
    settings = get_coop_settings(session)
    if not (settings.legal_name and settings.siren and settings.vat_number):
        raise DomainError(
            _l("The coop's name, SIREN and VAT number must be set before issuing quotes.")
        )
    number_and_freeze(
        session,
        QUOTE,
        quote,
        by,
        settings,
        QUOTE_SERIES,
        settings.quote_number_pattern,
        today,
        now,
    )
    quote.access_token = secrets.token_urlsafe(32)
    record_validation(session, QUOTE, quote, by)
    notifications.quote_validated(session, quote, by)
    return quote


def mark_quote_sent(session: Session, quote: Quote, now: datetime) -> Quote:
    """The quote went to the customer (by the portal's email, or by the entrepreneur's own
    means). Sending it again keeps it sent, with the latest date."""
    refuse(quote.refusal_to_send())
    quote.status = QuoteStatus.SENT
    quote.sent_at = now
    session.flush()
    record_change(session, "quote", quote.id)
    return quote


# --- The customer's answer ---------------------------------------------------------------


def _answer(session: Session, quote: Quote, today: date) -> None:
    # Locked: an acceptance and a refusal at once must not both land.
    session.refresh(quote, with_for_update={"of": Quote})
    refuse(quote.refusal_to_answer(today))


def _signer(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_l("Type your full name to sign."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(_l("A name has at most 200 characters."), field="name")
    return name


def accept_quote(
    session: Session,
    quote: Quote,
    name: str,
    agreed: bool,
    ip_address: str,
    today: date,
    now: datetime,
) -> Quote:
    """The customer accepts on the quote's link: their typed name, their agreement ticked,
    the moment and the address they answered from are kept as the signature."""
    _answer(session, quote, today)
    signer = _signer(name)
    if not agreed:
        raise DomainError(_l("Tick the box to give your agreement."), field="agreed")
    quote.status = QuoteStatus.ACCEPTED
    quote.answered_at = now
    quote.signed_by = signer
    quote.signed_from_ip = (ip_address or "")[:45]
    session.flush()
    record_change(session, "quote", quote.id)
    notifications.quote_accepted(session, quote)
    return quote


def refuse_quote(session: Session, quote: Quote, reason: str, today: date, now: datetime) -> Quote:
    """The customer turns the quote down, saying why."""
    _answer(session, quote, today)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say why you refuse this quote."), field="reason")
    quote.status = QuoteStatus.REFUSED
    quote.answered_at = now
    quote.refusal_reason = reason[:MAX_REASON_LENGTH]
    session.flush()
    record_change(session, "quote", quote.id)
    notifications.quote_refused(session, quote)
    return quote


def record_paper_acceptance(
    session: Session,
    quote: Quote,
    by: Member,
    name: str,
    signed_copy: CheckedUpload,
    today: date,
    now: datetime,
) -> Quote:
    """The entrepreneur records a quote the customer signed on paper, with its scan or
    photo (checked by portal/uploads.py before this is called)."""
    if quote.member_id != by.id:
        raise DomainError(_l("You cannot record an answer on this quote."))
    _answer(session, quote, today)
    signer = _signer(name)
    key = new_key(f"quotes/{today.year}", signed_copy.suffix)
    save_with_transaction(session, key, signed_copy.content)
    quote.status = QuoteStatus.ACCEPTED
    quote.answered_at = now
    quote.signed_by = signer
    quote.signed_copy_key = key
    session.flush()
    record_change(session, "quote", quote.id)
    record(session, "quote_signed_on_paper", actor=by, subject=by, target=f"quote {quote.number}")
    return quote
