"""What an event source gives the calendar: plain events, nothing else.

A source is a function `(session, member) -> list[CalendarEvent]`, listed in
`portal.calendar.services.EVENT_SOURCES`."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CalendarEvent:
    uid: str  # stable across edits, unique across sources ("workshop-12@portal")
    summary: str
    starts_at: datetime  # UTC-aware
    ends_at: datetime
    updated_at: datetime
    description: str = ""
    location: str = ""
    url: str = ""
    # iCalendar STATUS: CONFIRMED, TENTATIVE (waiting list) or CANCELLED.
    status: str = "CONFIRMED"
