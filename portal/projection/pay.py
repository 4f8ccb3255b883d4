"""Pay as the projection reckons it: the gross of a contract, the hours pay without set
hours stands for, and the largest legal salary a budget funds."""

from datetime import date
from decimal import ROUND_DOWN, Decimal

from portal.money import round_cents
from portal.payroll import (
    EmployerSettings,
    InvalidInputError,
    max_gross_for_budget,
    minimum_monthly_wage,
    paid_hours,
)
from portal.payroll import Payslip as PayslipFigures
from portal.projection.figures import Contract

FULL_TIME_HOURS = Decimal(35)
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
MIN_HOURS = Decimal(1)


def equivalent_hours(gross: Decimal, on: date) -> Decimal:
    """Hours a week for pay without set hours: full time from the monthly SMIC up, else in
    proportion to it (FCAE's équivalent-heure, domain-rules §2.8), at least one hour.
    Rounded down: rounded up, the minimum wage for the hours could exceed the pay."""
    full_time_smic = minimum_monthly_wage(FULL_TIME_HOURS, on)
    if gross >= full_time_smic:
        return FULL_TIME_HOURS
    hours = (FULL_TIME_HOURS * gross / full_time_smic).quantize(Decimal("0.01"), ROUND_DOWN)
    return max(MIN_HOURS, hours)


def hourly_gross(hours_per_week: Decimal, rate: Decimal, on: date) -> Decimal:
    """The monthly gross of hours a week at an hourly rate, overtime paid with its premium."""
    return round_cents(paid_hours(hours_per_week, on) * rate * WEEKS_PER_MONTH)


def contract_gross(contract: Contract, on: date) -> Decimal:
    if contract.fixed_gross is not None:
        return contract.fixed_gross
    return hourly_gross(contract.hours_per_week, contract.hourly_rate, on)


def share_per_month(margin: Decimal, months_due: int) -> Decimal:
    """What a margin pays each month due, the same salary every month, to the cent below."""
    return (margin / months_due).quantize(Decimal("0.01"), ROUND_DOWN)


# Solving again at fewer hours lowers the gross by a cent or so at most: two solves settle.
MAX_SOLVES = 4


def _fundable(budget: Decimal, hours: Decimal, on: date, employer) -> PayslipFigures | None:
    """The payslip of the largest gross whose employer cost the budget covers, if any."""
    if budget <= 0:
        return None
    try:
        return max_gross_for_budget(min(budget, Decimal(1_000_000)), hours, on, employer)
    except InvalidInputError:
        return None


def largest_fundable(
    budget: Decimal, hours: Decimal | None, period: date, employer: EmployerSettings
) -> PayslipFigures | None:
    """The payslip of the largest gross whose employer cost `budget` covers, at `hours` a
    week (full time without set hours), and a legal one: below the minimum wage for those
    hours, the payslip at the hours that pay stands for instead (fewer hours cost a little
    more, so the gross is solved again at them). None if it covers no salary at all."""
    payslip = _fundable(budget, FULL_TIME_HOURS if hours is None else hours, period, employer)
    for _ in range(MAX_SOLVES):
        if payslip is None or not payslip.below_minimum_wage:
            break
        fewer = equivalent_hours(payslip.gross, period)
        if fewer >= payslip.hours_per_week:  # the one-hour floor
            break
        payslip = _fundable(budget, fewer, period, employer) or payslip
    return payslip
