"""Calendars: .ics files built from event sources, and the member's secret feed token."""

import hashlib
import secrets
from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.calendar.models import CalendarFeedToken
from portal.ical import CalendarEvent, to_ical
from portal.meetings.services import calendar_events_for as meeting_events
from portal.members.models import Member
from portal.workshops.queries import calendar_events_for as workshop_events

EventSource = Callable[[Session, Member], list[CalendarEvent]]

# Everything that puts events in a member's calendar; each source returns plain events.
EVENT_SOURCES: tuple[EventSource, ...] = (workshop_events, meeting_events)


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
