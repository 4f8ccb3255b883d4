"""Business dates are calendar dates in Paris; timestamps are UTC (see portal.db.utcnow)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l

PARIS = ZoneInfo("Europe/Paris")


def paris_today() -> date:
    """Today in Paris: the date an invoice, a receipt or a payment is dated with."""
    return datetime.now(PARIS).date()


def paris_to_utc(day: date, at: time, field: str = "start") -> datetime:
    """A Europe/Paris wall-clock time as a UTC timestamp. A time that the spring clock change
    skips (02:30 on the last Sunday of March) does not exist: refused, not guessed."""
    local = datetime.combine(day, at, tzinfo=PARIS)
    back = local.astimezone(UTC).astimezone(PARIS)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise DomainError(_l("This time does not exist that day (clock change)."), field=field)
    return local.astimezone(UTC)
