"""The projection itself: pure Python on plain inputs (no Flask, no database).

From an opening balance, monthly totals of the activity and the contract, it gives the margin
available now, the next salary and whether the margin can fund it, the remaining margin, the
runway, the same figures if every outstanding invoice is paid, a month-by-month history, and
every step of the computation with its figures (research: domain-rules §2.3 and §2.8).

Rules, in the order they apply:
- The margin counts money actually received: revenue collected excl. VAT. An unpaid invoice
  cannot pay a salary; it appears in the "if every outstanding invoice is paid" figures.
- The coop's contribution is due on invoiced or on collected revenue (a coop setting), flat or
  in marginal bands on the calendar year's cumulative base, never below the yearly minimum
  accrued a twelfth per month the entrepreneur is in the coop that year. Each month is charged
  the increase of the year's contribution to date, so a credit note gives some of it back.
- Expenses cost their amount excl. VAT where the VAT is recoverable, else incl. VAT.
- Fixed fees are charged once per month, salaries at their total employer cost when paid.
- A balance snapshot from the back office is the margin at the end of its date, movements
  dated on or before it included: only later movements are added. Without one the margin
  starts at zero on the entrepreneur's first month.
All amounts are Decimal euros rounded half-up to the cent.
"""

import enum
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from portal.money import round_cents
from portal.payroll import (
    EmployerSettings,
    InvalidInputError,
    PayrollError,
    compute_payslip,
    max_gross_for_budget,
    minimum_monthly_wage,
)
from portal.payroll import Payslip as PayslipFigures

ZERO = Decimal(0)
FULL_TIME_HOURS = Decimal(35)
WEEKS_PER_MONTH = Decimal(52) / Decimal(12)
MIN_HOURS = Decimal(1)
MAX_HOURS = Decimal(48)
MONTHS_PER_YEAR = 12
CHART_MONTHS = 12
# What-if bounds: beyond them the figures would mean nothing for a monthly salary.
MAX_WHAT_IF_GROSS = Decimal(50_000)
MAX_WHAT_IF_EXTRA = Decimal(1_000_000)


class Basis(enum.StrEnum):
    INVOICED = "invoiced"
    COLLECTED = "collected"


@dataclass(frozen=True, slots=True)
class Band:
    start: Decimal  # euros of the year's cumulative base where the band starts
    rate: Decimal  # a fraction: 0.10 for 10 %


@dataclass(frozen=True, slots=True)
class Scheme:
    """The coop's contribution scheme and fixed fees. A flat rate is one band from zero."""

    bands: tuple[Band, ...]
    basis: Basis = Basis.INVOICED
    yearly_minimum: Decimal = ZERO
    fixed_monthly_fees: Decimal = ZERO

    def contribution(self, yearly_base: Decimal) -> Decimal:
        """Marginal bands on the year's cumulative base; nothing on a negative base."""
        bands = self.bands
        if len(bands) > 1:
            bands = sorted(bands, key=lambda band: band.start)
        total = ZERO
        for index, band in enumerate(bands):
            end = bands[index + 1].start if index + 1 < len(bands) else None
            if yearly_base <= band.start:
                break
            top = yearly_base if end is None else min(yearly_base, end)
            total += (top - band.start) * band.rate
        return round_cents(total)

    def year_to_date(self, yearly_base: Decimal, months_in: int) -> Decimal:
        accrued_minimum = round_cents(self.yearly_minimum * months_in / MONTHS_PER_YEAR)
        return max(self.contribution(yearly_base), accrued_minimum)


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
    source: str  # "fixed", "hours", "what_if", "fundable" (supported entrepreneur), "none"
    hours_per_week: Decimal | None
    error: str | None = None  # a payroll message (msgid % params), when it refused
    error_params: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Projection:
    today: date
    has_data: bool
    opening: Opening | None
    margin: Decimal
    salary: Salary
    fundable: bool  # the margin covers the next salary's employer cost
    largest_fundable: PayslipFigures | None  # the largest salary the margin can pay
    remaining: Decimal | None  # margin after the next salary
    runway_months: int | None  # months the margin pays the salary and the fixed fees
    outstanding: Decimal
    margin_if_paid: Decimal
    remaining_if_paid: Decimal | None
    runway_if_paid: int | None
    vat_invoiced_this_year: Decimal
    vat_recoverable_this_year: Decimal
    invoiced_this_year: Decimal
    contribution_this_year: Decimal
    months: tuple[Month, ...]  # the last 12, oldest first
    activities: tuple[ActivityTotals, ...]
    steps: tuple[Step, ...]
    scheme: Scheme


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def equivalent_hours(gross: Decimal, on: date) -> Decimal:
    """Hours a week for pay without set hours: full time from the monthly SMIC up, else in
    proportion to it (FCAE's équivalent-heure, domain-rules §2.8), at least one hour."""
    full_time_smic = minimum_monthly_wage(FULL_TIME_HOURS, on)
    if gross >= full_time_smic:
        return FULL_TIME_HOURS
    hours = (FULL_TIME_HOURS * gross / full_time_smic).quantize(Decimal("0.01"))
    return max(MIN_HOURS, hours)


