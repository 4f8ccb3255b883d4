"""What the workshops module tells members; its emails are in templates/emails/workshops/."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.members.models import Member
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify, notify_all
from portal.workshops.models import ACTIVE, Booking, Workshop


def _facts(workshop: Workshop) -> tuple[str, dict]:
    link = portal_path("workshops.detail", workshop_id=workshop.id)
    return link, {"title": workshop.title, "starts_at": workshop.starts_at.isoformat()}


def booking_confirmed(session: Session, booking: Booking) -> None:
    link, facts = _facts(booking.workshop)
    notify(session, booking.member, Kind.BOOKING_CONFIRMED, link, **facts)


def booking_promoted(session: Session, booking: Booking) -> None:
    """A seat came free and the first of the waiting list has it."""
    link, facts = _facts(booking.workshop)
    notify(session, booking.member, Kind.BOOKING_PROMOTED, link, **facts)


def _booked(session: Session, workshop: Workshop) -> list[Member]:
    """Members with a seat or on the waiting list."""
    return list(
        session.scalars(
            select(Member)
            .join(Booking, Booking.member_id == Member.id)
            .where(Booking.workshop_id == workshop.id, ACTIVE)
            .order_by(Booking.id)
        )
    )


def workshop_changed(session: Session, workshop: Workshop) -> None:
    """Its time or place changed: everyone booked or waiting is told."""
    link, facts = _facts(workshop)
    notify_all(session, _booked(session, workshop), Kind.WORKSHOP_CHANGED, link, **facts)


def workshop_cancelled(session: Session, workshop: Workshop) -> None:
    link, facts = _facts(workshop)
    notify_all(session, _booked(session, workshop), Kind.WORKSHOP_CANCELLED, link, **facts)
