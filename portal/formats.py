"""Numbers and amounts in the reader's language, as Babel writes them, at a fraction of the cost.

Babel's `format_currency` re-reads the locale's data, parses the pattern and even evaluates the
plural rules for the currency's name on every call: about 15 to 30 µs per amount, and a home
page shows sixty of them. For each (locale, pattern, currency) a `NumberFormat` takes those
symbols from Babel once, then does only the arithmetic; tests compare it with Babel on many
values in every language of the portal. A pattern it does not cover (scientific notation,
significant digits, per-mille, unusual grouping) is left to Babel.
"""

import functools
from decimal import Decimal

from babel import Locale
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_quantum,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)
from flask_babel import get_locale

from portal.config import DefaultConfig
from portal.money import from_cents


class NumberFormat:
    """One pattern in one locale, for finite Decimal values."""

    def __init__(self, locale: str, pattern: str | None, currency: str | None) -> None:
        self.locale = locale
        self.currency = currency
        self.pattern = pattern
        parsed_locale = Locale.parse(locale)
        if pattern is None:
            pattern = (
                parsed_locale.currency_formats["standard"].pattern
                if currency
                else parsed_locale.decimal_formats[None].pattern
            )
        parsed = parse_pattern(pattern)
        self.group = get_group_symbol(locale)
        self.decimal = get_decimal_symbol(locale)
        self.grouping = parsed.grouping
        self.frac_min, self.frac_max = parsed.frac_prec
        if currency:
            self.frac_min = self.frac_max = get_currency_precision(currency)
        self.quantum = get_decimal_quantum(self.frac_max)
        affixes = [parsed.prefix[0], parsed.suffix[0], parsed.prefix[1], parsed.suffix[1]]
        if currency:
            symbol = get_currency_symbol(currency, locale)
            affixes = [affix.replace("¤", symbol) for affix in affixes]
        self.positive = (affixes[0], affixes[1])
        self.negative = (affixes[2], affixes[3])
        # What the arithmetic below reproduces exactly; anything else goes to Babel.
        self.simple = (
            not parsed.exp_prec
            and parsed.scale == 0
            and "@" not in parsed.pattern
            and parsed.int_prec[0] == 1
            and self.grouping[0] == self.grouping[1]
            and not any("'" in affix or "¤" in affix for affix in affixes)
        )

    def __call__(self, value: Decimal | int) -> str:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if not (self.simple and value.is_finite()):
            return self._babel(value)
        # Babel's own steps: the sign first (so -0.001 shows as "-0,00"), then the absolute
        # value normalised and quantised in the current decimal context.
        prefix, suffix = self.negative if value.is_signed() else self.positive
        digits = f"{abs(value).normalize().quantize(self.quantum):f}"
        integer, _, fraction = digits.partition(".")
        size = self.grouping[0]
        if len(integer) > size:
            head = len(integer) % size or size
            groups = [integer[:head]]
            groups += [integer[start : start + size] for start in range(head, len(integer), size)]
            integer = self.group.join(groups)
        fraction = fraction.ljust(self.frac_min, "0")
        if self.frac_max == 0 or (self.frac_min == 0 and not fraction.strip("0")):
            fraction = ""
        else:
            stripped = fraction.rstrip("0")
            fraction = self.decimal + stripped.ljust(self.frac_min, "0")
        return f"{prefix}{integer}{fraction}{suffix}"

    def _babel(self, value: Decimal) -> str:
        if self.currency:
            return format_currency(value, self.currency, self.pattern, locale=self.locale)
        return format_decimal(value, self.pattern, locale=self.locale)


def money_text(value: Decimal | int | None, cents: bool = False) -> str:
    """`1 234,50 €` in French, `€1,234.50` in English: the reader's locale, for pages and for
    services' messages alike. `cents=True` for integer cents."""
    if value is None:
        return ""
    amount = from_cents(value) if cents else Decimal(value)
    # Outside a request (a command, a job) there is no reader: the coop's language.
    locale = get_locale() or DefaultConfig.BABEL_DEFAULT_LOCALE
    return number_format(str(locale), None, "EUR")(amount)


@functools.cache
def number_format(locale: str, pattern: str | None = None, currency: str | None = None):
    """The formatter of `pattern` (None: the locale's standard one) in `locale`; built once per
    process, like a compiled template: locale data never changes while the process runs."""
    return NumberFormat(locale, pattern, currency)
