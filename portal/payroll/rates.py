"""Payroll parameters, one TOML file per effective date in `rates/` (named YYYY-MM-DD.toml).

Rule: the rates in force on a payroll date are those of the latest file whose date is on or
before it; a date before the first file is unsupported. Each file is complete, so a new year is a
new file and no code changes. Files are parsed once and cached.

Each file states the period it covers (`[period]` valid_from, valid_until, both included), and
the files follow each other day after day. A date after the last file's period still gets the
last file's rates, the best estimate there is, but `PayrollRates.covers` tells it is stale, so
that every caller can say so (or refuse, like `portal simulate-salary`).
"""

import bisect
import functools
import itertools
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from .errors import N_, UnsupportedDateError

RATES_DIR = Path(__file__).with_name("rates")

Payer = Literal["employee", "employer"]
BaseKind = Literal["gross", "csg", "health_plan", "employer_health"]
_BASE_KINDS = ("gross", "csg", "health_plan", "employer_health")
_RATE_SETTINGS = ("work_accident", "mobility_levy")


@dataclass(frozen=True, slots=True)
class ContributionRule:
    """One contribution line as the rates file describes it (see the file's header)."""

    code: str
    label: str
    payer: Payer
    base: BaseKind
    rate: Decimal | None  # None when the rate comes from the employer's settings
    rate_setting: str | None
    from_pss: Decimal
    to_pss: Decimal | None
    only_above_pss: bool
    headcount_min: int
    headcount_max: int | None
    taxable: bool

    def applies_to(self, headcount: int) -> bool:
        """A line applies to the headcounts within its inclusive range."""
        return self.headcount_min <= headcount and (
            self.headcount_max is None or headcount <= self.headcount_max
        )


@dataclass(frozen=True, slots=True)
class WithholdingBand:
    """A neutral-scale band: `rate` applies to a taxable net below `below` (None: no limit)."""

    below: Decimal | None
    rate: Decimal


# eq=False: one cached instance per file, hashed by identity (cheap cache keys).
@dataclass(frozen=True, slots=True, eq=False)
class PayrollRates:
    """All parameters in force from `effective_from`."""

    effective_from: date
    valid_until: date  # the last day these rates are known to apply
    minimum_wage_hourly: Decimal
    legal_weekly_hours: Decimal
    weeks_per_year: Decimal
    social_security_ceiling: Decimal
    overtime_premiums: tuple[tuple[Decimal, Decimal], ...]  # (above weekly hours, premium)
    reduction_t_min: Decimal
    reduction_t_delta: tuple[tuple[int, Decimal], ...]  # (from headcount, Tdelta), ascending
    reduction_exponent: Decimal
    reduction_minimum_wage_multiple: Decimal
    reduction_coefficient_places: int
    health_plan_monthly: Decimal
    csg_base_rate: Decimal
    csg_base_ceiling_multiple: Decimal
    work_accident_default_rate: Decimal
    work_accident_minimum_rate: Decimal
    neutral_withholding: tuple[WithholdingBand, ...]
    contributions: tuple[ContributionRule, ...]

    def covers(self, on: date) -> bool:
        """Whether `on` falls in the period the file states (after it, the rates are stale)."""
        return self.effective_from <= on <= self.valid_until

    def reduction_t_delta_for(self, headcount: int) -> Decimal:
        """Tdelta of the general reduction for this headcount band."""
        value = self.reduction_t_delta[0][1]
        for headcount_min, band_value in self.reduction_t_delta:
            if headcount >= headcount_min:
                value = band_value
        return value

    def neutral_withholding_rate(self, taxable_net: Decimal) -> Decimal:
        """Rate of the first band whose upper bound is above the taxable net (bound excluded)."""
        for band in self.neutral_withholding:
            if band.below is None or taxable_net < band.below:
                return band.rate
        raise AssertionError("the neutral scale must end with an unbounded band")


def _decimal(value: object, where: str) -> Decimal:
    # Rates are strings in the files so that no binary float ever touches them.
    if not isinstance(value, str):
        raise TypeError(f"{where}: write rates and amounts as strings, got {value!r}")
    return Decimal(value)


def _rule(raw: dict, path: Path) -> ContributionRule:
    where = f"{path.name}: contribution {raw.get('code')!r}"
    base = raw.get("base", "gross")
    if base not in _BASE_KINDS:
        raise ValueError(f"{where}: unknown base {base!r}")
    if raw.get("payer") not in ("employee", "employer"):
        raise ValueError(f"{where}: payer must be 'employee' or 'employer'")
    rate_setting = raw.get("rate_setting")
    if (rate_setting is None) == ("rate" not in raw) or (
        rate_setting is not None and rate_setting not in _RATE_SETTINGS
    ):
        raise ValueError(f"{where}: give either a rate or a known rate_setting")
    return ContributionRule(
        code=raw["code"],
        label=raw["label"],
        payer=raw["payer"],
        base=base,
        rate=_decimal(raw["rate"], where) if "rate" in raw else None,
        rate_setting=rate_setting,
        from_pss=_decimal(raw.get("from_pss", "0"), where),
        to_pss=_decimal(raw["to_pss"], where) if "to_pss" in raw else None,
        only_above_pss=bool(raw.get("only_above_pss", False)),
        headcount_min=int(raw.get("headcount_min", 0)),
        headcount_max=int(raw["headcount_max"]) if "headcount_max" in raw else None,
        taxable=bool(raw.get("taxable", False)),
    )


