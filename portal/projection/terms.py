"""The coop's terms as the projection applies them: its contribution scheme (bands, basis,
yearly minimum, fixed fees) and what it provisions from the margin. Pure Python, amounts in
Decimal euros (the rules: portal/projection/compute.py)."""

import enum
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from portal.money import round_cents
from portal.payroll import Payslip as PayslipFigures

ZERO = Decimal(0)
MONTHS_PER_YEAR = 12


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
    yearly_minimum: Decimal = ZERO  # the member's contract's: CAPE or CESA (coop settings)
    fixed_monthly_fees: Decimal = ZERO  # the sum of `fixed_fees`
    fixed_fees: tuple["Fee", ...] = ()
    minimum_contract: str = ""  # "cape" or "cesa": whose yearly minimum applies

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
class Fee:
    """A fixed fee the coop takes from every entrepreneur's margin each month."""

    label: str
    monthly: Decimal


@dataclass(frozen=True, slots=True)
class Provisions:
    """What the coop keeps back from the margin, as a CAE provisions it (coop settings, all
    zero by default):

    - the safety reserve: `reserve_rate` of the margin (when it is positive) or a fixed
      `reserve_amount`, kept out of the margin available, so no salary spends it;
    - the paid-leave provision: `paid_leave_rate` (about 10 %) of each salary's employer
      cost (gross plus employer contributions), set aside when the salary is paid, so that
      the leave is paid out of the activity too;
    - meal vouchers: the employer's share a month, `meal_vouchers` (for a share per day
      worked, the coop enters share × days a month), paid with each salary.
    A salary therefore costs the margin its employer cost + the paid-leave provision + the
    meal vouchers. (The health and provident plans are in the payroll engine's figures, and
    the fixed fees and yearly minimum in the contribution `Scheme`.)
    """

    reserve_rate: Decimal = ZERO
    reserve_amount: Decimal = ZERO
    paid_leave_rate: Decimal = ZERO
    meal_vouchers: Decimal = ZERO

    def reserve(self, margin: Decimal) -> Decimal:
        """The reserve kept out of `margin`: never more than the margin itself."""
        if margin <= 0:
            return ZERO
        return min(margin, round_cents(margin * self.reserve_rate) + self.reserve_amount)

    def monthly_reserve(self, monthly_margin: Decimal) -> Decimal:
        """The share of a month's margin kept back before the salary it sustains (the fixed
        reserve is a sum kept once in the margin, not every month)."""
        if monthly_margin <= 0:
            return ZERO
        return min(monthly_margin, round_cents(monthly_margin * self.reserve_rate))

    def salary_cost(self, payslip: "PayslipFigures") -> Decimal:
        """What paying `payslip` takes from the margin: its employer cost and provisions."""
        return payslip.employer_cost + self.salary_extras(payslip.employer_cost)

    def paid_leave(self, employer_cost: Decimal) -> Decimal:
        return round_cents(employer_cost * self.paid_leave_rate)

    def salary_extras(self, employer_cost: Decimal) -> Decimal:
        """What paying a salary of this employer cost takes besides it."""
        return self.paid_leave(employer_cost) + self.meal_vouchers

    def salary_budget(self, budget: Decimal) -> Decimal:
        """The largest employer cost `budget` covers once the salary's provisions are added:
        (budget − meal vouchers) ÷ (1 + paid-leave rate), to the cent below."""
        rest = budget - self.meal_vouchers
        if rest <= 0:
            return ZERO
        cost = (rest / (1 + self.paid_leave_rate)).quantize(Decimal("0.01"), ROUND_FLOOR)
        # The provision is rounded half-up: step down while cost + provision overshoots.
        while cost > 0 and cost + self.salary_extras(cost) > budget:
            cost -= Decimal("0.01")
        return cost
