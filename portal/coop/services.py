from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.coop.models import (
    ContributionBand,
    ContributionBasis,
    ContributionScheme,
    CoopSettings,
    FixedFee,
)
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.money import MAX_AMOUNT_CENTS

FIXED_FEE_LABEL_LENGTH = 80
# Automatic reminders: at most this many, each 1 to 365 days after the due date.
MAX_REMINDER_STEPS = 5
MAX_REMINDER_DAY = 365


def get_coop_settings(session: Session) -> CoopSettings:
    """The coop's single settings row or, until the team saves any, the defaults unsaved: a
    read never writes (a GET's or a daily task's read transaction cannot, on SQLite)."""
    return session.get(CoopSettings, 1) or default_coop_settings()


def coop_settings_for_update(session: Session) -> CoopSettings:
    """The settings row to change, created with the defaults on the first change."""
    settings = session.get(CoopSettings, 1)
    if settings is None:
        settings = default_coop_settings()
        session.add(settings)
        session.flush()
    return settings


def default_coop_settings() -> CoopSettings:
    """What the row holds when first saved: its columns' defaults (set at the insert only)."""
    columns = CoopSettings.__table__.columns
    return CoopSettings(
        **{column.key: column.default.arg for column in columns if column.default is not None}
    )


def update_coop_settings(session: Session, **fields) -> CoopSettings:
    settings = coop_settings_for_update(session)
    for name, value in fields.items():
        if not hasattr(CoopSettings, name):
            raise AttributeError(name)
        setattr(settings, name, value)
    session.flush()
    return settings


def reminder_schedule(text: str) -> list[int]:
    """The coop's automatic reminders as days after the due date: "7, 30" → [7, 30];
    empty, none (they are off). Increasing whole days from 1 to 365, at most 5."""
    parts = [part.strip() for part in (text or "").replace(";", ",").split(",")]
    parts = [part for part in parts if part]
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise DomainError(
            _l("Give whole numbers of days separated by commas, for example 7, 30."),
            field="reminder_days",
        )
    days = [int(part) for part in parts]
    if len(days) > MAX_REMINDER_STEPS:
        raise DomainError(_l("At most 5 automatic reminders."), field="reminder_days")
    if any(not 1 <= day <= MAX_REMINDER_DAY for day in days):
        raise DomainError(
            _l("Each reminder is between 1 and 365 days after the due date."),
            field="reminder_days",
        )
    if days != sorted(set(days)):
        raise DomainError(
            _l("Give the days in increasing order, each once, for example 7, 30."),
            field="reminder_days",
        )
    return days


def contribution_rate_for(member, settings: CoopSettings) -> Decimal:
    """A member's own contribution rate when set, else the coop's default."""
    if member.contribution_rate is not None:
        return member.contribution_rate
    return settings.default_contribution_rate


def contribution_bands(session: Session) -> list[ContributionBand]:
    return list(session.scalars(select(ContributionBand).order_by(ContributionBand.start_cents)))


def fixed_fees(session: Session) -> list[FixedFee]:
    return list(session.scalars(select(FixedFee).order_by(FixedFee.id)))


def _check_amount(cents: int, field: str) -> None:
    if cents < 0:
        raise DomainError(_l("An amount cannot be negative."), field=field)
    if cents > MAX_AMOUNT_CENTS:
        raise DomainError(_l("An amount must be between 0 and 10,000,000 €."), field=field)


def check_fixed_fees(fees: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Each fee has a label (80 characters at most) and a positive monthly amount."""
    checked = []
    for label, cents in fees:
        label = (label or "").strip()
        if not label:
            raise DomainError(_l("Each fixed fee needs a label."), field="fees")
        if len(label) > FIXED_FEE_LABEL_LENGTH:
            raise DomainError(_l("A fee's label has 80 characters at most."), field="fees")
        if cents <= 0:
            raise DomainError(_l("A fixed fee's monthly amount must be above 0."), field="fees")
        _check_amount(cents, "fees")
        checked.append((label, cents))
    return checked


def update_contribution_settings(
    session: Session,
    *,
    scheme: ContributionScheme,
    basis: ContributionBasis,
    yearly_minimum_cents: int,
    yearly_minimum_cape_cents: int,
    fees: Sequence[tuple[str, int]],
    bands: Sequence[tuple[int, Decimal]],
) -> None:
    """The contribution scheme of the coop. Banded needs a first band from zero and band
    starts that differ; a flat scheme keeps any bands for later but uses the default rate.
    The yearly minimum differs between CESA contracts (entrepreneur-employees and associates,
    `yearly_minimum_cents`) and CAPE ones (supported entrepreneurs); the fixed fees are a
    list of (label, monthly cents), each taken from every margin each month."""
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
        (yearly_minimum_cape_cents, "yearly_minimum_cape"),
    ):
        if not 0 <= cents <= MAX_AMOUNT_CENTS:
            raise DomainError(_l("An amount must be between 0 and 10,000,000 €."), field=field)
    fees = check_fixed_fees(fees)
    settings = coop_settings_for_update(session)
    settings.contribution_scheme = scheme
    settings.contribution_basis = basis
    settings.contribution_yearly_minimum_cents = yearly_minimum_cents
    settings.contribution_yearly_minimum_cape_cents = yearly_minimum_cape_cents
    for row in (*contribution_bands(session), *fixed_fees(session)):
        session.delete(row)
    session.flush()
    session.add_all(ContributionBand(start_cents=start, rate=rate) for start, rate in bands)
    session.add_all(FixedFee(label=label, monthly_cents=cents) for label, cents in fees)
    session.flush()


@dataclass(frozen=True)
class ProvisionSettings:
    """What the coop keeps back (portal/projection/terms.py `Provisions` has the rules):
    rates are fractions (0.10 for 10 %), amounts cents a month (the reserve: cents)."""

    reserve_rate: Decimal = Decimal(0)
    reserve_amount_cents: int = 0
    paid_leave_rate: Decimal = Decimal(0)
    meal_vouchers_cents: int = 0
    health_plan_employer_cents: int = 0
    health_plan_employee_cents: int = 0


def check_provisions(provisions: ProvisionSettings) -> None:
    """Refuse settings the projection could not apply: a negative amount, a reserve over
    100 % of the margin or both a rate and an amount, a paid-leave rate of 100 % or more,
    (The settings page also checks, with the payroll engine, that the employee's health-plan
    share leaves a minimum-wage salary positive: salary.services.check_health_plan.)"""
    for name in (
        "reserve_amount_cents",
        "meal_vouchers_cents",
        "health_plan_employer_cents",
        "health_plan_employee_cents",
    ):
        _check_amount(getattr(provisions, name), name.removesuffix("_cents"))
    if not Decimal(0) <= provisions.reserve_rate <= 1:
        raise DomainError(
            _l("The reserve must be between 0 and 100 %, the whole margin."), field="reserve_rate"
        )
    if provisions.reserve_rate and provisions.reserve_amount_cents:
        raise DomainError(
            _l("Keep the reserve as a percentage of the margin or as an amount, not both."),
            field="reserve_amount",
        )
    if not Decimal(0) <= provisions.paid_leave_rate < 1:
        raise DomainError(
            _l("The paid-leave provision must be at least 0 and below 100 %."),
            field="paid_leave_rate",
        )


def update_provisions(session: Session, provisions: ProvisionSettings) -> None:
    """Save what the coop provisions, once `check_provisions` accepts it; else nothing."""
    check_provisions(provisions)
    settings = coop_settings_for_update(session)
    for name, value in asdict(provisions).items():
        setattr(settings, name, value)
    session.flush()
