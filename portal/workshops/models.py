from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.dates import PARIS
from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member, MemberStatus


class BookingStatus(LabelledEnum):
    CONFIRMED = "confirmed", _l("Booked")
    # on the waiting list, promoted in order when a seat frees up
    WAITING = "waiting", _l("Waiting list")
    CANCELLED = "cancelled", _l("Cancelled")


class Attendance(LabelledEnum):
    PRESENT = "present", _l("Present")
    ABSENT = "absent", _l("Absent")
    EXCUSED = "excused", _l("Excused")


class Workshop(Base):
    """A thematic workshop (atelier) with limited seats, run by the support team or pushed by
    the back office. `ref` is the stable key the back office knows it by."""

    __tablename__ = "workshops"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "booking_deadline IS NULL OR booking_deadline <= starts_at",
            name="deadline_before_start",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    facilitator: Mapped[str] = mapped_column(String(120), default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seats: Mapped[int] = mapped_column(Integer)
    # None: bookings stay open until the workshop starts.
    booking_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    audience: Mapped[list["WorkshopAudience"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="WorkshopAudience.status"
    )

    @property
    def audience_statuses(self) -> set[MemberStatus]:
        """Empty: open to everyone."""
        return {row.status for row in self.audience}

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def bookings_close_at(self) -> datetime:
        return self.booking_deadline or self.starts_at

    def is_open_to(self, member: Member) -> bool:
        statuses = self.audience_statuses
        return not statuses or member.status in statuses

    def audience_label(self) -> str:
        statuses = self.audience_statuses
        if not statuses:
            return str(_l("everyone"))
        return ", ".join(str(status.label) for status in MemberStatus if status in statuses)

    # What may be done with it: each predicate gives the reason for a refusal (None: allowed).
    # The services raise it, the pages read it.

    def booking_refusal(self, member: Member, now: datetime) -> Refusal:
        """Whether `member` may book a seat (or join the waiting list) now. Holding a booking
        already is for the caller to tell: it needs the database."""
        if self.is_cancelled:
            return _l("This workshop is cancelled.")
        if self.starts_at <= now:
            return _l("This workshop has already taken place.")
        if self.bookings_close_at() <= now:
            return _l("Bookings for this workshop are closed.")
        if not self.is_open_to(member):
            return _l(
                "This workshop is reserved for: %(audience)s.", audience=self.audience_label()
            )
        return None

    def unbooking_refusal(self, booking: "Booking | None", now: datetime) -> Refusal:
        """Whether a seat or a place on the waiting list may be given up: until it starts."""
        if self.is_cancelled:
            return _l("This workshop is cancelled.")
        if booking is None:
            return _l("You have no booking for this workshop.")
        if self.starts_at <= now:
            return _l("This workshop has already started: it can no longer be cancelled.")
        return None

    def refusal_to_change(self) -> Refusal:
        if self.is_cancelled:
            return _l("This workshop is cancelled: it can no longer be changed.")
        return None

    def refusal_to_cancel(self, now: datetime) -> Refusal:
        """The support team calls a workshop off before it starts."""
        if self.is_cancelled:
            return _l("This workshop is already cancelled.")
        if self.starts_at <= now:
            return _l("This workshop has already started: it can no longer be cancelled.")
        return None

    def refusal_to_record_attendance(self, now: datetime) -> Refusal:
        """Attendance is recorded from the workshop's day (in Paris) on."""
        if self.is_cancelled:
            return _l("This workshop is cancelled.")
        if self.starts_at.astimezone(PARIS).date() > now.astimezone(PARIS).date():
            return _l("Attendance can be recorded from the day of the workshop.")
        return None

    def __repr__(self) -> str:
        return f"<Workshop {self.id} {self.ref} {self.title!r}>"


class WorkshopAudience(Base):
    """One member status a workshop is meant for; a workshop without any is for everyone."""

    __tablename__ = "workshop_audiences"

    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[MemberStatus] = mapped_column(
        str_enum(MemberStatus, "member_status"), primary_key=True
    )


# An active booking (a seat or a place in line), as the partial index below states it.
_ACTIVE = text("status <> 'cancelled'")


class Booking(Base):
    """A member's seat (or place on the waiting list) at a workshop.

    The database allows one *active* booking per member and workshop; cancelled ones stay as
    history and do not block booking again. The waiting list is served in `id` order: the
    order in which people asked."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_one_active_per_member",
            "workshop_id",
            "member_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_bookings_workshop_status", "workshop_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus, "booking_status"))
    attendance: Mapped[Attendance | None] = mapped_column(str_enum(Attendance, "attendance"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workshop: Mapped[Workshop] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status is not BookingStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Booking {self.id} w{self.workshop_id} m{self.member_id} {self.status}>"


# An active booking in a query: written with the partial index's literal, not a bound value,
# so that both databases' planners use the index (SQLite cannot match a parameter to it) and
# skip the cancelled rows, which a workshop booked and cancelled often gathers by thousands.
ACTIVE = Booking.status != literal_column("'cancelled'")
# The same bookings, counted by status: a range of the (workshop, status) index that skips
# the cancelled ones too.
COUNTED = Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.WAITING])
