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

The salary, from the margin:
- A salary is due for its month: every month after the last payslip up to the current one,
  from the entrepreneur's start on (the current one alone without any payslip). The
  remaining margin is after all of them.
- An hourly contract pays hours × rate × 52 / 12, hours above the legal 35 with their
  overtime premium (25 % for the next 8, 50 % beyond: the rates file's bands).
- Pay without set hours stands for the équivalent-heure of domain-rules §2.8, rounded down
  to the hundredth: the minimum wage for those hours never exceeds the pay.
- The largest salary a margin funds is a legal one: below the minimum wage for the
  contract's hours, it is the salary at the hours it stands for (the contract must change).
- Without a contract salary (a supported entrepreneur, or no contract figures yet), the
  salary shown is the one the activity sustains month after month: the average monthly
  margin before salaries over the last 12 complete months (since the first month if fewer;
  the current month alone if none is complete), less the coop's reserve. Never the whole
  margin spent on one month.
- The runway counts the months the margin pays, from the first salary due: each month's
  salary cost and, for months after the current one (already charged), the fixed fees and
  the yearly minimum contribution's twelfth where revenue does not cover it. It stops at
  24 months ("more than 24 months").
- What the coop provisions (`Provisions`): the safety reserve is kept out of the margin
  available; a salary costs its employer cost plus the paid-leave provision and the meal
  vouchers.
All amounts are Decimal euros rounded half-up to the cent.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from portal.money import round_cents
from portal.payroll import PayrollError, compute_payslip, minimum_monthly_wage
from portal.payroll import Payslip as PayslipFigures
from portal.projection.figures import (
    EarlierYearCredit,
    Inputs,
    Month,
    MonthFlows,
    Opening,
    Projection,
    Runway,
    Salary,
    Step,
    Sustainable,
)
from portal.projection.months import add_months, first_of_month, month_range
from portal.projection.pay import (
    MIN_HOURS,
    contract_gross,
    equivalent_hours,
    hourly_gross,
    largest_fundable,
    share_per_month,
)
from portal.projection.terms import ZERO, Basis

CHART_MONTHS = 12
# The months a sustainable salary averages: a year evens out a seasonal activity.
AVERAGE_MONTHS = 12
# The runway is counted this far; beyond it, "more than" this many months.
RUNWAY_HORIZON = 24


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


def _due_periods(inputs: Inputs) -> list[date]:
    """The months whose salary is due, oldest first: every month after the last payslip's
    up to the current one, none before the entrepreneur's start (older gaps are the back
    office's, in its balance); the current one alone without any payslip; the month after
    the last payslip's when that is this month or a later one."""
    current = first_of_month(inputs.today)
    last = inputs.last_paid_period
    if last is None:
        return [current]
    if last >= current:
        return [add_months(last, 1)]
    return month_range(max(add_months(last, 1), first_of_month(inputs.start)), current)


def _sustainable(inputs: Inputs, segments: list[_Segment], period: date) -> Sustainable:
    """The average monthly margin before salaries of the last complete months, less the
    coop's reserve, and the salary it pays each month at the hours that pay stands for."""
    current = first_of_month(inputs.today)
    before_salaries: dict[date, Decimal] = defaultdict(lambda: ZERO)
    for segment in segments:
        before_salaries[segment.flows.month] += segment.net + segment.flows.salary_cost
    first = max(segments[0].flows.month, add_months(current, -AVERAGE_MONTHS))
    window = month_range(first, add_months(current, -1)) or [current]
    total = sum((before_salaries[month] for month in window), ZERO)
    average = round_cents(total / len(window))
    reserve = inputs.provisions.monthly_reserve(average)
    budget = inputs.provisions.salary_budget(average - reserve)
    payslip = largest_fundable(budget, None, period, inputs.employer)
    return Sustainable(window[0], len(window), average, reserve, payslip)


def _salary(inputs: Inputs, segments: list[_Segment]) -> tuple[Salary, Sustainable | None]:
    """The salary of every month due: the what-if's, the contract's, or without a contract
    salary the one the activity sustains (a what-if of extra revenue alone shows none)."""
    periods = _due_periods(inputs)
    period = periods[0]
    contract, what_if = inputs.contract, inputs.what_if

    def set_hours(gross: Decimal, on: date) -> Decimal:
        if contract.hours_per_week >= MIN_HOURS:
            return contract.hours_per_week
        return equivalent_hours(gross, on)

    def what_if_pay(on: date) -> tuple[Decimal, Decimal]:
        if what_if.gross is not None:
            return what_if.gross, what_if.hours_per_week or set_hours(what_if.gross, on)
        hours = what_if.hours_per_week
        if contract.hourly_rate:
            return hourly_gross(hours, contract.hourly_rate, on), hours
        return minimum_monthly_wage(hours, on), hours  # paid at the SMIC

    def contract_pay(on: date) -> tuple[Decimal, Decimal]:
        gross = contract_gross(contract, on)
        return gross, set_hours(gross, on)

    try:
        if what_if.gross is not None or what_if.hours_per_week is not None:
            pay, source = what_if_pay, "what_if"
        elif contract.salaried and contract.is_set:
            pay = contract_pay
            source = "fixed" if contract.fixed_gross is not None else "hours"
        elif what_if.is_empty:
            sustainable = _sustainable(inputs, segments, period)
            payslip = sustainable.payslip
            hours = payslip.hours_per_week if payslip else None
            return Salary(period, payslip, "fundable" if payslip else "none", hours), sustainable
        else:
            return Salary(period, None, "none", None), None
        due = tuple(compute_payslip(*pay(on), on, inputs.employer) for on in periods)
        return Salary(period, due[0], source, due[0].hours_per_week, due=due), None
    except PayrollError as error:
        return Salary(period, None, "none", None, error.message, error.params), None


def _runway(
    balance: Decimal, due: tuple[PayslipFigures, ...], inputs: Inputs, years: dict
) -> Runway | None:
    """Months of salary `balance` pays, from the first due: each month's salary cost, and
    for a month after the current one (its fees and minimum are not charged yet) the fixed
    fees and what the yearly minimum contribution adds without new revenue."""
    if not due:
        return None
    scheme, current = inputs.scheme, first_of_month(inputs.today)
    years = dict(years)
    month = first_of_month(due[0].on)
    for count in range(RUNWAY_HORIZON + 1):
        cost = inputs.provisions.salary_cost(due[min(count, len(due) - 1)])
        if month > current:
            base, months_in = years.get(month.year, (ZERO, 0))
            years[month.year] = (base, months_in + 1)
            cost += scheme.fixed_monthly_fees
            cost += scheme.year_to_date(base, months_in + 1) - scheme.year_to_date(base, months_in)
        if balance < cost:
            return Runway(count)
        balance -= cost
        month = add_months(month, 1)
    return Runway(RUNWAY_HORIZON, beyond=True)


@dataclass(frozen=True)
class Ledger:
    """The margin month by month as the movements (and a what-if's extra revenue) make it:
    what a projection computes before the salary, the same whatever hours or gross a
    what-if tries. `years`: each year's cumulative contribution base and months in; the
    totals are of the movements after the opening balance (all of them without one);
    `months` end with the current one."""

    segments: tuple[_Segment, ...]
    years: dict[int, tuple[Decimal, int]]
    balance: Decimal
    collected: Decimal
    contribution: Decimal
    expenses: Decimal
    fees: Decimal
    fee_months: int
    salaries: Decimal
    months: tuple[Month, ...]


def build_ledger(inputs: Inputs) -> Ledger:
    flows = list(inputs.flows)
    if inputs.what_if.extra_revenue:
        flows.append(
            MonthFlows(
                month=first_of_month(inputs.today),
                after_opening=True,
                invoiced=inputs.what_if.extra_revenue,
                collected=inputs.what_if.extra_revenue,
            )
        )
    segments = _segments(inputs, flows)
    years = _charge(segments, inputs)
    _balances(segments, inputs.opening)
    after = [segment for segment in segments if segment.flows.after_opening]

    def total(attribute: str) -> Decimal:
        return sum((getattr(segment.flows, attribute) for segment in after), ZERO)

    current = first_of_month(inputs.today)
    return Ledger(
        segments=tuple(segments),
        years=years,
        balance=segments[-1].balance if segments else ZERO,
        collected=total("collected"),
        contribution=sum((segment.contribution for segment in after), ZERO),
        expenses=total("expenses"),
        fees=sum((segment.fees for segment in after), ZERO),
        fee_months=sum(1 for segment in after if segment.fees),
        salaries=total("salary_cost"),
        months=tuple(month for month in _months(segments) if month.month <= current),
    )


def project(inputs: Inputs, ledger: Ledger | None = None) -> Projection:
    """The projection of one entrepreneur on `inputs.today`; from `ledger` when the caller
    has the one these inputs make (a what-if of other hours or another gross reuses its
    member's), never changed here."""
    ledger = ledger or build_ledger(inputs)
    segments, years, balance = ledger.segments, ledger.years, ledger.balance
    has_data = bool(inputs.flows or inputs.opening or inputs.outstanding)
    collected, expenses, salaries = ledger.collected, ledger.expenses, ledger.salaries
    contribution, fees, fee_months = ledger.contribution, ledger.fees, ledger.fee_months
    provisions = inputs.provisions
    # The margin available: what the balance holds less the safety reserve.
    reserve = provisions.reserve(balance)
    margin = balance - reserve

    salary, sustainable = _salary(inputs, segments)
    due = salary.due
    payslip = salary.payslip
    # What a salary takes from the margin: its employer cost and its provisions.
    extras = provisions.salary_extras(payslip.employer_cost) if payslip else ZERO
    due_cost = sum((provisions.salary_cost(p) for p in due), ZERO) if due else None
    fundable = payslip is not None and (due_cost is None or due_cost <= margin)
    largest = None
    if due and not fundable:
        share = provisions.salary_budget(share_per_month(margin, len(due)))
        largest = largest_fundable(share, salary.hours_per_week, salary.period, inputs.employer)
    remaining = margin - due_cost if due_cost is not None else None
    runway = _runway(margin, due, inputs, years)

    # If every outstanding invoice is paid: the cash comes in, and on a collected basis the
    # contribution on it falls due this year (on an invoiced basis it already has).
    this_year = inputs.today.year
    extra_contribution = ZERO
    if inputs.scheme.basis is Basis.COLLECTED and inputs.outstanding:
        base, months_in = years.get(this_year, (ZERO, 0))
        extra_contribution = inputs.scheme.year_to_date(
            base + inputs.outstanding, months_in
        ) - inputs.scheme.year_to_date(base, months_in)
    balance_if_paid = balance + inputs.outstanding - extra_contribution
    margin_if_paid = balance_if_paid - provisions.reserve(balance_if_paid)
    remaining_if_paid = margin_if_paid - due_cost if due_cost is not None else None

    months = ledger.months
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
        Step(
            "minimum_contribution",
            None,
            {"minimum": inputs.scheme.yearly_minimum, "contract": inputs.scheme.minimum_contract},
        ),
        Step("expenses", -expenses),
        Step(
            "fees",
            -fees,
            {
                "months": fee_months,
                "monthly": inputs.scheme.fixed_monthly_fees,
                "items": inputs.scheme.fixed_fees,
            },
        ),
        Step("salaries", -salaries),
        Step(
            "reserve",
            -reserve,
            {"rate": provisions.reserve_rate, "amount": provisions.reserve_amount},
        ),
        Step("margin", margin),
    ]
    steps += _salary_steps(salary, sustainable, remaining, runway, inputs)
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
        runway=runway,
        outstanding=inputs.outstanding,
        margin_if_paid=margin_if_paid,
        remaining_if_paid=remaining_if_paid,
        runway_if_paid=_runway(margin_if_paid, due, inputs, years),
        sustainable=sustainable,
        vat_invoiced_this_year=sum((f.vat_invoiced for f in year_flows), ZERO),
        vat_recoverable_this_year=sum((f.vat_recoverable for f in year_flows), ZERO),
        invoiced_this_year=sum((m.invoiced for m in year_months), ZERO),
        contribution_this_year=sum((m.contribution for m in year_months), ZERO),
        months=tuple(months[-CHART_MONTHS:]),
        activities=inputs.activities,
        steps=tuple(steps),
        scheme=inputs.scheme,
        reserve=reserve,
        salary_provisions=extras,
        provisions=provisions,
    )


