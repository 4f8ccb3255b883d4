"""Money: integer cents in the database, Decimal in computation, never float.

Amounts are rounded half-up to the cent (the usual French accounting rule)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# Ten million euros: beyond it, a typo. It also keeps every amount inside the INTEGER
# columns (2,147,483,647 cents), which PostgreSQL would refuse with an error on saving.
MAX_AMOUNT_CENTS = 10_000_000_00


def round_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    return int(round_cents(Decimal(amount)) * 100)


def from_cents(cents: int) -> Decimal:
    if type(cents) is int:
        # Exact, and what the rounded division gives, at a third of its cost (pages turn
        # hundreds of sums into euros).
        return Decimal(cents).scaleb(-2)
    return round_cents(Decimal(cents) / 100)


def excl_vat_part(incl_cents: int, total_excl_cents: int, total_incl_cents: int) -> int:
    """The excl. VAT part of `incl_cents` paid on a document of these totals, in its
    proportion, rounded half-up to the cent in integers (never a float)."""
    if total_incl_cents == 0:
        return 0
    return (2 * incl_cents * total_excl_cents + total_incl_cents) // (2 * total_incl_cents)
