"""The salary simulator: the coop's settings fed to the payroll engine, for the page and the CLI.

The engine (portal.payroll) holds every payroll rule; this module only chooses its inputs (the
coop's headcount and rates, today's date in Paris) and turns its refusals into DomainErrors
whose messages are translated when shown.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import LazyString, format_date, format_decimal, gettext
from sqlalchemy.orm import Session

from portal.coop.models import CoopSettings
from portal.coop.services import default_coop_settings, get_coop_settings
from portal.dates import paris_today
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.money import from_cents, round_cents
from portal.payroll import (
    EmployerSettings,
    PayrollError,
    Payslip,
    compute_payslip,
    max_gross_for_budget,
    minimum_monthly_wage,
)

DEFAULT_HOURS_PER_WEEK = Decimal(35)


@dataclass(frozen=True, slots=True)
class Simulation:
    """A simulated month: the payslip, the settings it used, and the budget when one was given."""

    payslip: Payslip
    employer: EmployerSettings
    budget: Decimal | None = None


def payroll_settings(coop: CoopSettings | None, headcount: int | None = None) -> EmployerSettings:
    """The coop's payroll settings, `headcount` overriding the coop's; without a coop, the
    defaults its settings row holds when first saved (what the home page's projection reads
    until then).

    A headcount of 0 (not counted yet) computes as the smallest band, which starts at 1.
    """
    if coop is None:
        coop = default_coop_settings()
    if headcount is None:
        headcount = coop.headcount
    employer_share, employee_share = (
        coop.health_plan_employer_cents,
        coop.health_plan_employee_cents,
    )
    try:
        return EmployerSettings(
            headcount=max(headcount, 1),
            work_accident_rate=coop.work_accident_rate,
            mobility_levy_rate=coop.mobility_levy_rate or Decimal(0),
            # Settings built for a check (`check_payroll_settings`) have no shares: the rates
            # file's plan.
            health_plan_employer=None if employer_share is None else from_cents(employer_share),
            health_plan_employee=None if employer_share is None else from_cents(employee_share),
        )
    except PayrollError as error:
        raise _domain_error(error) from None


def coop_payroll_settings(session: Session, headcount: int | None = None) -> EmployerSettings:
    """The coop's settings as every page reads them: the saved row, or its defaults unsaved."""
    return payroll_settings(get_coop_settings(session), headcount)


def check_payroll_settings(
    *, headcount: int, work_accident_rate: Decimal | None, mobility_levy_rate: Decimal
) -> None:
    """Coop settings must let the simulator compute under the rates in force today (the
    work-accident rate has a legal floor that lives in the rates file)."""
    coop = CoopSettings(
        headcount=headcount,
        work_accident_rate=work_accident_rate,
        mobility_levy_rate=mobility_levy_rate,
    )
    simulate_salary(payroll_settings(coop), gross=Decimal(0), hours_per_week=DEFAULT_HOURS_PER_WEEK)


def check_health_plan(employer_cents: int, employee_cents: int, on: date | None = None) -> None:
    """The employee's share of the health and provident plans is withheld from every
    salary: it must leave a positive net on a full-time minimum wage (on `on`, default
    today in Paris), else the coop's smallest salaries would be negative."""
    on = on or paris_today()
    employer = EmployerSettings(
        health_plan_employer=from_cents(employer_cents),
        health_plan_employee=from_cents(employee_cents),
    )
    try:
        smic = minimum_monthly_wage(DEFAULT_HOURS_PER_WEEK, on)
        payslip = compute_payslip(smic, DEFAULT_HOURS_PER_WEEK, on, employer)
    except PayrollError as error:
        raise _domain_error(error) from None
    if payslip.net_before_tax <= 0:
        raise DomainError(
            _l(
                "The employee's share of the health and provident plans would make a "
                "minimum-wage salary negative."
            ),
            field="health_plan_employee",
        )


def default_hours_per_week(member) -> Decimal:
    """The member's contract hours when they have a contract, else a full-time week."""
    hours = getattr(member, "contract_hours_per_week", None)
    if not hours:
        return DEFAULT_HOURS_PER_WEEK
    # 40.00 from the database shows as 40 (normalize() alone would give 4E+1).
    hours = Decimal(hours)
    return hours.quantize(Decimal(1)) if hours == hours.to_integral_value() else hours.normalize()


def simulate_salary(
    employer: EmployerSettings,
    *,
    hours_per_week: Decimal,
    gross: Decimal | None = None,
    budget: Decimal | None = None,
    on: date | None = None,
) -> Simulation:
    """The month's pay for a gross salary, or for the largest gross whose employer cost fits a
    monthly budget: exactly one of the two. `on` defaults to today in Paris."""
    if gross is not None and budget is not None:
        raise DomainError(_l("Give either a gross salary or a budget, not both."), field="budget")
    if gross is None and budget is None:
        raise DomainError(_l("Give a gross salary or a budget."), field="gross")
    on = on or paris_today()
    try:
        if gross is not None:
            return Simulation(compute_payslip(gross, hours_per_week, on, employer), employer)
        payslip = max_gross_for_budget(budget, hours_per_week, on, employer)
    except PayrollError as error:
        raise _domain_error(error) from None
    return Simulation(payslip, employer, budget=round_cents(Decimal(budget)))


def _domain_error(error: PayrollError) -> DomainError:
    """The engine's English msgid, translated and filled in when the message is shown."""
    return DomainError(LazyString(_localised_message, error), field=error.field)


def _localised_message(error: PayrollError) -> str:
    return gettext(error.message) % {
        name: _localised(value) for name, value in error.params.items()
    }


def _localised(value: object) -> object:
    if isinstance(value, Decimal):
        pattern = "#,##0" if value == value.to_integral_value() else "#,##0.00"
        return format_decimal(value, format=pattern)
    if isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value), format="long")
        except ValueError:
            return value
    return value
