"""French payslip computation: gross to net, employer cost, general reduction, withholding.

Rounding rule: every contribution line is `base × rate` rounded half-up to the cent, and every
total is the sum of the rounded lines, as on a printed payslip. Bases are rounded to the cent
too, after any cap. The pro-rated social-security ceiling (PSS) and the monthly SMIC of the
general reduction stay exact (divisions last), as modele-social has them: the rules compare the
gross with them, so rounding them would move the CET and the 3 × SMIC cliff by a cent.
The general-reduction coefficient is rounded half-up to the places the rates file gives (4).

Scope: one month of a non-executive employee on a CDI in metropolitan France, with no overtime
regime, absence or benefit in kind. Hours above the legal week count as contract hours for the
general reduction and the ceiling; the overtime premium only raises the minimum wage.
"""

import functools
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    InvalidOperation,
    localcontext,
)
from typing import Literal, NamedTuple

from .errors import N_, InvalidInputError
from .rates import ContributionRule, PayrollRates, rates_on

CENT = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")
HALF = Decimal("0.5")
MONTHS_PER_YEAR = Decimal("12")
MAX_AMOUNT = Decimal("1000000")
MIN_HOURS_PER_WEEK = Decimal("1")
MAX_HOURS_PER_WEEK = Decimal("48")
GENERAL_REDUCTION_CODE = "rgdu"
GENERAL_REDUCTION_LABEL = "Réduction générale dégressive unique"

# Every computation runs in this context, whatever the caller's Decimal context is.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_UP)

Payer = Literal["employee", "employer"]


