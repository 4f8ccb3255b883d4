"""Business dates are calendar dates in Paris; timestamps are UTC (see portal.db.utcnow)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paris_today() -> date:
    """Today in Paris: the date an invoice, a receipt or a payment is dated with."""
    return datetime.now(PARIS).date()
