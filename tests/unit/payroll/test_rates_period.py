"""Rates that expire: each file states its period, and a date past the last one gets the last
rates all the same, flagged stale. Pinned to fixed dates with a rates folder of the test's own
(tests/conftest.py), so no build turns red on a calendar day nor when the 2027 file arrives."""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from portal.payroll import compute_payslip, max_gross_for_budget, rates_on
from portal.payroll.rates import RATES_DIR, load_rates_file

LAST_DAY_2026 = date(2026, 12, 31)
JANUARY_2027 = date(2027, 1, 15)
PERIOD_2026 = 'valid_from = "2026-06-01"\nvalid_until = "2026-12-31"'


def test_every_shipped_file_states_its_period_and_they_follow_day_after_day():
    paths = sorted(RATES_DIR.glob("*.toml"))
    periods = [
        (load_rates_file(path).effective_from, load_rates_file(path).valid_until) for path in paths
    ]
    assert periods[:2] == [
        (date(2026, 1, 1), date(2026, 5, 31)),
        (date(2026, 6, 1), date(2026, 12, 31)),
    ]
    for (_, until), (following, _) in itertools.pairwise(periods):
        assert (following - until).days == 1


def test_the_2026_rates_cover_their_year_and_not_january_2027(rates_folder):
    assert rates_on(LAST_DAY_2026).covers(LAST_DAY_2026)
    stale = rates_on(JANUARY_2027)
    assert stale.effective_from == date(2026, 6, 1)
    assert not stale.covers(JANUARY_2027)


def test_a_payslip_past_the_period_is_computed_on_the_latest_rates_and_says_so(rates_folder):
    december = compute_payslip("2500", 35, LAST_DAY_2026)
    january = compute_payslip("2500", 35, JANUARY_2027)
    assert not december.stale_rates
    assert january.stale_rates
    assert (january.rates_from, january.rates_until) == (date(2026, 6, 1), LAST_DAY_2026)
    assert january.employer_cost == december.employer_cost
    assert max_gross_for_budget("3000", 35, JANUARY_2027).stale_rates


def test_the_2027_file_is_data_alone(rates_folder):
    # The day the rates are published: a new file, no code change.
    rates_folder.add(
        "2026-06-01.toml",
        "2027-01-01.toml",
        period=f'{PERIOD_2026}|valid_from = "2027-01-01"\nvalid_until = "2027-12-31"',
        smic='minimum_wage_hourly = "12.31"|minimum_wage_hourly = "12.50"',
    )
    payslip = compute_payslip("2500", 35, JANUARY_2027)
    assert not payslip.stale_rates
    assert payslip.rates_from == date(2027, 1, 1)
    assert rates_on(JANUARY_2027).minimum_wage_hourly == Decimal("12.50")
    assert rates_on(LAST_DAY_2026).effective_from == date(2026, 6, 1)


@pytest.mark.parametrize(
    ("name", "period", "message"),
    [
        ("2027-01-01.toml", 'valid_from = "2027-01-02"', "valid_from must be the date"),
        ("2027-01-01.toml", 'valid_from = "2027-01-01"\nvalid_until = "2026-12-01"', "before"),
        ("2027-02-01.toml", 'valid_from = "2027-02-01"', "the day before 2027-02-01.toml"),
    ],
)
def test_a_file_whose_period_is_wrong_or_leaves_a_gap_is_refused(
    rates_folder, name, period, message
):
    until = "" if "valid_until" in period else '\nvalid_until = "2027-12-31"'
    rates_folder.add("2026-06-01.toml", name, period=f"{PERIOD_2026}|{period}{until}")
    with pytest.raises(ValueError, match=message):
        rates_on(JANUARY_2027)


def test_a_file_without_its_period_is_refused(rates_folder):
    rates_folder.add("2026-06-01.toml", "2027-01-01.toml", period=f"[period]\n{PERIOD_2026}|")
    with pytest.raises(KeyError, match="period"):
        rates_on(JANUARY_2027)
