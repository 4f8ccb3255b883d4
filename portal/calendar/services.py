"""Calendars: .ics files built from event sources, and the member's secret feed token."""

import hashlib
import secrets
from collections.abc import Callable, Iterable

import icalendar
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.calendar.events import CalendarEvent
from portal.calendar.models import CalendarFeedToken
from portal.db import utcnow
from portal.members.models import Member

EventSource = Callable[[Session, Member], list[CalendarEvent]]

PRODUCT_ID = "-//CAE portal//Calendar//FR"


def _workshop_events(session: Session, member: Member) -> list[CalendarEvent]:
    from portal.workshops.services import calendar_events_for

    return calendar_events_for(session, member)


def _meeting_events(session: Session, member: Member) -> list[CalendarEvent]:
    from portal.meetings.services import calendar_events_for

    return calendar_events_for(session, member)


# Everything that puts events in a member's calendar; each source returns plain events.
EVENT_SOURCES: tuple[EventSource, ...] = (_workshop_events, _meeting_events)


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


def feed_for(session: Session, member: Member, name: str) -> bytes:
    """The member's personal calendar: the events of every source, earliest first."""
    events = [event for source in EVENT_SOURCES for event in source(session, member)]
    events.sort(key=lambda event: (event.starts_at, event.uid))
    return to_ical(events, name)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def has_feed(session: Session, member: Member) -> bool:
    query = select(CalendarFeedToken.id).where(CalendarFeedToken.member_id == member.id)
    return session.scalar(query) is not None


def regenerate_feed_token(session: Session, member: Member) -> str:
    """A new secret for the member's feed URL, returned once in clear; any previous URL stops
    working in the same transaction."""
    revoke_feed_token(session, member)
    token = secrets.token_urlsafe(32)
    session.add(CalendarFeedToken(member_id=member.id, token_hash=_digest(token)))
    session.flush()
    return token


def revoke_feed_token(session: Session, member: Member) -> None:
    session.execute(delete(CalendarFeedToken).where(CalendarFeedToken.member_id == member.id))
    session.flush()


def member_for_feed_token(session: Session, token: str) -> Member | None:
    """The active member this feed secret belongs to, or None."""
    if not token or len(token) > 100:
        return None
    query = (
        select(Member)
        .join(CalendarFeedToken, CalendarFeedToken.member_id == Member.id)
        .where(CalendarFeedToken.token_hash == _digest(token), Member.active.is_(True))
    )
    return session.scalar(query)
