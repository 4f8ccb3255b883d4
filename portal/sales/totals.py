"""An invoice's lines and their totals to the cent: the rounding rule, what a line may
hold, and the live preview's totals."""

from dataclasses import dataclass
from decimal import Decimal

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.money import MAX_AMOUNT_CENTS, from_cents, round_cents

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


def stored_line_inputs(lines) -> list[LineInput]:
    """Stored lines (an invoice's, a quote's: `PricedLine`s) as the inputs they were priced
    from, to price them again by the same rule."""
    return [
        LineInput(
            description=line.description,
            quantity=line.quantity,
            unit_price=from_cents(line.unit_price_cents),
            vat_rate=line.vat_rate,
            unit=line.unit,
            discount_percent=line.discount_percent,
        )
        for line in lines
    ]


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
