"""From an accepted quote to its invoices, in one tap: the whole quote, or deposits (a
percentage or an amount) and then the balance, which deducts them. Each is a draft invoice of
the sales module, tied to its quote, that goes through validation as any other; together
they never exceed the quote's total."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.errors import DomainError, refuse
from portal.formats import money_text
from portal.i18n import gettext
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import from_cents, round_cents, to_cents
from portal.quotes.models import Quote
from portal.quotes.queries import quote_invoices
from portal.sales.documents import vat_breakdown
from portal.sales.models import Invoice, QuoteInvoice
from portal.sales.services import InvoiceInput, create_invoice
from portal.sales.totals import LineInput, compute_totals, stored_line_inputs

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Invoiced:
    """What a quote's invoices already take of it, in cents incl. VAT and, per VAT rate,
    excl. VAT."""

    invoices: list[Invoice]
    incl_vat_cents: int
    bases_cents: dict[Decimal, int]

    def left_cents(self, quote: Quote) -> int:
        return max(0, quote.total_incl_vat_cents - self.incl_vat_cents)


def invoiced(session: Session, quote: Quote) -> Invoiced:
    """A quote's invoices so far, drafts included (they are on their way), less what credit
    notes took back of them."""
    invoices = quote_invoices(session, quote.id)
    bases: dict[Decimal, int] = {}
    for invoice in invoices:
        # A credit note gives back its share of each rate.
        kept = Decimal(invoice.total_incl_vat_cents - invoice.credited_cents)
        share = kept / invoice.total_incl_vat_cents if invoice.total_incl_vat_cents else 0
        for line in invoice.lines:
            rate = line.vat_rate.normalize()
            bases[rate] = bases.get(rate, 0) + to_cents(from_cents(line.net_cents) * share)
    incl = sum(invoice.total_incl_vat_cents - invoice.credited_cents for invoice in invoices)
    return Invoiced(invoices, incl, bases)


def _lock(session: Session, quote: Quote, member: Member) -> Invoiced:
    if quote.member_id != member.id:
        raise DomainError(_l("You cannot invoice this quote."))
    # One invoice of a quote at a time: two taps at once must not both take what is left.
    session.refresh(quote, with_for_update={"of": Quote})
    refuse(quote.refusal_to_invoice())
    return invoiced(session, quote)


def _draft(
    session: Session,
    quote: Quote,
    member: Member,
    lines,
    today: date,
    notes: str,
    *,
    deposit: bool = False,
):
    invoice, _created = create_invoice(
        session,
        member,
        InvoiceInput(
            customer=quote.customer,
            issue_date=today,
            due_date=None,
            lines=lines,
            activity_id=quote.activity_id,
            operation_type=quote.operation_type,
            notes=notes,
        ),
    )
    invoice.origin = QuoteInvoice(
        quote_id=quote.id, ceiling_incl_vat_cents=invoice.total_incl_vat_cents, is_deposit=deposit
    )
    session.flush()
    return invoice


def invoice_quote(session: Session, quote: Quote, member: Member, today: date) -> Invoice:
    """The whole quote, line for line, when nothing of it is invoiced yet; else its balance:
    per VAT rate, the quote's total less what its invoices (the deposits) already took."""
    done = _lock(session, quote, member)
    with force_locale("fr"):  # written on the invoice, a French document
        return _whole_or_balance(session, quote, member, today, done)


def _whole_or_balance(session, quote: Quote, member: Member, today: date, done: Invoiced):
    number = quote.number
    if not done.invoices:
        note = gettext("Quote %(number)s accepted.", number=number)
        return _draft(session, quote, member, stored_line_inputs(quote.lines), today, note)
    lines = []
    for vat in vat_breakdown(quote):
        left = to_cents(vat.base) - done.bases_cents.get(vat.rate.normalize(), 0)
        if left > 0:
            lines.append(
                LineInput(
                    description=gettext("Balance of quote %(number)s", number=number),
                    quantity=Decimal(1),
                    unit_price=from_cents(left),
                    vat_rate=vat.rate,
                    unit="LS",
                )
            )
    if not lines or done.left_cents(quote) <= 0:
        raise DomainError(_l("This quote is already fully invoiced."))
    deducted = ", ".join(
        gettext(
            "%(number)s (%(amount)s incl. VAT)",
            number=invoice.number or gettext("draft"),
            amount=money_text(invoice.total_incl_vat_cents, cents=True),
        )
        for invoice in done.invoices
    )
    note = gettext(
        "Quote %(number)s: %(total)s incl. VAT, less the deposits already invoiced: %(deposits)s.",
        number=number,
        total=money_text(quote.total_incl_vat_cents, cents=True),
        deposits=deducted,
    )
    return _draft(session, quote, member, lines, today, note)


def deposit_fraction(quote: Quote, percent: Decimal | None, amount: Decimal | None) -> Decimal:
    """The share of the quote a deposit asks: a percentage, or an amount incl. VAT."""
    if (percent is None) == (amount is None):
        raise DomainError(_l("Give either a percentage or an amount."), field="percent")
    if percent is not None:
        if not (0 < percent < 100):
            raise DomainError(_l("A deposit is between 0 and 100 percent."), field="percent")
        return percent / HUNDRED
    if not (0 < amount < from_cents(quote.total_incl_vat_cents)):
        raise DomainError(
            _l("A deposit is above zero and below the quote's total."), field="amount"
        )
    return amount / from_cents(quote.total_incl_vat_cents)


def invoice_deposit(
    session: Session,
    quote: Quote,
    member: Member,
    today: date,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
) -> Invoice:
    """A deposit invoice (facture d'acompte): the same share of each VAT rate's base, so its
    VAT is the quote's; never more than is left to invoice on the quote."""
    done = _lock(session, quote, member)
    fraction = deposit_fraction(quote, percent, amount)
    shown = (
        f"{percent.normalize():f}".replace(".", ",") + "\u00a0%"
        if percent is not None
        else money_text(to_cents(amount), cents=True)
    )
    with force_locale("fr"):
        description = gettext(
            "Deposit of %(share)s on quote %(number)s", share=shown, number=quote.number
        )
    lines = [
        LineInput(
            description=description,
            quantity=Decimal(1),
            unit_price=round_cents(vat.base * fraction),
            vat_rate=vat.rate,
            unit="LS",
        )
        for vat in vat_breakdown(quote)
        if round_cents(vat.base * fraction) > 0
    ]
    if not lines:
        raise DomainError(_l("This deposit is too small."), field="amount")
    # Checked before anything is written: the page saves what the request did.
    if to_cents(compute_totals(lines).incl_vat) > done.left_cents(quote):
        raise DomainError(
            _l(
                "This is more than the %(amount)s left to invoice on the quote.",
                amount=money_text(done.left_cents(quote), cents=True),
            ),
            field="amount",
        )
    return _draft(session, quote, member, lines, today, "", deposit=True)
