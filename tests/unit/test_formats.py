"""The fast number and amount formatter writes exactly what Babel writes, in every language
of the portal, for every kind of value the pages show."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from portal.formats import number_format

LOCALES = ("fr", "en", "fr_FR")
PATTERNS = ("#,##0.##", "#,##0.00", "#,##0", "#,##0.#", "#,##0.###", "0.##")
EDGES = [
    "0", "-0", "0.00", "-0.00", "0.001", "-0.004", "0.005", "0.015", "0.025", "-0.005",
    "1", "-1", "12.345", "12.355", "999.995", "999.994", "1000", "-1000", "1234.5",
    "-1234.56", "100000", "1234567.891", "-98765432.10", "1E+3", "1.50E+2", "2.5E-3",
    "123456789012345678.99", "0.1", "10.10", "24", "35.5",
]  # fmt: skip
decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=None
)


def babel_money(value, locale):
    return format_currency(value, "EUR", locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("text", EDGES)
def test_amounts_are_written_as_babel_writes_them(locale, text):
    value = Decimal(text)
    assert number_format(locale, None, "EUR")(value) == babel_money(value, locale)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("text", EDGES)
def test_numbers_are_written_as_babel_writes_them(locale, pattern, text):
    value = Decimal(text)
    expected = format_decimal(value, format=pattern, locale=locale)
    assert number_format(locale, pattern)(value) == expected


@pytest.mark.parametrize("locale", LOCALES)
@given(value=decimals)
def test_any_amount_matches_babel(locale, value):
    assert number_format(locale, None, "EUR")(value) == babel_money(value, locale)


@pytest.mark.parametrize("locale", LOCALES)
@given(value=decimals, pattern=st.sampled_from(PATTERNS))
def test_any_number_matches_babel(locale, value, pattern):
    assert number_format(locale, pattern)(value) == format_decimal(value, pattern, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
@given(cents=st.integers(min_value=-(10**13), max_value=10**13))
def test_whole_numbers_and_cents_match_babel(locale, cents):
    assert number_format(locale, None, "EUR")(cents) == babel_money(cents, locale)
    amount = Decimal(cents) / 100
    assert number_format(locale, None, "EUR")(amount) == babel_money(amount, locale)


def test_french_amounts_use_narrow_spaces_and_a_comma():
    assert number_format("fr", None, "EUR")(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert number_format("en", None, "EUR")(Decimal("-1234.5")) == "-€1,234.50"


def test_what_the_arithmetic_does_not_cover_is_left_to_babel():
    infinite = Decimal("Infinity")
    assert number_format("fr", "#,##0.##")(infinite) == format_decimal(infinite, locale="fr")
    scientific = number_format("en", "0.###E0")
    assert not scientific.simple
    assert scientific(Decimal("12345")) == format_decimal(Decimal("12345"), "0.###E0", "en")


@pytest.mark.parametrize("locale", ("fr", "en"))
def test_remembered_dates_read_as_flask_babel_writes_them(app, locale):
    from datetime import UTC, date, datetime, timedelta

    from flask_babel import force_locale, format_date

    from portal.web.templating import calendar_date

    with app.test_request_context("/"), force_locale(locale):
        for offset in range(0, 400, 37):
            day = date(2026, 1, 1) + timedelta(days=offset)
            for form in (None, "medium", "long", "LLLL yyyy", "LLL", "LLLLL"):
                assert calendar_date(day, form) == format_date(day, form)
        # A timestamp is shown in the reader's time zone: 23:30 UTC is the next day in Paris.
        late = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)
        assert calendar_date(late, "yyyy-MM-dd") == "2026-06-02"