def contract_gross(contract: Contract) -> Decimal:
    if contract.fixed_gross is not None:
        return contract.fixed_gross
    return round_cents(contract.hours_per_week * contract.hourly_rate * WEEKS_PER_MONTH)


@dataclass
class _Segment:
    flows: MonthFlows
    first_of_its_month: bool
    contribution: Decimal = ZERO
    fees: Decimal = ZERO
    net: Decimal = ZERO
    balance: Decimal = ZERO


def _segments(inputs: Inputs, flows: list[MonthFlows]) -> list[_Segment]:
    """Every month from the first to the last, the opening's month split in two."""
    merged: dict[tuple[date, bool], MonthFlows] = {}
    for row in flows:
        month = row.month if row.month.day == 1 else first_of_month(row.month)
        key = (month, row.after_opening)
        previous = merged.get(key)
        if previous is not None:
            merged[key] = previous + row
        else:
            merged[key] = row if row.month is month else replace(row, month=month)
    opening_month = first_of_month(inputs.opening.on) if inputs.opening else None
    months = [key[0] for key in merged] + [first_of_month(inputs.start)]
    current = first_of_month(inputs.today)
    if opening_month:
        months.append(opening_month)
    segments = []
    for month in month_range(min(months), max([*months, current])):
        if opening_month is None or month > opening_month:
            parts = (True,)
        elif month < opening_month:
            parts = (False,)
        else:
            parts = (False, True)
        for index, after in enumerate(parts):
            flow = merged.get((month, after)) or MonthFlows(month=month, after_opening=after)
            segments.append(_Segment(flow, first_of_its_month=index == 0))
    return segments


def _charge(segments: list[_Segment], inputs: Inputs) -> dict[int, tuple[Decimal, int]]:
    """Contribution, fees and net movement of each segment; returns each year's cumulative
    contribution base and months in the coop, for the outstanding-invoices figures.

    The entrepreneur is in the coop from the first segment on: their start, their first
    movement or the opening balance, whichever is earliest. A credit note of an earlier
    year's invoice counts in that year's base, when its months were read (its bands, its
    minimum); a balance's year-to-date base replaces its year's base read so far."""
    scheme = inputs.scheme
    current = first_of_month(inputs.today)
    years: dict[int, tuple[Decimal, int]] = {}
    charged: dict[int, Decimal] = defaultdict(lambda: ZERO)
    credits: dict[tuple[date, bool], list[EarlierYearCredit]] = defaultdict(list)
    for credit in inputs.earlier_year_credits:
        credits[credit.month, credit.after_opening].append(credit)
    opening = inputs.opening
    rebase = opening is not None and opening.year_base is not None
    for segment in segments:
        flows = segment.flows
        year = flows.month.year
        base, months_in = years.get(year, (ZERO, 0))
        if rebase and flows.after_opening and year == opening.on.year:
            rebase = False
            base = opening.year_base
            charged[year] = scheme.year_to_date(base, months_in)
        base += flows.invoiced if scheme.basis is Basis.INVOICED else flows.collected
        moved = [
            (credit.year, credit.invoiced if scheme.basis is Basis.INVOICED else credit.collected)
            for credit in credits.get((flows.month, flows.after_opening), ())
            if credit.year in years
        ]
        base -= sum((amount for _, amount in moved), ZERO)
        # Months still to come (an invoice dated ahead) owe no fees nor minimum yet.
        if segment.first_of_its_month and flows.month <= current:
            months_in += 1
            segment.fees = scheme.fixed_monthly_fees
        years[year] = (base, months_in)
        to_date = scheme.year_to_date(base, months_in)
        segment.contribution = to_date - charged[year]
        charged[year] = to_date
        for earlier, amount in moved:
            earlier_base, earlier_months = years[earlier]
            years[earlier] = (earlier_base + amount, earlier_months)
            to_date = scheme.year_to_date(earlier_base + amount, earlier_months)
            segment.contribution += to_date - charged[earlier]
            charged[earlier] = to_date
        segment.net = (
            flows.collected
            - segment.contribution
            - flows.expenses
            - segment.fees
            - flows.salary_cost
        )
    return years


