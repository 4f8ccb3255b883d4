"""The official mileage scale, held as data per year (mileage_scales.toml). Pure functions."""

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.money import round_cents

SCALES = Path(__file__).with_name("mileage_scales.toml")


@dataclass(frozen=True)
class Scale:
    electric_bonus: Decimal
    band_limits: tuple[int, ...]
    # horsepower -> one (rate per km, fixed amount) pair per band
    bands: dict[int, tuple[tuple[Decimal, Decimal], ...]]

    def annual_allowance(self, distance: Decimal, horsepower: int, electric: bool) -> Decimal:
        """The allowance for `distance` business km in the year: the band of the whole
        year's distance applies to all of it, as the scale is written."""
        horsepower = min(max(horsepower, min(self.bands)), max(self.bands))
        band = sum(1 for limit in self.band_limits if distance > limit)
        rate, fixed = self.bands[horsepower][band]
        amount = distance * rate + fixed if distance > 0 else Decimal(0)
        if electric:
            amount *= 1 + self.electric_bonus
        return amount


@cache
def _load() -> dict[int, Scale]:
    raw = tomllib.loads(SCALES.read_text())
    return {
        int(year): Scale(
            electric_bonus=Decimal(data["electric_bonus"]),
            band_limits=tuple(data["bands_up_to_km"]),
            bands={
                int(cv): tuple((Decimal(rate), Decimal(fixed)) for rate, fixed in pairs)
                for cv, pairs in data["horsepower"].items()
            },
        )
        for year, data in raw.items()
    }


def scale_for(year: int) -> Scale:
    scale = _load().get(year)
    if scale is None:
        raise DomainError(
            _l("There is no mileage scale for %(year)s yet.", year=year), field="spent_on"
        )
    return scale


def mileage_allowance(
    year: int, distance_before: Decimal, distance: Decimal, horsepower: int, electric: bool
) -> Decimal:
    """What `distance` more km are worth when `distance_before` km were already claimed this
    year: the scale applies to the cumulative annual distance, so each claim is worth the
    difference and the claims of a year always add up to the scale of the year's total."""
    scale = scale_for(year)
    after = scale.annual_allowance(distance_before + distance, horsepower, electric)
    before = scale.annual_allowance(distance_before, horsepower, electric)
    return round_cents(after) - round_cents(before)