def load_rates_file(path: Path) -> PayrollRates:
    """Parse one rates file; a missing key raises KeyError naming it."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    general = data["general"]
    reduction = data["general_reduction"]
    bands = tuple(
        WithholdingBand(
            below=_decimal(band["below"], path.name) if "below" in band else None,
            rate=_decimal(band["rate"], path.name),
        )
        for band in data["neutral_withholding"]
    )
    if not bands or bands[-1].below is not None:
        raise ValueError(f"{path.name}: the neutral scale must end with an unbounded band")
    effective_from = date.fromisoformat(path.stem)
    period = data["period"]
    if date.fromisoformat(period["valid_from"]) != effective_from:
        raise ValueError(f"{path.name}: [period] valid_from must be the date of the file name")
    valid_until = date.fromisoformat(period["valid_until"])
    if valid_until < effective_from:
        raise ValueError(f"{path.name}: [period] valid_until is before valid_from")
    return PayrollRates(
        effective_from=effective_from,
        valid_until=valid_until,
        minimum_wage_hourly=_decimal(general["minimum_wage_hourly"], path.name),
        legal_weekly_hours=_decimal(general["legal_weekly_hours"], path.name),
        weeks_per_year=_decimal(general["weeks_per_year"], path.name),
        social_security_ceiling=_decimal(general["social_security_ceiling"], path.name),
        overtime_premiums=tuple(
            (
                _decimal(band["above_weekly_hours"], path.name),
                _decimal(band["premium"], path.name),
            )
            for band in general["overtime_premiums"]
        ),
        reduction_t_min=_decimal(reduction["t_min"], path.name),
        reduction_t_delta=tuple(
            (int(band["headcount_min"]), _decimal(band["value"], path.name))
            for band in sorted(reduction["t_delta"], key=lambda band: band["headcount_min"])
        ),
        reduction_exponent=_decimal(reduction["exponent"], path.name),
        reduction_minimum_wage_multiple=_decimal(reduction["minimum_wage_multiple"], path.name),
        reduction_coefficient_places=int(reduction["coefficient_places"]),
        health_plan_monthly=_decimal(data["health_insurance"]["monthly_plan"], path.name),
        csg_base_rate=_decimal(data["csg_base"]["rate"], path.name),
        csg_base_ceiling_multiple=_decimal(data["csg_base"]["ceiling_multiple"], path.name),
        work_accident_default_rate=_decimal(data["work_accident"]["default_rate"], path.name),
        work_accident_minimum_rate=_decimal(data["work_accident"]["minimum_rate"], path.name),
        neutral_withholding=bands,
        contributions=tuple(_rule(raw, path) for raw in data["contributions"]),
    )


def _schedule() -> tuple[tuple[date, ...], tuple[Path, ...]]:
    # Read at each call, so that tests can point RATES_DIR at a folder of their own.
    return _schedule_of(RATES_DIR)


@functools.cache
def _schedule_of(folder: Path) -> tuple[tuple[date, ...], tuple[Path, ...]]:
    """The files of `folder` by date; each period must end the day before the next starts,
    so that no date falls between two files or under two."""
    paths = sorted(folder.glob("????-??-??.toml"))
    if not paths:
        raise FileNotFoundError(f"no rates file in {folder}")
    for path, following in itertools.pairwise(paths):
        next_day = _load_cached(path).valid_until + timedelta(days=1)
        if next_day != date.fromisoformat(following.stem):
            raise ValueError(
                f"{path.name}: valid_until must be the day before {following.name} starts"
            )
    return tuple(date.fromisoformat(path.stem) for path in paths), tuple(paths)


@functools.cache
def _load_cached(path: Path) -> PayrollRates:
    return load_rates_file(path)


def effective_dates() -> tuple[date, ...]:
    """The dates from which each rates file applies, ascending."""
    return _schedule()[0]


def rates_on(on: date) -> PayrollRates:
    """The rates in force on `on`: the latest file dated on or before it. Past the last
    file's period they are its rates still: check `covers(on)` to know."""
    dates, paths = _schedule()
    index = bisect.bisect_right(dates, on) - 1
    if index < 0:
        raise UnsupportedDateError(
            N_("Payroll rules are available from %(first_date)s only."),
            field="on",
            first_date=dates[0].isoformat(),
        )
    return _load_cached(paths[index])
