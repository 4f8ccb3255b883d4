"""Workshops: the URL map. Entrepreneurs browse and book; the support team runs them."""

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from portal.db import db, id_from_text, utcnow
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.ical import to_ical
from portal.members.services import member_by_email
from portal.transaction import transaction
from portal.web.access import staff_required
from portal.web.confirm import ask, asks, confirmed, unconfirmed
from portal.web.csv import csv_response
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render, wants_fragment
from portal.web.page_cache import holds_until, kept
from portal.web.pages import page_arg
from portal.web.redirects import safe_next
from portal.workshops import queries, services
from portal.workshops.forms import AddParticipantForm, WorkshopForm
from portal.workshops.models import Attendance, Booking, BookingStatus, Workshop

bp = Blueprint("workshops", __name__, url_prefix="/workshops")

ATTENDANCE_VALUES = frozenset(mark.value for mark in Attendance)
# Where a service's field names land on the staff form.
FORM_FIELDS = {"starts_at": "start_time", "ends_at": "end_time"}


def workshop_or_404(workshop_id: int) -> Workshop:
    """Workshops are not private: any member may open one, booking rules decide the rest."""
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def locked_workshop_or_404(workshop_id: int) -> Workshop:
    """For booking writes: the workshop read once, under the lock the service needs."""
    workshop = services.lock_workshop(db.session, workshop_id)
    if workshop is None:
        abort(404)
    return workshop


def booking_panel(
    workshop: Workshop,
    message: str = "",
    error: bool = False,
    outcome: tuple[Booking | None, int | None, queries.SeatCount] | None = None,
) -> dict:
    """Everything `_booking.html` shows for the current member; `outcome` is their active
    booking, waiting-list position and the workshop's seats when the caller knows them."""
    if outcome is None:
        booking = queries.active_booking(db.session, workshop, current_user)
        position = queries.waiting_position(db.session, booking) if booking else None
        count = queries.seat_counts(db.session, [workshop.id])[workshop.id]
    else:
        booking, position, count = outcome
    return {
        "workshop": workshop,
        "booking": booking,
        "count": count,
        "position": position,
        "message": message,
        "error": error,
        "now": utcnow(),
    }


# --- Entrepreneurs ------------------------------------------------------------------------


@bp.get("")
@login_required
@kept
def index():
    now = utcnow()
    if current_user.is_staff:
        page = page_arg()
        upcoming, past, more = queries.staff_workshops(db.session, now, past_page=page)
        counts = queries.seat_counts(db.session, [w.id for w in upcoming + past])
        return render(
            "workshops/staff_index.html",
            upcoming=upcoming,
            past=past,
            counts=counts,
            past_page=page,
            more=more,
            now=now,
        )
    workshops = queries.upcoming_for(db.session, current_user, now)
    # Bookings close, then the workshop starts and leaves the list.
    holds_until(*(moment for w in workshops for moment in (w.bookings_close_at(), w.starts_at)))
    ids = [workshop.id for workshop in workshops]
    return render(
        "workshops/index.html",
        workshops=workshops,
        counts=queries.seat_counts(db.session, ids),
        bookings=queries.bookings_by_workshop(db.session, current_user, ids),
        now=now,
    )


@bp.get("/mine")
@login_required
def mine():
    now = utcnow()
    bookings = queries.bookings_of(db.session, current_user)
    upcoming = [b for b in bookings if b.workshop.ends_at > now]
    past = [b for b in bookings if b.workshop.ends_at <= now]
    upcoming.reverse()  # soonest first
    positions = queries.waiting_positions(db.session, upcoming)
    return render("workshops/mine.html", upcoming=upcoming, past=past, positions=positions, now=now)


