"""Cents to euros: the fast path for integers gives exactly the rounded division."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from portal.money import from_cents, round_cents


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integer_cents_become_the_same_decimal_as_the_rounded_division(cents):
    expected = round_cents(Decimal(cents) / 100)
    # Same value and same digits: "0.00", never "0" nor "0E-2" shown differently.
    assert from_cents(cents).as_tuple() == expected.as_tuple()
    assert str(from_cents(cents)) == str(expected)


def test_non_integer_cents_are_rounded_half_up():
    assert from_cents(Decimal("1234.5")) == Decimal("12.35")