def _balances(segments: list[_Segment], opening: Opening | None) -> None:
    if opening is None:
        balance = ZERO
        for segment in segments:
            balance += segment.net
            segment.balance = balance
        return
    # The snapshot is the balance at the end of the last segment on or before its date:
    # later months add their movements, earlier ones are worked out backwards.
    anchor = max(i for i, segment in enumerate(segments) if not segment.flows.after_opening)
    segments[anchor].balance = opening.amount
    for i in range(anchor + 1, len(segments)):
        segments[i].balance = segments[i - 1].balance + segments[i].net
    for i in range(anchor - 1, -1, -1):
        segments[i].balance = segments[i + 1].balance - segments[i + 1].net


def _months(segments: list[_Segment]) -> list[Month]:
    by_month: dict[date, Month] = {}
    for segment in segments:
        flows = segment.flows
        previous = by_month.get(flows.month)
        if previous is None:
            by_month[flows.month] = Month(
                month=flows.month,
                invoiced=flows.invoiced,
                collected=flows.collected,
                contribution=segment.contribution,
                expenses=flows.expenses,
                fees=segment.fees,
                salary_cost=flows.salary_cost,
                margin_end=segment.balance,
            )
        else:
            by_month[flows.month] = replace(
                previous,
                invoiced=previous.invoiced + flows.invoiced,
                collected=previous.collected + flows.collected,
                contribution=previous.contribution + segment.contribution,
                expenses=previous.expenses + flows.expenses,
                fees=previous.fees + segment.fees,
                salary_cost=previous.salary_cost + flows.salary_cost,
                margin_end=segment.balance,
            )
    return list(by_month.values())