@bp.get("/<int:workshop_id>")
@login_required
def detail(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    return render(
        "workshops/detail.html",
        "workshops/_booking.html",
        audience=workshop.audience_label(),
        **booking_panel(workshop),
    )


def _booking_response(workshop: Workshop, action) -> Callable[[], Response]:
    """Run `action` (it returns a message, the member's active booking and their place on
    the waiting list); htmx gets the booking panel in its new state (or with the refusal),
    a plain form post gets a flash message and a redirect back. The response is built once
    the booking is committed (the views' `commit="early"`): the workshop's lock is free by
    then for the next booking, and the panel shows the seats as the action left them."""
    outcome = None
    try:
        if request.form.get("member_id", str(current_user.id)) != str(current_user.id):
            raise DomainError(_("You can only book or cancel a seat for yourself."))
        message, booking, position = action()
        outcome = booking, position, services.seats(db.session, workshop)
        error = False
    except DomainError as refusal:
        message, error = str(refusal), True

    def respond() -> Response:
        if wants_fragment():
            return render(
                "workshops/detail.html",
                "workshops/_booking.html",
                **booking_panel(workshop, message=message, error=error, outcome=outcome),
            )
        flash(message, "error" if error else "success")
        default = url_for("workshops.detail", workshop_id=workshop.id)
        return redirect_after_post(safe_next(request.form.get("next"), default))

    return respond


@bp.post("/<int:workshop_id>/book")
@transaction("write", lock="late", commit="early")  # the login's reads wait for no booking
@login_required
def book(workshop_id: int):
    workshop = locked_workshop_or_404(workshop_id)

    def action() -> tuple[str, Booking, int | None]:
        booking = services.book_seat(
            db.session, workshop, current_user, by=current_user, now=utcnow()
        )
        if booking.status is BookingStatus.CONFIRMED:
            return _("Your seat is booked."), booking, None
        position = services.seats(db.session, workshop).waiting  # the last in line
        message = _(
            "The workshop is full: you are number %(position)d on the waiting list. "
            "We will email you if a seat comes free.",
            position=position,
        )
        return message, booking, position

    return _booking_response(workshop, action)


@bp.post("/<int:workshop_id>/cancel")
@transaction("write", lock="late", commit="early")
@login_required
@asks(
    _l("Cancel your booking? Your seat goes to the next person waiting."),
    _l("Yes, cancel"),
)
def cancel(workshop_id: int):
    if not confirmed():  # asked before the workshop's lock is taken
        workshop = workshop_or_404(workshop_id)
        booking = queries.active_booking(db.session, workshop, current_user)
        waiting = booking is not None and booking.status is BookingStatus.WAITING
        question = _("Leave the waiting list? You lose your place in it.") if waiting else None
        default = url_for("workshops.detail", workshop_id=workshop.id)
        # The question's page, built like the booking's answer (see _booking_response).
        return lambda: ask(default, subject=workshop.title, question=question)
    workshop = locked_workshop_or_404(workshop_id)

    def action() -> tuple[str, None, None]:
        booking = services.cancel_booking(
            db.session, workshop, current_user, by=current_user, now=utcnow()
        )
        if booking.confirmed_at is not None:
            return _("Your booking is cancelled."), None, None
        return _("You have left the waiting list."), None, None

    return _booking_response(workshop, action)


@bp.get("/<int:workshop_id>/calendar.ics")
@login_required
def ics(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    booking = queries.active_booking(db.session, workshop, current_user)
    body = to_ical([queries.workshop_event(workshop, booking)], workshop.title)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="workshop-{workshop.id}.ics"'
    return response


# --- Support team -------------------------------------------------------------------------


def _save_workshop(form: WorkshopForm, ref: str | None):
    try:
        return services.create_or_update_workshop(db.session, ref, form.service_fields())
    except DomainError as refusal:
        field = getattr(form, FORM_FIELDS.get(refusal.field, refusal.field or ""), None)
        if field is not None:
            field.errors = [*field.errors, str(refusal)]
        else:
            form.form_errors.append(str(refusal))
        return None


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = WorkshopForm()
    if form.validate_on_submit():
        workshop = _save_workshop(form, None)
        if workshop is not None:
            flash(_("Workshop created."), "success")
            return redirect_after_post(url_for("workshops.detail", workshop_id=workshop.id))
    return render("workshops/form.html", form=form, workshop=None)


@bp.route("/<int:workshop_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    form = WorkshopForm(obj=workshop)
    if not form.is_submitted():
        form.fill_from(workshop)
    if form.validate_on_submit() and _save_workshop(form, workshop.ref) is not None:
        flash(_("Workshop saved."), "success")
        return redirect_after_post(url_for("workshops.detail", workshop_id=workshop.id))
    return render("workshops/form.html", form=form, workshop=workshop)


@bp.post("/<int:workshop_id>/cancel-workshop")
@staff_required
@asks(
    _l("Cancel this workshop?"),
    _l("Cancel the workshop"),
    _l("Everyone booked or waiting gets an email. This cannot be undone."),
)
def cancel_workshop(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    back = url_for("workshops.detail", workshop_id=workshop.id)
    if asked := unconfirmed(back, subject=workshop.title):
        return asked
    try:
        services.cancel_workshop(db.session, workshop, utcnow())
    except DomainError as refusal:
        flash(str(refusal), "error")
    else:
        flash(_("The workshop is cancelled; participants are told by email."), "success")
    return redirect_after_post(url_for("workshops.detail", workshop_id=workshop.id))


def _participants_page(workshop: Workshop, form: AddParticipantForm, status: int = 200):
    bookings = queries.participants(db.session, workshop)
    return render(
        "workshops/participants.html",
        workshop=workshop,
        bookings=bookings,
        positions=queries.waiting_positions(db.session, bookings),
        count=queries.seat_counts(db.session, [workshop.id])[workshop.id],
        form=form,
        attendance_choices=list(Attendance),
        now=utcnow(),
        status=status,
    )


@bp.get("/<int:workshop_id>/participants")
@staff_required
def participants(workshop_id: int):
    return _participants_page(workshop_or_404(workshop_id), AddParticipantForm())


@bp.post("/<int:workshop_id>/participants")
@staff_required
def add_participant(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    form = AddParticipantForm()
    if form.validate_on_submit():
        member = member_by_email(db.session, form.email.data)
        if member is None:
            form.email.errors = [_("No member has this email.")]
        else:
            try:
                booking = services.book_seat(
                    db.session, workshop, member, by=current_user, now=utcnow()
                )
            except DomainError as refusal:
                form_error(form, refusal, field=form.email)
            else:
                flash(
                    _("%(name)s: %(status)s.", name=member.full_name, status=booking.status.label),
                    "success",
                )
                return redirect_after_post(
                    url_for("workshops.participants", workshop_id=workshop.id)
                )
    return _participants_page(workshop, form)


@bp.post("/<int:workshop_id>/participants/<int:booking_id>/cancel")
@staff_required
@asks(_l("Cancel this booking?"), _l("Cancel the booking"))
def remove_participant(workshop_id: int, booking_id: int):
    workshop = workshop_or_404(workshop_id)
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.workshop_id != workshop.id:
        abort(404)
    question = _("Cancel the booking of %(name)s?", name=booking.member.full_name)
    back = url_for("workshops.participants", workshop_id=workshop.id)
    if asked := unconfirmed(back, subject=workshop.title, question=question):
        return asked
    try:
        services.cancel_booking(db.session, workshop, booking.member, by=current_user, now=utcnow())
    except DomainError as refusal:
        flash(str(refusal), "error")
    else:
        flash(_("Booking of %(name)s cancelled.", name=booking.member.full_name), "success")
    return redirect_after_post(url_for("workshops.participants", workshop_id=workshop.id))


@bp.post("/<int:workshop_id>/attendance")
@staff_required
def attendance(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    marks = {}
    for key, value in request.form.items():
        booking_id = id_from_text(key.removeprefix("attendance-"))
        if key.startswith("attendance-") and booking_id is not None:
            if value and value not in ATTENDANCE_VALUES:
                abort(400)
            marks[booking_id] = Attendance(value) if value else None
    try:
        changed = services.record_attendance(db.session, workshop, marks, utcnow())
    except DomainError as refusal:
        flash(str(refusal), "error")
    else:
        flash(
            ngettext(
                "Attendance saved (%(num)d change).", "Attendance saved (%(num)d changes).", changed
            ),
            "success",
        )
    return redirect_after_post(url_for("workshops.participants", workshop_id=workshop.id))


@bp.get("/<int:workshop_id>/participants.csv")
@staff_required
def export(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    rows = queries.participant_rows(db.session, queries.participants(db.session, workshop))
    return csv_response(f"participants-{workshop.ref}.csv", queries.PARTICIPANTS_HEADER, rows)


@bp.get("/<int:workshop_id>/sign-in-sheet")
@staff_required
def sign_in_sheet(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    bookings = [
        b for b in queries.participants(db.session, workshop) if b.status is BookingStatus.CONFIRMED
    ]
    return render("workshops/sign_in_sheet.html", workshop=workshop, bookings=bookings)