def _money(value: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return value.quantize(CENT, ROUND_HALF_UP)


def _to_decimal(value: object, not_a_number: str, field_name: str) -> Decimal:
    """Accept Decimal, int or a numeric str; reject float (binary rounding) with TypeError."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, (bool, float)):
        raise TypeError(f"{field_name}: pass a Decimal, int or str, not {type(value).__name__}")
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise InvalidInputError(not_a_number, field=field_name) from None
    else:
        raise TypeError(f"{field_name}: pass a Decimal, int or str, not {type(value).__name__}")
    if not number.is_finite():
        raise InvalidInputError(not_a_number, field=field_name)
    return number


def _amount(value: object, field_name: str) -> Decimal:
    """A money input: a number from 0 to 1,000,000 €, rounded half-up to the cent."""
    messages = {
        "gross": (
            N_("The gross salary must be a number."),
            N_("The gross salary cannot be negative."),
            N_("The gross salary cannot exceed %(maximum)s €."),
        ),
        "budget": (
            N_("The budget must be a number."),
            N_("The budget cannot be negative."),
            N_("The budget cannot exceed %(maximum)s €."),
        ),
    }[field_name]
    number = _to_decimal(value, messages[0], field_name)
    if number < 0:
        raise InvalidInputError(messages[1], field=field_name)
    if number > MAX_AMOUNT:
        raise InvalidInputError(messages[2], field=field_name, maximum=MAX_AMOUNT)
    return _money(number)


def _hours(value: object) -> Decimal:
    """Contract hours per week: a number from 1 to 48 (the legal weekly maximum)."""
    hours = _to_decimal(value, N_("Hours per week must be a number."), "hours_per_week")
    if not MIN_HOURS_PER_WEEK <= hours <= MAX_HOURS_PER_WEEK:
        raise InvalidInputError(
            N_("Hours per week must be between %(minimum)s and %(maximum)s."),
            field="hours_per_week",
            minimum=MIN_HOURS_PER_WEEK,
            maximum=MAX_HOURS_PER_WEEK,
        )
    # 35.0 and 35 are the same contract; keep the plain form for display.
    return hours.quantize(ONE) if hours == hours.to_integral_value() else hours.normalize()


def _date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"on: pass a datetime.date, not {type(value).__name__}")
    return value


def _percent(rate: Decimal) -> Decimal:
    """0.005 → 0.5, for messages that speak in percent."""
    return Decimal(f"{(rate * 100).normalize():f}")


def _fraction(value: object, message: str, field_name: str, minimum: Decimal = ZERO) -> Decimal:
    """A rate given as a fraction (0.075 for 7.5 %) between `minimum` and 1."""
    rate = _to_decimal(value, message, field_name)
    if not minimum <= rate <= ONE:
        raise InvalidInputError(message, field=field_name, minimum=_percent(minimum))
    return rate


@dataclass(frozen=True, slots=True)
class EmployerSettings:
    """The coop's payroll settings.

    `work_accident_rate` None means the average collective rate of the rates file (what
    modele-social assumes); `mobility_levy_rate` (versement mobilité) depends on the commune and
    is 0 by default, as in modele-social without a commune. It applies from 11 employees.
    """

    headcount: int = 20
    work_accident_rate: Decimal | None = None
    mobility_levy_rate: Decimal = field(default=ZERO)
    # The coop's health and provident plans (mutuelle and prévoyance), € a month paid by the
    # employer and withheld from the employee; None: the rates file's default plan (the one
    # URSSAF's simulator assumes, 40 € split by its two health_plan lines).
    health_plan_employer: Decimal | None = None
    health_plan_employee: Decimal | None = None

    def __post_init__(self) -> None:
        if isinstance(self.headcount, bool) or not isinstance(self.headcount, int):
            raise TypeError(f"headcount: pass an int, not {type(self.headcount).__name__}")
        if self.headcount < 1:
            raise InvalidInputError(N_("The headcount must be at least 1."), field="headcount")
        if self.work_accident_rate is not None:
            object.__setattr__(
                self,
                "work_accident_rate",
                _fraction(
                    self.work_accident_rate,
                    N_("The work-accident rate must be between %(minimum)s %% and 100 %%."),
                    "work_accident_rate",
                ),
            )
        object.__setattr__(
            self,
            "mobility_levy_rate",
            _fraction(
                self.mobility_levy_rate,
                N_("The mobility levy rate must be between %(minimum)s %% and 100 %%."),
                "mobility_levy_rate",
            ),
        )
        if (self.health_plan_employer is None) != (self.health_plan_employee is None):
            raise TypeError("health plan: give both shares, or neither")
        for name in ("health_plan_employer", "health_plan_employee"):
            share = getattr(self, name)
            if share is not None:
                number = _to_decimal(share, N_("A health plan share must be a number."), name)
                if not ZERO <= number <= MAX_AMOUNT:
                    raise InvalidInputError(
                        N_("A health plan share must be between 0 and %(maximum)s €."),
                        field=name,
                        maximum=MAX_AMOUNT,
                    )
                object.__setattr__(self, name, _money(number))

    @property
    def health_plan_shares(self) -> dict[str, Decimal] | None:
        """{payer: € a month} when the coop set its plan, else None (the file's plan)."""
        if self.health_plan_employer is None:
            return None
        return {"employer": self.health_plan_employer, "employee": self.health_plan_employee}


DEFAULT_EMPLOYER = EmployerSettings()


class ContributionLine(NamedTuple):
    """One payslip line: `amount` = `base` × `rate`, rounded half-up to the cent.

    The general reduction is an employer line with a negative amount, so the employer lines
    add up to the employer contributions actually due. (A named tuple: a payslip has about
    30 lines, and a tuple is made in a third of a frozen dataclass's time.)
    """

    code: str
    label: str
    payer: Payer
    base: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Payslip:
    """A month's pay. Totals are sums of the rounded lines.

    net_before_tax = gross - employee_contributions; employer_cost = gross +
    employer_contributions (after the general reduction); taxable_net = net_before_tax + the
    lines that are not deductible from income tax (CSG non déductible, CRDS, the employer's
    health-plan share). minimum_wage is the monthly SMIC for these hours, overtime premium
    included. The three withholding fields are None unless a withholding was asked for.
    `stale_rates`: the date is past the period of the latest rates file, whose rates were
    applied all the same (new rates are due and not in the portal yet).
    """

    gross: Decimal
    hours_per_week: Decimal
    on: date
    lines: tuple[ContributionLine, ...]
    employee_contributions: Decimal
    employer_contributions: Decimal
    general_reduction: Decimal
    net_before_tax: Decimal
    taxable_net: Decimal
    employer_cost: Decimal
    minimum_wage: Decimal
    below_minimum_wage: bool
    rates_from: date  # the period of the rates file used (rates_until: its last day)
    rates_until: date
    income_tax: Decimal | None = None
    net_after_tax: Decimal | None = None
    withholding_rate: Decimal | None = None

    @property
    def stale_rates(self) -> bool:
        return self.on > self.rates_until


@dataclass(frozen=True, slots=True)
class _Rule:
    """A contribution rule resolved for one employer and one number of hours."""

    code: str
    label: str
    payer: Payer
    base: str
    rate: Decimal
    low: Decimal  # the slice of gross starts here (euros)
    high: Decimal | None  # and ends here
    above: Decimal | None  # the line applies only to a gross above this (CET)
    fixed_base: Decimal | None  # health_plan and employer_health bases
    taxable: bool
    base_index: int = 0  # its base in _Situation.base_rules, shared by the rules on it


@dataclass(frozen=True, slots=True)
class _Situation:
    """Everything that depends on the date, the hours and the employer but not on the gross."""

    rates: PayrollRates
    hours_per_week: Decimal
    csg_ceiling: Decimal  # 4 × the pro-rated PSS, exact
    employer_health: Decimal
    minimum_wage: Decimal
    reduction_threshold: Decimal  # 3 × SMIC for these hours; no reduction at or above it
    t_delta: Decimal
    reduction_max: Decimal
    reduction_quantum: Decimal
    exponent_root: tuple[int, int] | None  # P = n / 2**k as (n, k), to use square roots
    rules: tuple[_Rule, ...]
    employer_rules: tuple[_Rule, ...]
    base_rules: tuple[_Rule, ...]  # one rule for each distinct base, computed once a payslip


def _exponent_as_roots(exponent: Decimal) -> tuple[int, int] | None:
    # Decimal's general power is slow (~35 µs); x ** (n / 2**k) is k square roots of x ** n.
    for roots in range(5):
        numerator = exponent * (2**roots)
        if numerator == numerator.to_integral_value() and 0 < numerator <= 16:
            return int(numerator), roots
    return None


def _premium_hours(rates: PayrollRates, hours: Decimal) -> Decimal:
    """Hours plus the overtime premium, in hours: 40 h a week are paid as 35 + 5 × 1.25."""
    paid = hours
    bands = rates.overtime_premiums
    for index, (above, premium) in enumerate(bands):
        upper = bands[index + 1][0] if index + 1 < len(bands) else hours
        paid += premium * max(ZERO, min(hours, upper) - above)
    return paid


def _monthly(rates: PayrollRates, weekly_amount: Decimal) -> Decimal:
    # Divide last: 3 × 12.31 × 35 × 52 / 12 is exactly 5601.05, whereas multiplying the rounded
    # 151.666…67 hours would put the 3 × SMIC cliff a hair above it.
    return weekly_amount * rates.weeks_per_year / MONTHS_PER_YEAR


@functools.lru_cache(maxsize=512)
def _situation(rates: PayrollRates, hours: Decimal, employer: EmployerSettings) -> _Situation:
    with localcontext(_CONTEXT):
        # The PSS pro-rated to part-time hours (temps de travail . plafond sécurité sociale).
        ceiling = rates.social_security_ceiling * min(hours, rates.legal_weekly_hours)
        ceiling /= rates.legal_weekly_hours
        settings = {
            "work_accident": rates.work_accident_default_rate
            if employer.work_accident_rate is None
            else employer.work_accident_rate,
            "mobility_levy": employer.mobility_levy_rate,
        }
        if settings["work_accident"] < rates.work_accident_minimum_rate:
            raise InvalidInputError(
                N_("The work-accident rate must be between %(minimum)s %% and 100 %%."),
                field="work_accident_rate",
                minimum=_percent(rates.work_accident_minimum_rate),
            )
        plan = rates.health_plan_monthly
        shares = employer.health_plan_shares
        if shares is not None:
            employer_health = shares["employer"]
        else:
            employer_health = sum(
                (
                    _money(plan * rule.rate)
                    for rule in rates.contributions
                    if rule.base == "health_plan"
                    and rule.payer == "employer"
                    and rule.rate is not None
                    and rule.applies_to(employer.headcount)
                ),
                ZERO,
            )
        rules, base_rules, bases = [], [], {}
        for rule in rates.contributions:
            resolved = _resolve(
                rule, employer.headcount, settings, ceiling, plan, employer_health, shares
            )
            if resolved is None:
                continue
            key = (resolved.base, resolved.low, resolved.high, resolved.above, resolved.fixed_base)
            if key not in bases:
                bases[key] = len(base_rules)
                base_rules.append(resolved)
            rules.append(replace(resolved, base_index=bases[key]))
        t_delta = rates.reduction_t_delta_for(employer.headcount)
        return _Situation(
            rates=rates,
            hours_per_week=hours,
            csg_ceiling=ceiling * rates.csg_base_ceiling_multiple,
            employer_health=employer_health,
            minimum_wage=_money(
                _monthly(rates, rates.minimum_wage_hourly * _premium_hours(rates, hours))
            ),
            reduction_threshold=_monthly(
                rates,
                rates.reduction_minimum_wage_multiple * rates.minimum_wage_hourly * hours,
            ),
            t_delta=t_delta,
            reduction_max=rates.reduction_t_min + t_delta,
            reduction_quantum=Decimal(1).scaleb(-rates.reduction_coefficient_places),
            exponent_root=_exponent_as_roots(rates.reduction_exponent),
            rules=tuple(rules),
            employer_rules=tuple(rule for rule in rules if rule.payer == "employer"),
            base_rules=tuple(base_rules),
        )


def _resolve(
    rule: ContributionRule,
    headcount: int,
    settings: dict[str, Decimal],
    ceiling: Decimal,
    plan: Decimal,
    employer_health: Decimal,
    shares: dict[str, Decimal] | None,
) -> _Rule | None:
    if not rule.applies_to(headcount):
        return None
    rate = rule.rate if rule.rate is not None else settings[str(rule.rate_setting)]
    if rule.base == "health_plan" and shares is not None:
        # The coop's own plan: each payer's line is its share, whole.
        plan, rate = shares[rule.payer], ONE
    fixed_base = {"health_plan": _money(plan), "employer_health": employer_health}.get(rule.base)
    if rate == 0 or fixed_base == 0:
        return None
    return _Rule(
        code=rule.code,
        label=rule.label,
        payer=rule.payer,
        base=rule.base,
        rate=rate,
        low=rule.from_pss * ceiling,
        high=rule.to_pss * ceiling if rule.to_pss is not None else None,
        above=ceiling if rule.only_above_pss else None,
        fixed_base=fixed_base,
        taxable=rule.taxable,
    )


def _csg_base(gross: Decimal, situation: _Situation) -> Decimal:
    """98.25 % of gross up to 4 PSS, 100 % above, plus the employer's health-plan share."""
    capped = min(gross, situation.csg_ceiling)
    return _money(
        capped * situation.rates.csg_base_rate + (gross - capped) + situation.employer_health
    )


def _base(gross: Decimal, situation: _Situation, rule: _Rule) -> Decimal | None:
    """The base of `rule`'s line, None when the line does not apply to this gross."""
    if rule.fixed_base is not None:
        return rule.fixed_base
    if rule.base == "csg":
        return _csg_base(gross, situation)
    if rule.above is not None and gross <= rule.above:
        return None
    base = gross if rule.high is None or gross < rule.high else rule.high
    if rule.low:
        base -= rule.low
    base = _money(base)
    return base if base > 0 else None


def _line_amounts(
    gross: Decimal, situation: _Situation, rules: tuple[_Rule, ...]
) -> list[tuple[_Rule, Decimal, Decimal]]:
    """(rule, base, amount) for every line with a positive base. A payslip's 30 lines stand
    on about 8 bases (gross, its slices, the CSG's base…): each is computed once."""
    bases = [_base(gross, situation, rule) for rule in situation.base_rules]
    lines = []
    for rule in rules:
        base = bases[rule.base_index]
        if base is not None:
            lines.append((rule, base, _money(base * rule.rate)))
    return lines


def _reduction_coefficient(gross: Decimal, situation: _Situation) -> Decimal:
    """RGDU coefficient: Tmin + Tdelta × (½ (3 SMIC / gross − 1))^P, capped at Tmin + Tdelta.

    Zero for a zero gross or a gross at or above 3 × SMIC for the contract hours.
    """
    if gross <= 0 or gross >= situation.reduction_threshold:
        return ZERO
    rates = situation.rates
    x = HALF * (situation.reduction_threshold / gross - ONE)
    if situation.exponent_root is None:
        power = x**rates.reduction_exponent
    else:
        numerator, roots = situation.exponent_root
        power = x**numerator
        for _ in range(roots):
            power = power.sqrt()
    coefficient = min(rates.reduction_t_min + situation.t_delta * power, situation.reduction_max)
    return coefficient.quantize(situation.reduction_quantum, ROUND_HALF_UP)


def _general_reduction(
    gross: Decimal, situation: _Situation, employer_before: Decimal
) -> tuple[Decimal, Decimal]:
    """(coefficient, amount); the reduction never exceeds the employer contributions."""
    coefficient = _reduction_coefficient(gross, situation)
    return coefficient, min(_money(gross * coefficient), employer_before)


def _employer_cost(gross: Decimal, situation: _Situation) -> Decimal:
    """gross + employer contributions after the general reduction, as compute_payslip has it."""
    amounts = _line_amounts(gross, situation, situation.employer_rules)
    before = sum((amount for _, _, amount in amounts), ZERO)
    return gross + before - _general_reduction(gross, situation, before)[1]


def _withholding(
    rates: PayrollRates,
    taxable_net: Decimal,
    withholding_rate: object,
    neutral_withholding: bool,
) -> Decimal | None:
    if withholding_rate is not None and neutral_withholding:
        raise InvalidInputError(
            N_("Choose either a personal withholding rate or the neutral scale, not both."),
            field="withholding_rate",
        )
    if withholding_rate is not None:
        return _fraction(
            withholding_rate,
            N_("The withholding rate must be between %(minimum)s %% and 100 %%."),
            "withholding_rate",
        )
    if neutral_withholding:
        return rates.neutral_withholding_rate(taxable_net)
    return None


def _payslip(
    gross: Decimal,
    situation: _Situation,
    on: date,
    withholding_rate: object = None,
    neutral_withholding: bool = False,
) -> Payslip:
    lines = []
    employee = employer_before = added_to_taxable = ZERO
    for rule, base, amount in _line_amounts(gross, situation, situation.rules):
        lines.append(ContributionLine(rule.code, rule.label, rule.payer, base, rule.rate, amount))
        if rule.payer == "employee":
            employee += amount
        else:
            employer_before += amount
        if rule.taxable:
            added_to_taxable += amount
    coefficient, reduction = _general_reduction(gross, situation, employer_before)
    if reduction:
        lines.append(
            ContributionLine(
                GENERAL_REDUCTION_CODE,
                GENERAL_REDUCTION_LABEL,
                "employer",
                gross,
                coefficient,
                -reduction,
            )
        )
    net = gross - employee
    taxable_net = net + added_to_taxable
    rate = _withholding(situation.rates, taxable_net, withholding_rate, neutral_withholding)
    income_tax = _money(taxable_net * rate) if rate is not None else None
    employer_contributions = employer_before - reduction
    return Payslip(
        gross=gross,
        hours_per_week=situation.hours_per_week,
        on=on,
        lines=tuple(lines),
        employee_contributions=employee,
        employer_contributions=employer_contributions,
        general_reduction=reduction,
        net_before_tax=net,
        taxable_net=taxable_net,
        employer_cost=gross + employer_contributions,
        minimum_wage=situation.minimum_wage,
        below_minimum_wage=gross < situation.minimum_wage,
        rates_from=situation.rates.effective_from,
        rates_until=situation.rates.valid_until,
        income_tax=income_tax,
        net_after_tax=net - income_tax if income_tax is not None else None,
        withholding_rate=rate,
    )


def _prepare(
    hours_per_week: object, on: object, employer: EmployerSettings
) -> tuple[_Situation, date]:
    if not isinstance(employer, EmployerSettings):
        raise TypeError("employer: pass an EmployerSettings")
    hours = _hours(hours_per_week)
    day = _date(on)
    return _situation(rates_on(day), hours, employer), day


def compute_payslip(
    gross: Decimal | int | str,
    hours_per_week: Decimal | int | str,
    on: date,
    employer: EmployerSettings = DEFAULT_EMPLOYER,
    withholding_rate: Decimal | int | str | None = None,
    neutral_withholding: bool = False,
) -> Payslip:
    """The payslip of a monthly `gross` for `hours_per_week` under the rates in force `on`.

    Optional withholding: a personal `withholding_rate` (a fraction, 0.075 for 7.5 %) or the
    neutral scale, applied to the taxable net. Raises InvalidInputError or
    UnsupportedDateError (both PayrollError) for input the engine cannot compute.
    """
    with localcontext(_CONTEXT):
        amount = _amount(gross, "gross")
        situation, day = _prepare(hours_per_week, on, employer)
        return _payslip(amount, situation, day, withholding_rate, neutral_withholding)


def max_gross_for_budget(
    budget: Decimal | int | str,
    hours_per_week: Decimal | int | str,
    on: date,
    employer: EmployerSettings = DEFAULT_EMPLOYER,
) -> Payslip:
    """The payslip of the largest gross, to the cent, whose employer cost fits the budget.

    The employer cost never decreases when the gross rises by a cent: each line is a rounded
    non-decreasing function of gross, and the general reduction grows by at most a rounded
    cent-fraction (its coefficient < 1) between steps of its coefficient, which only go down.
    At 3 × SMIC the reduction stops and the cost jumps up. So the gross that fits form one
    interval from 0, and the answer g satisfies cost(g) <= budget < cost(g + 0.01). It is
    found by interpolation on the bracket (Illinois variant), then bisection if that stalls.
    """
    with localcontext(_CONTEXT):
        limit = _amount(budget, "budget")
        situation, day = _prepare(hours_per_week, on, employer)

        def excess(cents: int) -> Decimal:
            return _employer_cost(Decimal(cents).scaleb(-2), situation) - limit

        low, high = 0, int(limit * 100) + 1
        f_low, f_high = excess(low), excess(high)
        if f_low > 0:
            raise InvalidInputError(
                N_("The budget does not cover the smallest salary, which costs %(minimum)s €."),
                field="budget",
                minimum=f_low + limit,
            )
        # cost(g) >= g, so a gross above the budget never fits: f_high > 0.
        kept_side = 0
        iterations = 0
        while high - low > 1:
            iterations += 1
            if iterations > 12:
                guess = (low + high) // 2
            else:
                step = (-f_low * (high - low) / (f_high - f_low)).to_integral_value(ROUND_DOWN)
                guess = min(max(low + int(step), low + 1), high - 1)
            f_guess = excess(guess)
            if f_guess <= 0:
                low, f_low = guess, f_guess
                if kept_side == 1:  # Illinois: the high end stayed twice, halve its weight
                    f_high /= 2
                kept_side = 1
            else:
                high, f_high = guess, f_guess
                if kept_side == -1:
                    f_low /= 2
                kept_side = -1
        return _payslip(Decimal(low).scaleb(-2), situation, day)


def paid_hours(hours_per_week: Decimal | int | str, on: date) -> Decimal:
    """Contract hours a week with the overtime premium counted in hours, as an hourly rate
    pays them: 40 h are paid as 35 + 5 × 1.25 = 41.25 h, 45 h as 35 + 8 × 1.25 + 2 × 1.5."""
    with localcontext(_CONTEXT):
        situation, _ = _prepare(hours_per_week, on, DEFAULT_EMPLOYER)
        return _premium_hours(situation.rates, situation.hours_per_week)


def minimum_monthly_wage(hours_per_week: Decimal | int | str, on: date) -> Decimal:
    """The monthly SMIC for these contract hours: hourly SMIC × hours × 52 / 12, to the cent.

    Hours above the legal week count with their overtime premium (25 %, then 50 %).
    """
    with localcontext(_CONTEXT):
        situation, _ = _prepare(hours_per_week, on, DEFAULT_EMPLOYER)
        return situation.minimum_wage