def _salary_steps(
    salary: Salary,
    sustainable: Sustainable | None,
    remaining: Decimal | None,
    runway: Runway | None,
    inputs: Inputs,
) -> list[Step]:
    """The lines of "How is this computed?" from the margin to the salary and after it."""
    payslip, scheme, provisions = salary.payslip, inputs.scheme, inputs.provisions

    def cost_steps(payslip: PayslipFigures) -> list[Step]:
        employer = inputs.employer
        return [
            Step("net", payslip.net_before_tax),
            Step(
                "health_plan",
                None,
                {
                    "employer": employer.health_plan_employer,
                    "employee": employer.health_plan_employee,
                },
            ),
            Step("employer_cost", -payslip.employer_cost),
            Step(
                "paid_leave",
                -provisions.paid_leave(payslip.employer_cost),
                {"rate": provisions.paid_leave_rate},
            ),
            Step("meal_vouchers", -provisions.meal_vouchers),
        ]

    if sustainable is not None:
        steps = [
            Step(
                "sustainable_average",
                sustainable.average,
                {"months": sustainable.months, "first": sustainable.first},
            ),
            Step("sustainable_reserve", -sustainable.reserve),
        ]
        if payslip is not None:
            steps += [
                Step("sustainable_gross", payslip.gross, {"hours": salary.hours_per_week}),
                *cost_steps(payslip),
            ]
        return steps
    if payslip is None:
        return []
    steps = [
        Step("gross", payslip.gross, {"source": salary.source, "hours": salary.hours_per_week}),
        *cost_steps(payslip),
    ]
    if len(salary.due) > 1:
        others = salary.due[1:]
        steps.append(
            Step(
                "other_due",
                -sum((provisions.salary_cost(other) for other in others), ZERO),
                {"months": [other.on for other in others]},
            )
        )
    steps += [
        Step("remaining", remaining),
        Step(
            "runway",
            None,
            {
                "runway": runway,
                "monthly_cost": provisions.salary_cost(salary.due[-1]),
                "fees": scheme.fixed_monthly_fees,
                "minimum": scheme.yearly_minimum,
            },
        ),
    ]
    return steps
