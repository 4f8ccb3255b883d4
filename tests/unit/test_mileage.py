"""The mileage scale, held as data per year, applied to the cumulative annual distance."""

from decimal import Decimal

import pytest

from portal.errors import DomainError
from portal.expenses.mileage import mileage_allowance, scale_for


@pytest.mark.parametrize(
    ("km", "horsepower", "expected"),
    [
        ("1000", 3, "529.00"),  # d × 0.529
        ("5000", 5, "3180.00"),  # d × 0.636, top of the first band
        ("10000", 4, "4730.00"),  # d × 0.340 + 1 330
        ("25000", 7, "11750.00"),  # d × 0.470
        ("1000", 2, "529.00"),  # below 3 CV: the "3 CV or less" row
        ("1000", 11, "697.00"),  # above 7 CV: the "7 CV or more" row
    ],
)
def test_annual_allowance_follows_the_2026_scale(km, horsepower, expected):
    amount = scale_for(2026).annual_allowance(Decimal(km), horsepower, electric=False)
    assert amount == Decimal(expected)


def test_electric_vehicles_get_twenty_percent_more():
    assert mileage_allowance(2026, Decimal(0), Decimal(100), 5, True) == Decimal("76.32")


def test_claims_of_a_year_add_up_to_the_scale_of_the_year_total():
    claims, before = [], Decimal(0)
    for km in ("3000", "4000", "9000", "6000"):
        claims.append(mileage_allowance(2026, before, Decimal(km), 6, False))
        before += Decimal(km)
    assert sum(claims) == scale_for(2026).annual_allowance(before, 6, False)
    # Crossing into the next band makes the later kilometres cheaper.
    assert claims[1] < Decimal(4000) * Decimal("0.665")


def test_a_year_without_a_published_scale_is_refused():
    with pytest.raises(DomainError):
        scale_for(2019)
