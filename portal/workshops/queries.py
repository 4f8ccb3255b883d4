"""Workshops as the pages, the API and the calendar feed read them: bookings, seats, the
waiting list's positions, the participants, the calendar's events."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from portal.db import utcnow
from portal.i18n import lazy_gettext as _l
from portal.ical import CalendarEvent
from portal.links import public_url
from portal.members.models import Member
from portal.workshops.models import (
    ACTIVE,
    COUNTED,
    Booking,
    BookingStatus,
    Workshop,
    WorkshopAudience,
)

# How far back the personal calendar feed reaches.
FEED_HISTORY = timedelta(days=180)

# The statements the pages run, built once: building one costs about as much as running it
# on SQLite.
_ACTIVE_BOOKING = select(Booking).where(
    Booking.workshop_id == bindparam("workshop_id"),
    Booking.member_id == bindparam("member_id"),
    ACTIVE,
)
_AHEAD = aliased(Booking)  # the waiting bookings up to one's own, to count them
_WAITING_POSITIONS = (
    select(Booking.id, func.count(_AHEAD.id))
    .join(
        _AHEAD,
        (_AHEAD.workshop_id == Booking.workshop_id)
        & (_AHEAD.status == BookingStatus.WAITING)
        & (_AHEAD.id <= Booking.id),
    )
    .where(
        Booking.id.in_(bindparam("booking_ids", expanding=True)),
        Booking.status == BookingStatus.WAITING,
    )
    .group_by(Booking.id)
)
_SEAT_COUNTS = (
    select(Booking.workshop_id, Booking.status, func.count())
    .where(
        Booking.workshop_id.in_(bindparam("workshop_ids", expanding=True)),
        COUNTED,
    )
    .group_by(Booking.workshop_id, Booking.status)
)


def active_booking(session: Session, workshop: Workshop, member: Member) -> Booking | None:
    return session.scalar(_ACTIVE_BOOKING, {"workshop_id": workshop.id, "member_id": member.id})


def waiting_position(session: Session, booking: Booking) -> int | None:
    """1 for the next person to get a seat; None when not waiting."""
    if booking.status is not BookingStatus.WAITING:
        return None
    return waiting_positions(session, [booking])[booking.id]


def waiting_positions(session: Session, bookings: Iterable[Booking]) -> dict[int, int | None]:
    """`waiting_position` of each booking, in one query (None for those not waiting)."""
    bookings = list(bookings)
    waiting = [b.id for b in bookings if b.status is BookingStatus.WAITING]
    found = (
        dict(session.execute(_WAITING_POSITIONS, {"booking_ids": waiting}).all()) if waiting else {}
    )
    return {b.id: found.get(b.id) for b in bookings}


@dataclass(frozen=True)
class SeatCount:
    confirmed: int = 0
    waiting: int = 0


def seat_counts(session: Session, workshop_ids: Iterable[int]) -> dict[int, SeatCount]:
    """Confirmed and waiting counts for many workshops in one query."""
    ids = list(workshop_ids)
    rows = session.execute(_SEAT_COUNTS, {"workshop_ids": ids})
    counts: dict[int, dict[str, int]] = {}
    for workshop_id, status, count in rows:
        counts.setdefault(workshop_id, {})[BookingStatus(status).value] = count
    return {wid: SeatCount(**counts.get(wid, {})) for wid in ids}


def bookings_by_workshop(
    session: Session, member: Member, workshop_ids: Iterable[int]
) -> dict[int, Booking]:
    """The member's active booking at each of these workshops, in one query."""
    bookings = session.scalars(
        select(Booking).where(
            Booking.member_id == member.id,
            Booking.workshop_id.in_(list(workshop_ids)),
            ACTIVE,
        )
    )
    return {booking.workshop_id: booking for booking in bookings}


def _open_to(member: Member):
    restricted = exists().where(WorkshopAudience.workshop_id == Workshop.id)
    matching = exists().where(
        WorkshopAudience.workshop_id == Workshop.id, WorkshopAudience.status == member.status
    )
    return or_(~restricted, matching)


def upcoming_for(session: Session, member: Member, now: datetime) -> list[Workshop]:
    """Workshops a member may book or has booked, not yet started, soonest first."""
    booked = exists().where(
        Booking.workshop_id == Workshop.id,
        Booking.member_id == member.id,
        ACTIVE,
    )
    query = (
        select(Workshop)
        .where(Workshop.starts_at > now)
        .where(or_(Workshop.cancelled_at.is_(None) & _open_to(member), booked))
        .order_by(Workshop.starts_at, Workshop.id)
    )
    return list(session.scalars(query))


