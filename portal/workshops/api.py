"""Workshops in the sync API: workshops and bookings in the feed, the list of workshops with
their seats, a workshop's participants, and workshops planned in the back office, created or
updated through the same `create_or_update_workshop` as the support team's form."""

import re

from flask import Blueprint, jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.api import inputs
from portal.api.errors import ApiError
from portal.api.idempotency import idempotent
from portal.api.serializers import iso, register_batch, rows_with_ids
from portal.db import db
from portal.workshops.models import Booking, Workshop
from portal.workshops.queries import SeatCount, booking_summaries, seat_counts, waiting_positions
from portal.workshops.services import create_or_update_workshop, workshop_by_ref

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("workshops", __name__)

# The back office's own key for a workshop: letters, digits, dash, underscore.
REF_FORMAT = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_SEATS = 10_000


def workshop_representation(workshop: Workshop, counts: SeatCount) -> dict:
    return {
        "id": workshop.id,
        "ref": workshop.ref,
        "title": workshop.title,
        "description": workshop.description,
        "facilitator": workshop.facilitator,
        "location": workshop.place,
        "video_url": workshop.video_url or None,
        "starts_at": iso(workshop.starts_at),
        "ends_at": iso(workshop.ends_at),
        "booking_deadline": iso(workshop.booking_deadline),
        "seats": workshop.seats,
        "booked": counts.confirmed,
        "waiting": counts.waiting,
        "audience": sorted(status.value for status in workshop.audience_statuses),
        "cancelled_at": iso(workshop.cancelled_at),
    }


def booking_representation(booking: Booking, position: int | None) -> dict:
    return {
        "id": booking.id,
        "workshop_id": booking.workshop_id,
        "workshop_ref": booking.workshop.ref,
        "member_id": booking.member_id,
        "member": booking.member.email,
        "status": booking.status.value,
        "position": position,
        "attendance": booking.attendance.value if booking.attendance else None,
        "created_at": iso(booking.created_at),
        "confirmed_at": iso(booking.confirmed_at),
        "cancelled_at": iso(booking.cancelled_at),
    }


def _with_counts(session: Session, workshops: list[Workshop]) -> dict[str, dict]:
    counts = seat_counts(session, [workshop.id for workshop in workshops])
    return {str(w.id): workshop_representation(w, counts[w.id]) for w in workshops}


@register_batch("workshop")
def workshops_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    workshops = rows_with_ids(session, Workshop, entity_ids)
    return _with_counts(session, workshops)


@register_batch("booking")
def bookings_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    bookings = rows_with_ids(
        session, Booking, entity_ids, joinedload(Booking.workshop), joinedload(Booking.member)
    )
    positions = waiting_positions(session, bookings)
    return {str(b.id): booking_representation(b, positions[b.id]) for b in bookings}


@bp.get("/workshops")
def workshops():
    """Every workshop, soonest first, with its confirmed and waiting counts (two queries)."""
    found = list(db.session.scalars(select(Workshop).order_by(Workshop.starts_at, Workshop.id)))
    return {"items": list(_with_counts(db.session, found).values())}


def _workshop_or_404(ref: str) -> Workshop:
    workshop = workshop_by_ref(db.session, ref) if REF_FORMAT.match(ref) else None
    if workshop is None:
        raise ApiError(404, "not_found", "No workshop has this ref.")
    return workshop


@bp.get("/workshops/<ref>/bookings")
def workshop_bookings(ref: str):
    """Seats first, then the waiting list in order (`position` 1 is served next), then
    cancellations."""
    return {"items": booking_summaries(db.session, _workshop_or_404(ref))}


WORKSHOP_FIELDS = ("title", "description", "starts_at", "ends_at", "location", "seats")


@bp.put("/workshops/<ref>")
@idempotent
def put_workshop(ref: str):
    if not REF_FORMAT.match(ref):
        raise ApiError(
            400, "invalid_ref", "A workshop ref is 1 to 40 letters, digits, dashes or underscores."
        )
    body = inputs.json_body()
    inputs.only_fields(body, WORKSHOP_FIELDS)
    read = {
        "title": lambda: inputs.text(body, "title", 200),
        "description": lambda: _clearable_text(body, "description", 20_000),
        "starts_at": lambda: inputs.timestamp(body, "starts_at"),
        "ends_at": lambda: inputs.timestamp(body, "ends_at"),
        "location": lambda: _clearable_text(body, "location", 200),
        "seats": lambda: inputs.integer(body, "seats", 1, MAX_SEATS),
    }
    values = {name: read[name]() for name in WORKSHOP_FIELDS if name in body}
    fields = {
        SERVICE_NAMES.get(name, name): value
        for name, value in values.items()
        if value is not None  # null leaves a required field as it is
    }
    created = workshop_by_ref(db.session, ref) is None
    try:
        workshop = create_or_update_workshop(db.session, ref, fields)
    except IntegrityError:
        raise ApiError(
            409, "conflict", "Another request created this workshop at the same time; retry."
        ) from None
    counts = seat_counts(db.session, [workshop.id])[workshop.id]
    response = jsonify(workshop_representation(workshop, counts))
    response.status_code = 201 if created else 200
    return response


# The API says `location` like the meetings do; the workshop model calls it `place`.
SERVICE_NAMES = {"location": "place"}


def _clearable_text(body: dict, field: str, max_length: int) -> str:
    """Text that may be emptied: "" or null clears it."""
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise inputs.invalid(field, f"`{field}` is a string of at most {max_length} characters.")
    return value
