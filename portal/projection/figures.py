"""The projection's inputs and results: plain frozen dataclasses, no Flask, no database."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.payroll import EmployerSettings
from portal.payroll import Payslip as PayslipFigures
from portal.projection.terms import ZERO, Provisions, Scheme

# What-if bounds: beyond them the figures would mean nothing for a monthly salary.
MAX_WHAT_IF_GROSS = Decimal(50_000)
MAX_WHAT_IF_EXTRA = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class MonthFlows:
    """One month's totals of movements, all dated after the opening balance or all on or
    before it (the snapshot's own month may have one of each)."""

    month: date  # the first day of the month
    after_opening: bool = True
    invoiced: Decimal = ZERO  # validated invoices minus credit notes, excl. VAT
    collected: Decimal = ZERO  # payments received, their excl. VAT share
    vat_invoiced: Decimal = ZERO
    expenses: Decimal = ZERO  # approved receipts: excl. VAT where recoverable, else incl. VAT
    vat_recoverable: Decimal = ZERO
    salary_cost: Decimal = ZERO  # total employer cost of payslips paid

    def __add__(self, other: "MonthFlows") -> "MonthFlows":
        # The constructor, not dataclasses.replace: this runs once per month of history.
        return MonthFlows(
            self.month,
            self.after_opening,
            self.invoiced + other.invoiced,
            self.collected + other.collected,
            self.vat_invoiced + other.vat_invoiced,
            self.expenses + other.expenses,
            self.vat_recoverable + other.vat_recoverable,
            self.salary_cost + other.salary_cost,
        )


@dataclass(frozen=True, slots=True)
class EarlierYearCredit:
    """Credit notes of a month (already in its MonthFlows) whose invoices are of an earlier
    calendar year: they give back the contribution that year's base charged on them."""

    month: date
    after_opening: bool
    year: int
    invoiced: Decimal  # negative, excl. VAT
    collected: Decimal  # negative: the refunds they owe, excl. VAT


@dataclass(frozen=True, slots=True)
class Opening:
    on: date
    amount: Decimal
    # The contribution base of its year up to `on`, when the back office sent it: the
    # bands of the rest of that year start from it instead of the movements read.
    year_base: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Contract:
    """A fixed monthly gross, or hours a week at an hourly gross rate; or nothing yet."""

    hours_per_week: Decimal = ZERO
    hourly_rate: Decimal = ZERO
    fixed_gross: Decimal | None = None
    salaried: bool = True  # a supported entrepreneur (accompagné) has no salary yet

    @property
    def is_set(self) -> bool:
        return self.fixed_gross is not None or (self.hours_per_week > 0 and self.hourly_rate > 0)


@dataclass(frozen=True, slots=True)
class WhatIf:
    """ "What if I worked these hours / earned this gross / invoiced this much more"."""

    hours_per_week: Decimal | None = None
    gross: Decimal | None = None
    extra_revenue: Decimal = ZERO  # invoiced and collected this month, excl. VAT

    @property
    def is_empty(self) -> bool:
        return self.hours_per_week is None and self.gross is None and not self.extra_revenue


@dataclass(frozen=True, slots=True)
class ActivityTotals:
    name: str | None  # None: movements without an activity
    invoiced: Decimal = ZERO
    expenses: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Inputs:
    today: date
    start: date  # the entrepreneur's first day in the coop
    contract: Contract
    scheme: Scheme
    flows: tuple[MonthFlows, ...] = ()
    earlier_year_credits: tuple[EarlierYearCredit, ...] = ()
    opening: Opening | None = None
    outstanding: Decimal = ZERO  # unpaid part of validated invoices, excl. VAT
    activities: tuple[ActivityTotals, ...] = ()
    last_paid_period: date | None = None  # first day of the last payslip's month
    employer: EmployerSettings = field(default_factory=EmployerSettings)
    what_if: WhatIf = field(default_factory=WhatIf)
    provisions: Provisions = field(default_factory=Provisions)


@dataclass(frozen=True, slots=True)
class Month:
    """One month of history, as the chart and the statement of accounts show it."""

    month: date
    invoiced: Decimal
    collected: Decimal
    contribution: Decimal
    expenses: Decimal
    fees: Decimal
    salary_cost: Decimal
    margin_end: Decimal  # the margin at the end of the month


@dataclass(frozen=True, slots=True)
class Step:
    """One line of "How is this computed?": `code` names it, `amount` is signed as it
    moves the margin; `params` are the figures its sentence quotes."""

    code: str
    amount: Decimal | None
    params: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Salary:
    period: date
    payslip: PayslipFigures | None  # None when no salary can be computed
    # "fixed", "hours", "what_if"; "fundable": no contract salary, the one the activity
    # sustains (Projection.sustainable); "none"
    source: str
    hours_per_week: Decimal | None
    error: str | None = None  # a payroll message (msgid % params), when it refused
    error_params: dict = field(default_factory=dict)
    # The payslip of every month due, `payslip` first; empty for a salary not yet decided.
    due: tuple[PayslipFigures, ...] = ()

    @property
    def due_cost(self) -> Decimal:
        return sum((payslip.employer_cost for payslip in self.due), ZERO)


@dataclass(frozen=True, slots=True)
class Sustainable:
    """The monthly salary the activity sustains: its average monthly margin before salaries
    over `months` months from `first`, less the coop's reserve, as a payslip."""

    first: date
    months: int
    average: Decimal
    reserve: Decimal
    payslip: PayslipFigures | None  # None when the budget funds no salary

    @property
    def budget(self) -> Decimal:
        return self.average - self.reserve


@dataclass(frozen=True, slots=True)
class Runway:
    """Whole months of salary the margin pays; `beyond`: more than `months` (the horizon)."""

    months: int
    beyond: bool = False


@dataclass(frozen=True, slots=True)
class Projection:
    today: date
    has_data: bool
    opening: Opening | None
    margin: Decimal  # available: the balance less the safety reserve
    salary: Salary
    fundable: bool  # the margin covers every salary due
    # When it does not: the largest salary it pays each month due, at legal hours.
    largest_fundable: PayslipFigures | None
    remaining: Decimal | None  # margin after the salaries due; None without a contract salary
    runway: Runway | None  # None without a contract salary
    outstanding: Decimal
    margin_if_paid: Decimal
    remaining_if_paid: Decimal | None
    runway_if_paid: Runway | None
    sustainable: Sustainable | None  # only without a contract salary
    vat_invoiced_this_year: Decimal
    vat_recoverable_this_year: Decimal
    invoiced_this_year: Decimal
    contribution_this_year: Decimal
    months: tuple[Month, ...]  # the last 12, oldest first
    activities: tuple[ActivityTotals, ...]
    steps: tuple[Step, ...]
    scheme: Scheme
    reserve: Decimal = ZERO  # kept out of the margin
    salary_provisions: Decimal = ZERO  # paid leave and meal vouchers of the next salary
    provisions: Provisions = field(default_factory=Provisions)

    @property
    def contract_must_change(self) -> bool:
        """The largest salary the margin funds is legal only at fewer hours than the
        contract's: paying it needs a new contract."""
        largest, hours = self.largest_fundable, self.salary.hours_per_week
        return largest is not None and hours is not None and largest.hours_per_week < hours