def bookings_of(session: Session, member: Member) -> list[Booking]:
    """The member's active bookings, latest workshop first, with their workshops."""
    query = (
        select(Booking)
        .join(Booking.workshop)
        .options(joinedload(Booking.workshop))
        .where(Booking.member_id == member.id, ACTIVE)
        .order_by(Workshop.starts_at.desc())
    )
    return list(session.scalars(query))


def staff_workshops(
    session: Session, now: datetime, past_page: int = 1, per_page: int = 30
) -> tuple[list[Workshop], list[Workshop], bool]:
    """Upcoming workshops (all, soonest first) and a page of past ones (latest first);
    the flag says whether older ones exist."""
    upcoming = list(
        session.scalars(select(Workshop).where(Workshop.ends_at > now).order_by(Workshop.starts_at))
    )
    past = list(
        session.scalars(
            select(Workshop)
            .where(Workshop.ends_at <= now)
            .order_by(Workshop.starts_at.desc(), Workshop.id.desc())
            .offset((past_page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return upcoming, past[:per_page], len(past) > per_page


def participants(session: Session, workshop: Workshop) -> list[Booking]:
    """Every booking of the workshop: seats first, then the waiting list in order, then
    cancellations."""
    order = {BookingStatus.CONFIRMED: 0, BookingStatus.WAITING: 1, BookingStatus.CANCELLED: 2}
    bookings = session.scalars(
        select(Booking)
        .options(joinedload(Booking.member))
        .where(Booking.workshop_id == workshop.id)
        .order_by(Booking.id)
    ).all()
    return sorted(bookings, key=lambda booking: order[booking.status])


PARTICIPANTS_HEADER = (_l("Name"), _l("Email"), _l("Status"), _l("Position"), _l("Attendance"))


def participant_rows(session: Session, bookings: list[Booking]) -> Iterator[tuple]:
    """The participants list for a spreadsheet: a row per booking, with the waiting list's
    positions, under `PARTICIPANTS_HEADER`."""
    positions = waiting_positions(session, bookings)
    for booking in bookings:
        yield (
            booking.member.full_name,
            booking.member.email,
            booking.status.label,
            positions[booking.id],
            booking.attendance.label if booking.attendance else None,
        )


def booking_summaries(session: Session, workshop: Workshop) -> list[dict]:
    """The participants as the back office sees them: member email, status, place on the
    waiting list, attendance."""
    bookings = participants(session, workshop)
    positions = waiting_positions(session, bookings)
    return [
        {
            "member": booking.member.email,
            "status": booking.status.value,
            "position": positions[booking.id],
            "attendance": booking.attendance.value if booking.attendance else None,
        }
        for booking in bookings
    ]


def calendar_events_for(session: Session, member: Member) -> list[CalendarEvent]:
    """Event source for the personal calendar: the member's seats and waiting-list places
    from the last months on; a cancelled workshop stays, marked cancelled, so calendar apps
    remove it."""
    query = (
        select(Booking)
        .join(Booking.workshop)
        .options(joinedload(Booking.workshop))
        .where(
            Booking.member_id == member.id,
            ACTIVE,
            Workshop.ends_at > utcnow() - FEED_HISTORY,
        )
    )
    return [workshop_event(booking.workshop, booking) for booking in session.scalars(query)]


def workshop_event(workshop: Workshop, booking: Booking | None = None) -> CalendarEvent:
    summary = workshop.title
    status = "CONFIRMED"
    if booking is not None and booking.status is BookingStatus.WAITING:
        summary = _("Waiting list: %(title)s", title=workshop.title)
        status = "TENTATIVE"
    if workshop.is_cancelled:
        summary = _("Cancelled: %(title)s", title=workshop.title)
        status = "CANCELLED"
    url = public_url("workshops.detail", workshop_id=workshop.id)
    description = workshop.description
    if workshop.facilitator:
        description = _("With %(name)s", name=workshop.facilitator) + "\n\n" + description
    return CalendarEvent(
        uid=f"workshop-{workshop.ref}@cae-portal",
        summary=summary,
        starts_at=workshop.starts_at,
        ends_at=workshop.ends_at,
        updated_at=workshop.updated_at,
        description=description.strip(),
        location=workshop.place or workshop.video_url,
        url=url,
        status=status,
    )