def _next_period(inputs: Inputs) -> date:
    """The month of the next salary: this month, unless its payslip is already recorded."""
    current = first_of_month(inputs.today)
    if inputs.last_paid_period and inputs.last_paid_period >= current:
        return add_months(inputs.last_paid_period, 1)
    return current


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
    week; without set hours, at the hours that pay is worth (full time first, then pro rata
    if the pay is below the full-time SMIC). None if it covers no salary at all."""
    if hours is not None:
        return _fundable(budget, hours, period, employer)
    payslip = _fundable(budget, FULL_TIME_HOURS, period, employer)
    if payslip is None:
        return None
    hours = equivalent_hours(payslip.gross, period)
    if hours != FULL_TIME_HOURS:
        payslip = _fundable(budget, hours, period, employer) or payslip
    return payslip


def _salary(inputs: Inputs, margin: Decimal) -> Salary:
    period = _next_period(inputs)
    contract, what_if = inputs.contract, inputs.what_if
    try:
        if what_if.gross is not None or what_if.hours_per_week is not None:
            if what_if.gross is not None:
                gross = what_if.gross
                hours = what_if.hours_per_week or (
                    contract.hours_per_week
                    if contract.hours_per_week >= MIN_HOURS
                    else equivalent_hours(gross, period)
                )
            else:
                hours = what_if.hours_per_week
                hourly_smic = minimum_monthly_wage(FULL_TIME_HOURS, period) / (
                    FULL_TIME_HOURS * WEEKS_PER_MONTH
                )
                rate = contract.hourly_rate or hourly_smic
                gross = round_cents(hours * rate * WEEKS_PER_MONTH)
            return Salary(
                period, compute_payslip(gross, hours, period, inputs.employer), "what_if", hours
            )
        if contract.salaried and contract.is_set:
            gross = contract_gross(contract)
            hours = (
                contract.hours_per_week
                if contract.hours_per_week >= MIN_HOURS
                else equivalent_hours(gross, period)
            )
            source = "fixed" if contract.fixed_gross is not None else "hours"
            return Salary(
                period, compute_payslip(gross, hours, period, inputs.employer), source, hours
            )
        # No salary yet: what the margin could pay once salaried.
        payslip = largest_fundable(margin, None, period, inputs.employer)
        if payslip is None:
            return Salary(period, None, "none", None)
        return Salary(period, payslip, "fundable", payslip.hours_per_week)
    except PayrollError as error:
        return Salary(period, None, "none", None, error.message, error.params)


def _runway(margin: Decimal, monthly_cost: Decimal) -> int | None:
    if monthly_cost <= 0:
        return None
    if margin <= 0:
        return 0
    return int((margin / monthly_cost).to_integral_value(ROUND_FLOOR))


def project(inputs: Inputs) -> Projection:
    """The projection of one entrepreneur on `inputs.today`."""
    flows = list(inputs.flows)
    what_if = inputs.what_if
    if what_if.extra_revenue:
        current = first_of_month(inputs.today)
        flows.append(
            MonthFlows(
                month=current,
                after_opening=True,
                invoiced=what_if.extra_revenue,
                collected=what_if.extra_revenue,
            )
        )
    has_data = bool(inputs.flows or inputs.opening or inputs.outstanding)
    segments = _segments(inputs, flows)
    years = _charge(segments, inputs)
    _balances(segments, inputs.opening)
    margin = segments[-1].balance if segments else ZERO
    after = [segment for segment in segments if segment.flows.after_opening]

    def total(attribute: str) -> Decimal:
        return sum((getattr(segment.flows, attribute) for segment in after), ZERO)

    collected, expenses, salaries = total("collected"), total("expenses"), total("salary_cost")
    contribution = sum((segment.contribution for segment in after), ZERO)
    fees = sum((segment.fees for segment in after), ZERO)
    fee_months = sum(1 for segment in after if segment.fees)

    salary = _salary(inputs, margin)
    payslip = salary.payslip
    cost = payslip.employer_cost if payslip else None
    is_potential = salary.source == "fundable"
    fundable = cost is not None and (is_potential or cost <= margin)
    largest = None
    if payslip is not None and not fundable:
        largest = _fundable(margin, salary.hours_per_week, salary.period, inputs.employer)
    remaining = margin - cost if cost is not None else None
    monthly_cost = cost + inputs.scheme.fixed_monthly_fees if cost is not None else ZERO

    # If every outstanding invoice is paid: the cash comes in, and on a collected basis the
    # contribution on it falls due this year (on an invoiced basis it already has).
    this_year = inputs.today.year
    extra_contribution = ZERO
    if inputs.scheme.basis is Basis.COLLECTED and inputs.outstanding:
        base, months_in = years.get(this_year, (ZERO, 0))
        extra_contribution = inputs.scheme.year_to_date(
            base + inputs.outstanding, months_in
        ) - inputs.scheme.year_to_date(base, months_in)
    margin_if_paid = margin + inputs.outstanding - extra_contribution
    remaining_if_paid = margin_if_paid - cost if cost is not None else None

    months = [month for month in _months(segments) if month.month <= first_of_month(inputs.today)]
    year_months = [month for month in months if month.month.year == this_year]
    year_flows = [s.flows for s in segments if s.flows.month.year == this_year]

    steps = [
        Step(
            "opening",
            inputs.opening.amount if inputs.opening else ZERO,
            {"date": inputs.opening.on if inputs.opening else first_of_month(inputs.start)},
        ),
        Step("collected", collected),
        Step(
            "contribution",
            -contribution,
            {
                "basis": inputs.scheme.basis,
                "bands": inputs.scheme.bands,
                "minimum": inputs.scheme.yearly_minimum,
            },
        ),
        Step("expenses", -expenses),
        Step("fees", -fees, {"months": fee_months, "monthly": inputs.scheme.fixed_monthly_fees}),
        Step("salaries", -salaries),
        Step("margin", margin),
    ]
    if payslip is not None:
        steps += [
            Step("gross", payslip.gross, {"source": salary.source, "hours": salary.hours_per_week}),
            Step("net", payslip.net_before_tax),
            Step("employer_cost", -payslip.employer_cost),
            Step("remaining", remaining),
            Step(
                "runway",
                None,
                {"months": _runway(margin, monthly_cost), "monthly_cost": monthly_cost},
            ),
        ]
    steps += [
        Step("outstanding", inputs.outstanding),
        Step("outstanding_contribution", -extra_contribution),
        Step("margin_if_paid", margin_if_paid),
    ]
    return Projection(
        today=inputs.today,
        has_data=has_data,
        opening=inputs.opening,
        margin=margin,
        salary=salary,
        fundable=fundable,
        largest_fundable=largest,
        remaining=remaining,
        runway_months=_runway(margin, monthly_cost),
        outstanding=inputs.outstanding,
        margin_if_paid=margin_if_paid,
        remaining_if_paid=remaining_if_paid,
        runway_if_paid=_runway(margin_if_paid, monthly_cost),
        vat_invoiced_this_year=sum((f.vat_invoiced for f in year_flows), ZERO),
        vat_recoverable_this_year=sum((f.vat_recoverable for f in year_flows), ZERO),
        invoiced_this_year=sum((m.invoiced for m in year_months), ZERO),
        contribution_this_year=sum((m.contribution for m in year_months), ZERO),
        months=tuple(months[-CHART_MONTHS:]),
        activities=inputs.activities,
        steps=tuple(steps),
        scheme=inputs.scheme,
    )
