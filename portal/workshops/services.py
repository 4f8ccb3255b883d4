"""Workshops: seats, the waiting list, attendance. The rules live here, once, for the staff
forms, the entrepreneurs' pages and the back office's sync API alike.

Seat counting is safe under concurrency: every booking write first locks the workshop row
(SELECT ... FOR UPDATE on PostgreSQL, the database's write lock on SQLite) and reads it
again, so two requests never both take the last seat."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, true, update
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached, object_session
from sqlalchemy.orm.attributes import set_committed_value

from portal.db import insert_rows, utcnow
from portal.errors import DomainError, refuse
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member, MemberStatus
from portal.sync.services import record_change
from portal.workshops import notifications
from portal.workshops.models import (
    ACTIVE,
    COUNTED,
    Attendance,
    Booking,
    BookingStatus,
    Workshop,
    WorkshopAudience,
)
from portal.workshops.queries import SeatCount, seat_counts

WORKSHOP_FIELDS = frozenset(
    {
        "title",
        "description",
        "facilitator",
        "place",
        "video_url",
        "starts_at",
        "ends_at",
        "seats",
        "booking_deadline",
        "audience",
    }
)
REQUIRED_FIELDS = ("title", "starts_at", "ends_at", "seats")


def new_ref() -> str:
    """A short, unguessable, stable reference the back office can key on."""
    return "W" + secrets.token_hex(5).upper()


def workshop_by_ref(session: Session, ref: str) -> Workshop | None:
    return session.scalar(select(Workshop).where(Workshop.ref == ref))


# The statements every booking runs, built once: building one costs about as much as
# running it on SQLite.
_LOCKED_WORKSHOP = (
    select(Workshop)
    .options(joinedload(Workshop.audience))
    .where(Workshop.id == bindparam("workshop_id"))
    .with_for_update(of=Workshop)
    .execution_options(populate_existing=True)
)
_CONFIRMED = Booking.status == BookingStatus.CONFIRMED
_WAITING = Booking.status == BookingStatus.WAITING
# The seats taken and the waiting list's length, read under the lock; for a booking, with
# the member's own active booking's status (None without one), in the same read.
_SEATS = select(func.count().filter(_CONFIRMED), func.count().filter(_WAITING)).where(
    Booking.workshop_id == bindparam("workshop_id"),
    COUNTED,
)
_SEATS_AND_MINE = _SEATS.add_columns(
    func.max(case((Booking.member_id == bindparam("member_id"), Booking.status)))
)
# For a cancellation: the member's active booking with the seats, in one read under the lock.
_SEATS_COUNTED = _SEATS.subquery()
_MINE_AND_SEATS = (
    select(Booking, *_SEATS_COUNTED.c)
    .join_from(Booking, _SEATS_COUNTED, true())
    .where(
        Booking.workshop_id == bindparam("workshop_id"),
        Booking.member_id == bindparam("member_id"),
        ACTIVE,
    )
)
_CANCEL_BOOKING = (
    update(Booking.__table__)
    .where(Booking.__table__.c.id == bindparam("booking_id"))
    .values(status=BookingStatus.CANCELLED, cancelled_at=bindparam("now"))
)
_FIRST_WAITING = (
    select(Booking)
    .options(joinedload(Booking.member))
    .where(Booking.workshop_id == bindparam("workshop_id"), _WAITING)
    .order_by(Booking.id)
    .limit(bindparam("free"))
)


# In `session.info`: what the current transaction holds (see `_Held`).
HELD = "portal_workshops_held"


def lock_workshop(session: Session, workshop_id: int) -> Workshop | None:
    """The workshop in its latest state, locked until the transaction ends (None if there is
    none). A booking view loads its workshop this way, so that the service does not read
    it a second time. Its audience, which every booking checks, comes in the same statement
    (one round trip fewer while the row is locked); only the workshop's row is locked. On
    SQLite, under a late lock, this read FOR UPDATE is where the write lock is taken."""
    workshop = session.scalars(_LOCKED_WORKSHOP, {"workshop_id": workshop_id}).unique().first()
    if workshop is not None:
        _held(workshop).locked.add(workshop.id)
    return workshop


def _lock(session: Session, workshop: Workshop) -> None:
    """Hold the workshop row until the transaction ends, and read its latest state."""
    if workshop.id not in _held(workshop).locked:
        lock_workshop(session, workshop.id)


@dataclass
class _Held:
    """What the session's current transaction holds: the workshops it locked, and the seats
    its booking writes counted under those locks (true until it commits)."""

    transaction: object
    locked: set[int] = field(default_factory=set)
    seats: dict[int, SeatCount] = field(default_factory=dict)


def _held(workshop: Workshop) -> _Held:
    session = object_session(workshop)
    transaction = session.get_transaction() if session else None
    if transaction is None:
        return _Held(None)
    held = session.info.get(HELD)
    if held is None or held.transaction is not transaction:
        held = session.info[HELD] = _Held(transaction)
    return held


def seats(session: Session, workshop: Workshop) -> SeatCount:
    """The workshop's confirmed and waiting counts: as this transaction's last booking or
    cancellation left them, under the workshop's lock (nothing to count again), else
    counted."""
    counted = _held(workshop).seats.get(workshop.id)
    if counted is not None:
        return counted
    return seat_counts(session, [workshop.id])[workshop.id]


# --- Staff: create, edit, cancel -----------------------------------------------------------


def create_or_update_workshop(
    session: Session, ref: str | None, fields: Mapping[str, object]
) -> Workshop:
    """Create the workshop with this `ref` (a new one when None), or update it with `fields`.

    Used by the staff forms and by the back office's sync API, so that a pushed workshop
    obeys the same rules: it ends after it starts, bookings close no later than the start,
    at least one seat, and seats never drop below the people already confirmed (a raise
    promotes the waiting list). A cancelled workshop cannot be changed."""
    unknown = set(fields) - WORKSHOP_FIELDS
    if unknown:
        raise ValueError(f"unknown workshop fields: {sorted(unknown)}")
    workshop = workshop_by_ref(session, ref) if ref else None
    creating = workshop is None
    if creating:
        missing = [name for name in REQUIRED_FIELDS if fields.get(name) in (None, "")]
        if missing:
            raise DomainError(_l("This field is required."), field=missing[0])
        workshop = Workshop(ref=ref or new_ref())
    else:
        _lock(session, workshop)
        refuse(workshop.refusal_to_change())

    values = {name: fields[name] for name in WORKSHOP_FIELDS - {"audience"} if name in fields}
    for text_field in ("title", "description", "facilitator", "place", "video_url"):
        if text_field in values:
            values[text_field] = (values[text_field] or "").strip()
    title = values.get("title", workshop.title)
    if not title:
        raise DomainError(_l("This field is required."), field="title")
    starts_at = values.get("starts_at", workshop.starts_at)
    ends_at = values.get("ends_at", workshop.ends_at)
    deadline = values.get("booking_deadline", workshop.booking_deadline)
    seats = values.get("seats", workshop.seats)
    if ends_at <= starts_at:
        raise DomainError(_l("The workshop must end after it starts."), field="ends_at")
    if deadline is not None and deadline > starts_at:
        raise DomainError(
            _l("Bookings must close before the workshop starts."), field="booking_deadline"
        )
    if not isinstance(seats, int) or seats < 1:
        raise DomainError(_l("A workshop has at least one seat."), field="seats")
    if not creating:
        confirmed, _waiting = session.execute(_SEATS, {"workshop_id": workshop.id}).one()
        if seats < confirmed:
            raise DomainError(
                _l(
                    "%(count)d people already have a seat: the number of seats cannot go "
                    "below that.",
                    count=confirmed,
                ),
                field="seats",
            )

    moved = not creating and _moves(workshop, values)
    for name, value in values.items():
        setattr(workshop, name, value)
    if "audience" in fields:
        wanted = {MemberStatus(status) for status in fields["audience"] or ()}
        workshop.audience = [row for row in workshop.audience if row.status in wanted] + [
            WorkshopAudience(status=status) for status in wanted - workshop.audience_statuses
        ]
    if creating:
        session.add(workshop)
    session.flush()
    record_change(session, "workshop", workshop.id)
    if moved:
        notifications.workshop_changed(session, workshop)
    if not creating:
        promote_waiting(session, workshop)
    return workshop


def _moves(workshop: Workshop, values: Mapping[str, object]) -> bool:
    """Whether the change moves the workshop in time or place: what those booked must know
    (a corrected description need not reach their inbox)."""
    return any(
        name in values and values[name] != getattr(workshop, name)
        for name in ("starts_at", "ends_at", "place", "video_url")
    )


def cancel_workshop(session: Session, workshop: Workshop, now: datetime) -> None:
    """Call a workshop off before it starts; everyone booked or waiting is told."""
    _lock(session, workshop)
    refuse(workshop.refusal_to_cancel(now))
    workshop.cancelled_at = now
    session.flush()
    record_change(session, "workshop", workshop.id)
    notifications.workshop_cancelled(session, workshop)


# --- Entrepreneurs: book, cancel, the waiting list ----------------------------------------


def _check_acting_for(member: Member, by: Member) -> None:
    if by.id != member.id and not by.is_staff:
        raise DomainError(_l("You can only book or cancel a seat for yourself."))


def book_seat(
    session: Session, workshop: Workshop, member: Member, *, by: Member, now: datetime
) -> Booking:
    """A seat if one is left, else a place at the end of the waiting list.

    Refused for someone else (unless `by` is staff), for a cancelled or past workshop, after
    the booking deadline, outside the workshop's audience, and when the member already holds
    a seat or a place on the list (the database refuses a second active booking too)."""
    _check_acting_for(member, by)
    _lock(session, workshop)
    refuse(workshop.booking_refusal(member, now))
    confirmed, waiting, current = session.execute(
        _SEATS_AND_MINE, {"workshop_id": workshop.id, "member_id": member.id}
    ).one()
    if current == BookingStatus.WAITING:
        raise DomainError(_l("You are already on the waiting list for this workshop."))
    if current is not None:
        raise DomainError(_l("You already have a seat at this workshop."))

    has_seat = confirmed < workshop.seats
    values = {
        "workshop_id": workshop.id,
        "member_id": member.id,
        "status": BookingStatus.CONFIRMED if has_seat else BookingStatus.WAITING,
        "attendance": None,
        "created_at": now,
        "confirmed_at": now if has_seat else None,
        "cancelled_at": None,
    }
    # Under the workshop's lock the check above sees every active booking: the unique index
    # stays as the last line of defence, without a savepoint to answer it politely. The row
    # is written by one statement, as its notification is: the ORM's unit of work would
    # cost a booking twice its rows, under the lock. The session then holds it as if read.
    [booking_id] = insert_rows(session, Booking, [values])
    booking = Booking(id=booking_id, **values)
    make_transient_to_detached(booking)
    session.add(booking)
    _held(workshop).seats[workshop.id] = SeatCount(confirmed + has_seat, waiting + (not has_seat))
    record_change(session, "booking", booking.id)
    if has_seat:
        notifications.booking_confirmed(session, booking)
    return booking


def cancel_booking(
    session: Session, workshop: Workshop, member: Member, *, by: Member, now: datetime
) -> Booking:
    """Give up a seat or a place on the waiting list, until the workshop starts. A freed seat
    goes to the first person waiting, who is told by email."""
    _check_acting_for(member, by)
    _lock(session, workshop)
    booking, confirmed, waiting = session.execute(
        _MINE_AND_SEATS, {"workshop_id": workshop.id, "member_id": member.id}
    ).first() or (None, 0, 0)
    refuse(workshop.unbooking_refusal(booking, now))
    was_confirmed = booking.status is BookingStatus.CONFIRMED
    # One statement, as the booking's (see `book_seat`); the booking read shows it.
    session.execute(_CANCEL_BOOKING, {"booking_id": booking.id, "now": now})
    set_committed_value(booking, "status", BookingStatus.CANCELLED)
    set_committed_value(booking, "cancelled_at", now)
    record_change(session, "booking", booking.id)
    left = SeatCount(confirmed - was_confirmed, waiting - (not was_confirmed))
    _held(workshop).seats[workshop.id] = left
    if was_confirmed:
        promote_waiting(session, workshop, now, left)
    return booking


def promote_waiting(
    session: Session,
    workshop: Workshop,
    now: datetime | None = None,
    seats: SeatCount | None = None,
) -> list[Booking]:
    """Give free seats to the waiting list in the order people asked, and tell each one.
    The caller holds the workshop's lock, and passes the `seats` it counted under it if it
    did. Nobody is promoted once the workshop has started."""
    now = now or utcnow()
    if workshop.is_cancelled or workshop.starts_at <= now:
        return []
    if seats is None:
        seats = SeatCount(*session.execute(_SEATS, {"workshop_id": workshop.id}).one())
    confirmed, waiting = seats.confirmed, seats.waiting
    free = workshop.seats - confirmed
    promoted = []
    if free > 0 and waiting:
        promoted = list(
            session.scalars(_FIRST_WAITING, {"workshop_id": workshop.id, "free": free}).unique()
        )
        for booking in promoted:
            booking.status = BookingStatus.CONFIRMED
            booking.confirmed_at = now
        session.flush()
    _held(workshop).seats[workshop.id] = SeatCount(
        confirmed + len(promoted), waiting - len(promoted)
    )
    for booking in promoted:
        record_change(session, "booking", booking.id)
        notifications.booking_promoted(session, booking)
    return promoted


# --- Attendance ---------------------------------------------------------------------------


def record_attendance(
    session: Session,
    workshop: Workshop,
    marks: Mapping[int, Attendance | None],
    now: datetime,
) -> int:
    """Mark confirmed participants present, absent or excused, from the workshop's day on.
    `marks` maps booking ids of this workshop to a mark (None clears it). Returns how many
    changed."""
    refuse(workshop.refusal_to_record_attendance(now))
    bookings = session.scalars(
        select(Booking).where(
            Booking.workshop_id == workshop.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.id.in_(list(marks)),
        )
    ).all()
    changed = 0
    for booking in bookings:
        mark = marks[booking.id]
        if booking.attendance != mark:
            booking.attendance = mark
            changed += 1
    session.flush()
    for booking in bookings:
        record_change(session, "booking", booking.id)
    return changed
