from decimal import Decimal

from sqlalchemy.orm import Session

from portal.coop.models import CoopSettings


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
