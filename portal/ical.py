"""iCalendar files: plain events, and the .ics text of some.

Meetings and workshops make their events here; `portal.calendar.services` gathers each
member's into a feed from the sources in `EVENT_SOURCES`, functions
`(session, member) -> list[CalendarEvent]`."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import icalendar

from portal.db import utcnow

PRODUCT_ID = "-//CAE portal//Calendar//FR"


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


def to_ical(events: Iterable[CalendarEvent], name: str) -> bytes:
    """One VCALENDAR holding these events, in UTC (every calendar app converts)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = utcnow().replace(microsecond=0)
    for item in events:
        event = icalendar.Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("last-modified", item.updated_at.replace(microsecond=0))
        event.add("dtstart", item.starts_at)
        event.add("dtend", item.ends_at)
        event.add("summary", item.summary)
        event.add("status", item.status)
        if item.description:
            event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.url:
            event.add("url", item.url)
        calendar.add_component(event)
    return calendar.to_ical()
