from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.coop.models import (
    ContributionBand,
    ContributionBasis,
    ContributionScheme,
    CoopSettings,
)
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.money import MAX_AMOUNT_CENTS


def get_coop_settings(session: Session) -> CoopSettings:
    """The coop's single settings row, created with defaults on first use."""
    settings = session.get(CoopSettings, 1)
    if settings is None:
        settings = CoopSettings(id=1)
        session.add(settings)
        session.flush()
    return settings


def update_coop_settings(session: Session, **fields) -> CoopSettings:
    settings = get_coop_settings(session)
    for name, value in fields.items():
        if not hasattr(CoopSettings, name):
            raise AttributeError(name)
        setattr(settings, name, value)
    session.flush()
    return settings


def contribution_rate_for(member, settings: CoopSettings) -> Decimal:
    """A member's own contribution rate when set, else the coop's default."""
    if member.contribution_rate is not None:
        return member.contribution_rate
    return settings.default_contribution_rate


def contribution_bands(session: Session) -> list[ContributionBand]:
    return list(session.scalars(select(ContributionBand).order_by(ContributionBand.start_cents)))


def update_contribution_settings(
    session: Session,
    *,
    scheme: ContributionScheme,
    basis: ContributionBasis,
    yearly_minimum_cents: int,
    fixed_monthly_fees_cents: int,
    bands: Sequence[tuple[int, Decimal]],
) -> None:
    """The contribution scheme of the coop. Banded needs a first band from zero and band
    starts that differ; a flat scheme keeps any bands for later but uses the default rate."""
    bands = sorted(bands)
    starts = [start for start, _rate in bands]
    if len(set(starts)) != len(starts):
        raise DomainError(_l("Two bands cannot start at the same amount."), field="bands")
    if scheme is ContributionScheme.BANDED and (not bands or bands[0][0] != 0):
        raise DomainError(_l("The first band must start at 0 €."), field="bands")
    for start, rate in bands:
        if not 0 <= start <= MAX_AMOUNT_CENTS:
            raise DomainError(_l("A band must start between 0 and 10,000,000 €."), field="bands")
        if not Decimal(0) <= rate < 1:
            raise DomainError(_l("A rate must be at least 0 and below 100."), field="bands")
    for cents, field in (
        (yearly_minimum_cents, "yearly_minimum"),
        (fixed_monthly_fees_cents, "fixed_fees"),
    ):
        if not 0 <= cents <= MAX_AMOUNT_CENTS:
            raise DomainError(_l("An amount must be between 0 and 10,000,000 €."), field=field)
    settings = get_coop_settings(session)
    settings.contribution_scheme = scheme
    settings.contribution_basis = basis
    settings.contribution_yearly_minimum_cents = yearly_minimum_cents
    settings.fixed_monthly_fees_cents = fixed_monthly_fees_cents
    for band in contribution_bands(session):
        session.delete(band)
    session.flush()
    session.add_all(ContributionBand(start_cents=start, rate=rate) for start, rate in bands)
    session.flush()
