"""Budget → gross: the largest gross, to the cent, whose employer cost fits the budget."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.payroll import (
    EmployerSettings,
    InvalidInputError,
    compute_payslip,
    max_gross_for_budget,
)

CENT = Decimal("0.01")
JULY = date(2026, 7, 1)

hours_strategy = st.one_of(
    st.sampled_from(["8", "12", "17.5", "24", "28", "35"]),
    st.decimals(min_value=1, max_value=48, places=2),
)
employer_strategy = st.builds(
    EmployerSettings,
    headcount=st.sampled_from([1, 5, 10, 11, 20, 49, 50, 250, 2000]),
    mobility_levy_rate=st.sampled_from([Decimal(0), Decimal("0.0175"), Decimal("0.0295")]),
)


def cost(gross: Decimal, hours, on, employer) -> Decimal:
    return compute_payslip(gross, hours, on, employer).employer_cost


@settings(max_examples=150, deadline=None)
@given(
    budget=st.decimals(min_value=0, max_value=30000, places=2),
    hours=hours_strategy,
    on=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    employer=employer_strategy,
)
def test_inverse_gives_the_largest_gross_that_fits_the_budget(budget, hours, on, employer):
    if budget < cost(Decimal(0), hours, on, employer):
        with pytest.raises(InvalidInputError):
            max_gross_for_budget(budget, hours, on, employer)
        return
    payslip = max_gross_for_budget(budget, hours, on, employer)
    assert payslip == compute_payslip(payslip.gross, hours, on, employer)
    assert payslip.employer_cost <= budget < cost(payslip.gross + CENT, hours, on, employer)


@settings(max_examples=150, deadline=None)
@given(
    gross=st.decimals(min_value=0, max_value=12000, places=2),
    hours=hours_strategy,
    on=st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    employer=employer_strategy,
)
def test_employer_cost_never_falls_when_gross_rises_by_a_cent(gross, hours, on, employer):
    # The inverse relies on this: the grosses that fit a budget form one interval from 0.
    assert cost(gross, hours, on, employer) <= cost(gross + CENT, hours, on, employer)


def test_inverse_stops_below_the_three_times_minimum_wage_cliff():
    # Full time from June 2026 the reduction stops at 3 × SMIC = 5601.05 €, where the cost
    # jumps by about 112 € (URSSAF: 7948.77 € at 5601.04 €, 8060.81 € at 5601.05 €).
    payslip = max_gross_for_budget("8000", 35, JULY)
    assert payslip.gross == Decimal("5601.04")
    assert cost(Decimal("5601.05"), 35, JULY, EmployerSettings()) > Decimal("8000")


def test_inverse_matches_the_cae_worked_example():
    # domain-rules §2.6: a 3 600 € budget pays about 2 762.05 € gross (URSSAF's solver).
    payslip = max_gross_for_budget("3600", 35, JULY)
    assert abs(payslip.gross - Decimal("2762.05")) <= Decimal("0.05")
    assert payslip.employer_cost <= Decimal("3600")


def test_inverse_rejects_a_budget_below_the_cost_of_a_zero_salary():
    # The employer still owes its health-plan share (20 €) and the forfait social on it.
    with pytest.raises(InvalidInputError) as error:
        max_gross_for_budget("10", 35, JULY)
    assert error.value.field == "budget"
    assert str(error.value) == "The budget does not cover the smallest salary, which costs 21.60 €."


def test_inverse_handles_the_largest_accepted_budget():
    payslip = max_gross_for_budget("1000000", 35, JULY)
    assert payslip.employer_cost <= Decimal("1000000")
    assert cost(payslip.gross + CENT, 35, JULY, EmployerSettings()) > Decimal("1000000")
