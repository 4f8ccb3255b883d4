"""Workshops: booking rules, the waiting list, staff management, attendance, exports."""

import csv
import io
from datetime import UTC, datetime, time, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.dates import PARIS
from portal.db import utcnow
from portal.errors import DomainError
from portal.members.models import MemberStatus
from portal.notifications.models import Notification
from portal.outbox.models import OutboxMessage
from portal.sync.models import Change
from portal.workshops import queries, services
from portal.workshops.models import Attendance, Booking, BookingStatus, Workshop
from tests.helpers import listening, login

HX = {"HX-Request": "true"}


@pytest.fixture
def make_workshop(db_session):
    def make(seats=10, days=7, **fields):
        starts_at = utcnow().replace(microsecond=0) + timedelta(days=days)
        values = {
            "title": "Fixer ses prix",
            "description": "Un **atelier** pratique.",
            "place": "Salle Jacquard",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "seats": seats,
            **fields,
        }
        workshop = services.create_or_update_workshop(db_session, None, values)
        db_session.commit()
        return workshop

    return make


@pytest.fixture
def workshop(make_workshop):
    return make_workshop()


def bookings_of(db_session, workshop):
    db_session.expire_all()
    return db_session.scalars(
        select(Booking).where(Booking.workshop_id == workshop.id).order_by(Booking.id)
    ).all()


def book(db_session, workshop, member, now=None):
    booking = services.book_seat(db_session, workshop, member, by=member, now=now or utcnow())
    db_session.commit()
    return booking


# --- Entrepreneur pages -------------------------------------------------------------------


def test_upcoming_workshops_are_listed_as_cards_with_seats_left(logged_in, make_workshop):
    make_workshop(title="Prospecter", seats=12)
    make_workshop(title="Atelier passé", days=-3)
    page = logged_in.get("/workshops").text
    assert "Prospecter" in page and "12 places restantes" in page
    assert "Atelier passé" not in page
    assert "Réserver une place" in page


def test_booking_in_one_tap_replaces_the_button_with_booked_cancel(logged_in, workshop):
    response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="booking"')  # the fragment alone
    assert "Réservé — annuler" in response.text
    assert "Votre place est réservée." in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_booking_without_javascript_redirects_back_with_a_message(logged_in, workshop):
    response = logged_in.post(f"/workshops/{workshop.id}/book", data={"next": "/workshops"})
    assert response.status_code == 303 and response.location == "/workshops"
    page = logged_in.get("/workshops").text
    assert "Votre place est réservée." in page and "Réservé — annuler" in page


def test_next_never_leads_off_site(logged_in, workshop):
    response = logged_in.post(
        f"/workshops/{workshop.id}/book", data={"next": "https://evil.example/"}
    )
    assert response.location == f"/workshops/{workshop.id}"


def test_double_tap_books_once_and_says_so(logged_in, workshop, db_session):
    logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    second = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert second.status_code == 200
    assert "Vous avez déjà une place à cet atelier." in second.text
    assert len(bookings_of(db_session, workshop)) == 1


def test_double_tap_on_a_full_workshop_keeps_one_place_on_the_list(
    logged_in, make_workshop, make_member, db_session
):
    workshop = make_workshop(seats=1)
    book(db_session, workshop, make_member())
    first = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    second = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "vous êtes n° 1 sur la liste d'attente" in unescape(first.text)
    assert "Vous êtes déjà sur la liste d'attente de cet atelier." in unescape(second.text)
    statuses = [b.status for b in bookings_of(db_session, workshop)]
    assert statuses == [BookingStatus.CONFIRMED, BookingStatus.WAITING]


def test_replayed_cancel_form_changes_nothing(logged_in, workshop, db_session):
    logged_in.post(f"/workshops/{workshop.id}/book")
    logged_in.post(f"/workshops/{workshop.id}/cancel", data={"confirmed": "1"})
    changes_before = db_session.scalar(select(func.count()).select_from(Change))
    replay = logged_in.post(f"/workshops/{workshop.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert "Vous n'avez pas de réservation pour cet atelier." in unescape(replay.text)
    assert db_session.scalar(select(func.count()).select_from(Change)) == changes_before
    assert [b.status for b in bookings_of(db_session, workshop)] == [BookingStatus.CANCELLED]


def test_booking_for_another_member_is_refused(logged_in, workshop, make_member, db_session):
    other = make_member()
    response = logged_in.post(
        f"/workshops/{workshop.id}/book", data={"member_id": str(other.id)}, headers=HX
    )
    assert "Vous ne pouvez réserver ou annuler une place que pour vous-même." in response.text
    assert bookings_of(db_session, workshop) == []


def test_service_refuses_an_entrepreneur_acting_for_someone_else(
    db_session, workshop, entrepreneur, make_member
):
    other = make_member()
    with pytest.raises(DomainError):
        services.book_seat(db_session, workshop, other, by=entrepreneur, now=utcnow())


def test_booking_refused_for_a_cancelled_workshop(logged_in, workshop, db_session):
    services.cancel_workshop(db_session, workshop, utcnow())
    db_session.commit()
    response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "Cet atelier est annulé." in response.text
    assert bookings_of(db_session, workshop) == []


def test_booking_refused_when_deadline_passed(logged_in, make_workshop, db_session):
    workshop = make_workshop(days=2)
    workshop.booking_deadline = utcnow() - timedelta(minutes=1)
    db_session.commit()
    response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "Les réservations pour cet atelier sont closes." in response.text
    assert bookings_of(db_session, workshop) == []


def test_booking_refused_for_a_past_workshop(logged_in, make_workshop, db_session):
    workshop = make_workshop(days=-1)
    response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "Cet atelier a déjà eu lieu." in response.text
    assert bookings_of(db_session, workshop) == []


def test_booking_refused_outside_the_audience(logged_in, make_workshop, db_session):
    workshop = make_workshop(audience=[MemberStatus.ASSOCIATE])
    assert "Fixer ses prix" not in logged_in.get("/workshops").text
    response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "Cet atelier est réservé à\xa0: Entrepreneur associé." in response.text
    assert bookings_of(db_session, workshop) == []


def test_audience_workshop_is_listed_for_its_statuses(logged_in, make_workshop):
    make_workshop(title="Pour les salariés", audience=[MemberStatus.EMPLOYEE])
    assert "Pour les salariés" in logged_in.get("/workshops").text


def test_a_booking_reads_its_workshop_and_audience_in_one_statement(
    app, logged_in, make_workshop, db_session
):
    """The workshop's row stays locked while a booking runs: its audience, which the booking
    checks, comes with the row instead of in a second statement under the lock."""
    workshop = make_workshop(audience=[MemberStatus.EMPLOYEE, MemberStatus.ASSOCIATE])
    engine = app.extensions["database"].engine
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with listening(engine, "before_cursor_execute", record):
        response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "Votre place est réservée." in response.text
    audience_reads = [s for s in statements if "workshop_audiences" in s]
    assert len(audience_reads) == 1
    assert "FROM workshops LEFT OUTER JOIN workshop_audiences" in audience_reads[0]
    if engine.dialect.name == "postgresql":  # the workshop's row only: audiences stay free
        assert audience_reads[0].rstrip().endswith("FOR UPDATE OF workshops")


def test_a_booking_writes_its_rows_by_statements_around_the_unit_of_work(
    app, logged_in, make_workshop, db_session
):
    """The booking, its notification and the email queued for it are each written by one
    `INSERT` (`db.insert_rows`), under the workshop's lock: the ORM's flush would cost a
    booking twice its rows. The email still names its notification, the change log the
    booking; and a cancellation is one `UPDATE`."""
    workshop = make_workshop()
    engine = app.extensions["database"].engine
    flushed, written = [], []

    def flush(session, _context):
        flushed.extend(session.new | session.dirty)

    def record(_connection, _cursor, statement, *_args):
        if statement.lstrip().startswith(("INSERT", "UPDATE")):
            written.append(" ".join(statement.split()[:3]))

    with (
        listening(Session, "after_flush", flush),
        listening(engine, "before_cursor_execute", record),
    ):
        response = logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    assert "Votre place est réservée." in response.text
    assert flushed == []
    assert written[:3] == [
        "INSERT INTO bookings",
        "INSERT INTO notifications",
        "INSERT INTO outbox_messages",
    ]
    booking = db_session.scalar(select(Booking).where(Booking.workshop_id == workshop.id))
    [notification] = db_session.scalars(
        select(Notification).where(Notification.member_id == booking.member_id)
    ).all()
    message = db_session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert (message.composer, message.composer_key) == ("notification", notification.id)
    logged = db_session.scalar(select(Change).order_by(Change.seq.desc()))
    assert (logged.entity, logged.entity_id) == ("booking", str(booking.id))

    written.clear()
    with (
        listening(Session, "after_flush", flush),
        listening(engine, "before_cursor_execute", record),
    ):
        url = f"/workshops/{workshop.id}/cancel"
        assert (
            "Votre réservation est annulée."
            in logged_in.post(url, data={"confirmed": "1"}, headers=HX).text
        )
    assert flushed == []
    assert written[0] == "UPDATE bookings SET"
    db_session.refresh(booking)
    assert booking.status is BookingStatus.CANCELLED and booking.cancelled_at is not None


def test_a_cancellation_reads_its_booking_and_the_seats_in_one_statement(
    app, logged_in, make_workshop
):
    """Under the workshop's lock, every read costs the next booking its wait: the member's
    booking and the seats it frees come together."""
    workshop = make_workshop()
    logged_in.post(f"/workshops/{workshop.id}/book", headers=HX)
    engine = app.extensions["database"].engine
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    with listening(engine, "before_cursor_execute", record):
        url = f"/workshops/{workshop.id}/cancel"
        page = logged_in.post(url, data={"confirmed": "1"}, headers=HX).text
    assert "Votre réservation est annulée." in page
    assert "1 place restante" not in page and "10 places restantes" in page
    reads = [s for s in statements if s.lstrip().startswith("SELECT") and "FROM bookings" in s]
    assert len(reads) == 1


def test_the_answer_shows_the_seats_its_booking_counted_under_the_lock(
    app, make_workshop, make_member
):
    """The panel that answers a booking or a cancellation shows the seats as they stand
    once it is done, from the count the booking made under the workshop's lock: nothing is
    counted a second time."""
    workshop = make_workshop(seats=1)
    first, second = make_member(), make_member()
    engine = app.extensions["database"].engine
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    clients = {}

    def post(member, action: str, **data) -> str:
        if member.id not in clients:
            clients[member.id] = app.test_client()
            login(clients[member.id], member.email)
        statements.clear()
        with listening(engine, "before_cursor_execute", record):
            url = f"/workshops/{workshop.id}/{action}"
            return clients[member.id].post(url, data=data, headers=HX).text

    def seat_counts() -> int:
        return len([s for s in statements if "count(" in s.lower()])

    assert "Complet" in post(first, "book") and seat_counts() == 1
    page = unescape(post(second, "book"))
    assert "Complet · 1 personne en attente" in page and seat_counts() == 1
    page = post(first, "cancel", confirmed="1")  # the seat goes to the second
    assert "Votre réservation est annulée." in page
    assert "Complet" in page and "en attente" not in page and seat_counts() == 1


def test_unknown_workshop_is_404(logged_in):
    assert logged_in.get("/workshops/999999").status_code == 404
    assert logged_in.post("/workshops/999999/book").status_code == 404


def test_database_allows_one_active_booking_per_member(db_session, workshop, entrepreneur):
    book(db_session, workshop, entrepreneur)
    db_session.add(
        Booking(workshop_id=workshop.id, member_id=entrepreneur.id, status=BookingStatus.WAITING)
    )
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_cancelled_booking_does_not_block_booking_again(db_session, workshop, entrepreneur):
    book(db_session, workshop, entrepreneur)
    services.cancel_booking(db_session, workshop, entrepreneur, by=entrepreneur, now=utcnow())
    again = book(db_session, workshop, entrepreneur)
    assert again.status is BookingStatus.CONFIRMED
    assert len(bookings_of(db_session, workshop)) == 2


# --- Waiting list -------------------------------------------------------------------------


def test_full_workshop_puts_people_on_the_waiting_list_in_order(
    db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=1)
    first, second, third = make_member(), make_member(), make_member()
    assert book(db_session, workshop, first).status is BookingStatus.CONFIRMED
    waiting = [book(db_session, workshop, second), book(db_session, workshop, third)]
    assert [b.status for b in waiting] == [BookingStatus.WAITING] * 2
    assert [queries.waiting_position(db_session, b) for b in waiting] == [1, 2]


def test_waiting_positions_of_many_bookings_are_each_ones_place_in_its_own_list(
    db_session, make_workshop, make_member
):
    full, other = make_workshop(seats=1), make_workshop(seats=1)
    people = [make_member() for _ in range(4)]
    at_full = [book(db_session, full, member) for member in people]
    at_other = [book(db_session, other, member) for member in people[:3]]
    services.cancel_booking(db_session, full, people[1], by=people[1], now=utcnow())
    db_session.commit()
    everyone = at_full + at_other
    positions = queries.waiting_positions(db_session, everyone)
    assert [positions[b.id] for b in at_full] == [None, None, 1, 2]  # the second left the list
    assert [positions[b.id] for b in at_other] == [None, 1, 2]
    assert positions == {b.id: queries.waiting_position(db_session, b) for b in everyone}


def test_the_participants_page_and_the_api_show_the_same_waiting_positions(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=1)
    people = [make_member() for _ in range(4)]
    bookings = [book(db_session, workshop, member) for member in people]
    services.cancel_booking(db_session, workshop, people[1], by=people[1], now=utcnow())
    db_session.commit()
    summaries = queries.booking_summaries(db_session, workshop)
    assert [s["position"] for s in summaries] == [None, 1, 2, None]  # seat, line, cancelled
    expected = queries.waiting_positions(db_session, bookings)
    by_email = {s["member"]: s["position"] for s in summaries}
    assert by_email == {b.member.email: expected[b.id] for b in bookings}
    page = unescape(staff_client.get(f"/workshops/{workshop.id}/participants").text)
    assert "Liste d'attente, n° 1" in page and "Liste d'attente, n° 2" in page
    assert page.index(people[2].email) < page.index("n° 1") < page.index(people[3].email)


def test_my_bookings_page_reads_waiting_positions_in_one_query(
    app, client, db_session, make_workshop, make_member, entrepreneur
):
    from tests.helpers import count_queries

    def page_queries(workshops: int) -> int:
        for _ in range(workshops):
            workshop = make_workshop(seats=1)
            book(db_session, workshop, make_member())
            book(db_session, workshop, entrepreneur)  # waiting, first in line
        with count_queries(app.extensions["database"].engine) as queries:
            response = client.get("/workshops/mine")
        assert response.text.count("liste d’attente") + response.text.count("liste d'attente")
        return queries()

    login(client, entrepreneur.email)
    assert page_queries(1) == page_queries(5)


def test_cancellation_promotes_the_first_waiting_and_emails_them(
    client, db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=1)
    first, second, third = make_member(), make_member(), make_member()
    for member in (first, second, third):
        book(db_session, workshop, member)
    login(client, first.email)
    response = client.post(f"/workshops/{workshop.id}/cancel", data={"confirmed": "1"}, headers=HX)
    assert "Votre réservation est annulée." in response.text
    statuses = {b.member_id: b.status for b in bookings_of(db_session, workshop)}
    assert statuses[second.id] is BookingStatus.CONFIRMED
    assert statuses[third.id] is BookingStatus.WAITING
    mail = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == second.email)
    ).one()
    # Queued by the cancellation, written when it is delivered: not by the request.
    assert mail.subject is None and mail.sent_at is None
    response.close()  # the answer has gone: now the mail is written and sent
    db_session.refresh(mail)
    assert mail.sent_at is not None
    assert "Fixer ses prix" in mail.subject
    assert f"/workshops/{workshop.id}" in mail.body


def test_leaving_the_waiting_list_promotes_nobody(db_session, make_workshop, make_member):
    workshop = make_workshop(seats=1)
    first, second, third = make_member(), make_member(), make_member()
    for member in (first, second, third):
        book(db_session, workshop, member)
    services.cancel_booking(db_session, workshop, second, by=second, now=utcnow())
    db_session.commit()
    statuses = [b.status for b in bookings_of(db_session, workshop)]
    assert statuses == [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.WAITING]


def test_raising_seats_promotes_the_waiting_list(
    db_session, make_workshop, make_member, app_context
):
    workshop = make_workshop(seats=1)
    members = [make_member() for _ in range(3)]
    for member in members:
        book(db_session, workshop, member)
    services.create_or_update_workshop(db_session, workshop.ref, {"seats": 2})
    db_session.commit()
    statuses = [b.status for b in bookings_of(db_session, workshop)]
    assert statuses == [BookingStatus.CONFIRMED, BookingStatus.CONFIRMED, BookingStatus.WAITING]


def test_seats_can_be_lowered_only_down_to_the_confirmed_count(
    db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=5)
    for member in (make_member(), make_member(), make_member()):
        book(db_session, workshop, member)
    with pytest.raises(DomainError) as refusal:
        services.create_or_update_workshop(db_session, workshop.ref, {"seats": 2})
    assert refusal.value.field == "seats"
    db_session.rollback()
    services.create_or_update_workshop(db_session, workshop.ref, {"seats": 3})
    db_session.commit()
    assert workshop.seats == 3


def test_cancelling_after_the_start_is_refused(db_session, make_workshop, entrepreneur):
    workshop = make_workshop(days=1)
    book(db_session, workshop, entrepreneur)
    with pytest.raises(DomainError):
        services.cancel_booking(
            db_session,
            workshop,
            entrepreneur,
            by=entrepreneur,
            now=workshop.starts_at + timedelta(minutes=5),
        )


def test_my_bookings_lists_seats_and_waiting_places(
    logged_in, db_session, make_workshop, entrepreneur, make_member
):
    booked = make_workshop(title="Réseaux sociaux")
    full = make_workshop(title="Devis et factures", seats=1)
    book(db_session, booked, entrepreneur)
    book(db_session, full, make_member())
    book(db_session, full, entrepreneur)
    page = logged_in.get("/workshops/mine").text
    assert "Réseaux sociaux" in page and "Réservé" in page
    assert "Devis et factures" in page and "Liste d'attente, n° 1" in unescape(page)


# --- Staff --------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    login(client, staff.email)
    return client


def workshop_form(**overrides):
    return {
        "title": "Prospecter",
        "description": "## Programme\n- Trouver des clients",
        "facilitator": "Nadia",
        "place": "Salle Soie",
        "video_url": "",
        "day": (utcnow() + timedelta(days=10)).date().isoformat(),
        "start_time": "09:30",
        "end_time": "12:00",
        "seats": "8",
        "booking_deadline": "",
        **overrides,
    }


def test_staff_create_a_workshop_with_paris_times_and_markdown(staff_client, db_session):
    data = workshop_form(audience=["salarie", "associe"])
    response = staff_client.post("/workshops/new", data=data)
    assert response.status_code == 303
    workshop = db_session.scalars(select(Workshop)).one()
    assert workshop.starts_at.astimezone(PARIS).strftime("%H:%M") == "09:30"
    assert workshop.audience_statuses == {MemberStatus.EMPLOYEE, MemberStatus.ASSOCIATE}
    assert workshop.ref
    page = staff_client.get(response.location).text
    assert "<h2>Programme</h2>" in page and "<li>Trouver des clients</li>" in page
    change = db_session.scalars(select(Change).where(Change.entity == "workshop")).one()
    assert change.entity_id == str(workshop.id)


def test_workshop_description_cannot_inject_script(staff_client, db_session):
    response = staff_client.post(
        "/workshops/new", data=workshop_form(description="<script>alert(1)</script>")
    )
    page = staff_client.get(response.location).text
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "09:00"}, "L'atelier doit finir après avoir commencé."),
        ({"seats": "0"}, "Entre 1 et 10000 places."),
        ({"seats": "beaucoup"}, "N'est pas un entier valide."),
        ({"seats": ""}, "Entrez un nombre de places."),
        ({"title": ""}, "Ce champ est requis."),
        ({"day": "31/02/2026"}, "N'est pas une date valide."),
        ({"start_time": "25:00"}, "N'est pas un horaire valide."),
        (  # the spring clock change skips 02:00-03:00 in Paris
            {"day": "2027-03-28", "start_time": "02:30", "end_time": "04:00"},
            "Cette heure n'existe pas ce jour-là (changement d'heure).",
        ),
        ({"video_url": "javascript:alert(1)"}, "Entrez un lien complet, commençant par https://"),
    ],
)
def test_bad_workshop_form_shows_a_french_message_and_saves_nothing(
    staff_client, db_session, overrides, message
):
    response = staff_client.post("/workshops/new", data=workshop_form(**overrides))
    assert response.status_code == 200
    assert message in unescape(response.text)
    assert db_session.scalar(select(func.count()).select_from(Workshop)) == 0


def test_deadline_after_start_is_refused(staff_client, db_session):
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    response = staff_client.post(
        "/workshops/new", data=workshop_form(day=day, booking_deadline=f"{day}T18:00")
    )
    assert "Les réservations doivent fermer avant le début de l'atelier." in unescape(response.text)
    assert db_session.scalar(select(func.count()).select_from(Workshop)) == 0


def test_staff_edit_refuses_fewer_seats_than_confirmed(
    staff_client, db_session, make_workshop, make_member
):
    # At 10:00 in Paris, whatever the hour the test runs: the form's end time is on its day.
    starts_at = datetime.combine(utcnow().date() + timedelta(days=7), time(10), PARIS)
    workshop = make_workshop(
        seats=3, starts_at=starts_at.astimezone(UTC), ends_at=(starts_at + timedelta(hours=2))
    )
    for member in (make_member(), make_member()):
        book(db_session, workshop, member)
    start = workshop.starts_at.astimezone(PARIS)
    data = workshop_form(
        day=start.date().isoformat(),
        start_time=start.strftime("%H:%M"),
        end_time=(start + timedelta(hours=1)).strftime("%H:%M"),
        seats="1",
    )
    response = staff_client.post(f"/workshops/{workshop.id}/edit", data=data)
    assert response.status_code == 200
    assert "2 personnes ont déjà une place" in response.text
    db_session.refresh(workshop)
    assert workshop.seats == 3


def test_staff_cancel_a_workshop_emails_everyone_booked(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=1)
    booked, waiting = make_member(), make_member()
    book(db_session, workshop, booked)
    book(db_session, workshop, waiting)
    response = staff_client.post(
        f"/workshops/{workshop.id}/cancel-workshop", data={"confirmed": "1"}
    )
    assert response.status_code == 303
    db_session.refresh(workshop)
    assert workshop.is_cancelled
    recipients = set(db_session.scalars(select(OutboxMessage.recipient)))
    assert recipients == {booked.email, waiting.email}
    again = staff_client.post(
        f"/workshops/{workshop.id}/cancel-workshop", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "Cet atelier est déjà annulé." in again.text


def test_cancelled_workshop_cannot_be_edited(staff_client, db_session, workshop):
    services.cancel_workshop(db_session, workshop, utcnow())
    db_session.commit()
    response = staff_client.post(f"/workshops/{workshop.id}/edit", data=workshop_form())
    assert "Cet atelier est annulé\xa0: il ne peut plus être modifié." in response.text


def test_staff_list_shows_counts_and_pages_past_workshops(staff_client, make_workshop):
    make_workshop(title="À venir", seats=4)
    for number in range(31):
        make_workshop(title=f"Passé {number}", days=-(number + 1))
    page = staff_client.get("/workshops").text
    assert "À venir" in page and "0 / 4 réservées" in page
    assert "Passé 0" in page and "Passé 30" not in page
    assert "Passé 30" in staff_client.get("/workshops?page=2").text


def test_staff_add_and_remove_a_participant(staff_client, db_session, workshop, entrepreneur):
    response = staff_client.post(
        f"/workshops/{workshop.id}/participants", data={"email": entrepreneur.email}
    )
    assert response.status_code == 303
    [booking] = bookings_of(db_session, workshop)
    assert booking.member_id == entrepreneur.id
    unknown = staff_client.post(
        f"/workshops/{workshop.id}/participants", data={"email": "nobody@example.org"}
    )
    assert "Aucun membre n'a cette adresse e-mail." in unescape(unknown.text)
    staff_client.post(
        f"/workshops/{workshop.id}/participants/{booking.id}/cancel", data={"confirmed": "1"}
    )
    assert bookings_of(db_session, workshop)[0].status is BookingStatus.CANCELLED


def test_attendance_is_recorded_from_the_day_of_the_workshop(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(days=3)
    member = make_member()
    booking = book(db_session, workshop, member)
    early = staff_client.post(
        f"/workshops/{workshop.id}/attendance",
        data={f"attendance-{booking.id}": "present"},
        follow_redirects=True,
    )
    assert "La présence peut être notée à partir du jour de l'atelier." in unescape(early.text)
    workshop.starts_at = utcnow() - timedelta(hours=3)
    workshop.ends_at = utcnow() - timedelta(hours=1)
    db_session.commit()
    staff_client.post(
        f"/workshops/{workshop.id}/attendance", data={f"attendance-{booking.id}": "excused"}
    )
    assert bookings_of(db_session, workshop)[0].attendance is Attendance.EXCUSED


def test_attendance_is_not_offered_before_the_day_of_the_workshop(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(days=3)
    book(db_session, workshop, make_member())
    page = unescape(staff_client.get(f"/workshops/{workshop.id}/participants").text)
    assert "Enregistrer les présences" not in page and 'name="attendance-' not in page
    assert "La présence peut être notée à partir du jour de l'atelier." in page
    workshop.starts_at = utcnow() - timedelta(hours=3)
    workshop.ends_at = utcnow() - timedelta(hours=1)
    db_session.commit()
    page = unescape(staff_client.get(f"/workshops/{workshop.id}/participants").text)
    assert "Enregistrer les présences" in page and 'name="attendance-' in page


def test_bad_attendance_value_is_a_400_and_changes_nothing(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(days=-1)
    booking = services.book_seat(
        db_session,
        workshop,
        (member := make_member()),
        by=member,
        now=workshop.starts_at - timedelta(days=1),
    )
    db_session.commit()
    response = staff_client.post(
        f"/workshops/{workshop.id}/attendance", data={f"attendance-{booking.id}": "asleep"}
    )
    assert response.status_code == 400
    assert bookings_of(db_session, workshop)[0].attendance is None


@pytest.mark.parametrize("booking_ref", ["²", "99999999999999999999"])
def test_attendance_for_a_booking_no_row_can_have_is_ignored_not_a_500(
    staff_client, db_session, make_workshop, booking_ref
):
    workshop = make_workshop(days=-1)
    response = staff_client.post(
        f"/workshops/{workshop.id}/attendance", data={f"attendance-{booking_ref}": "present"}
    )
    assert response.status_code < 500


def test_staff_workshop_list_answers_a_huge_page_number(staff_client):
    assert staff_client.get("/workshops?page=99999999999999999999").status_code == 200


def test_csv_export_lists_participants_and_defuses_formulas(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=1)
    book(db_session, workshop, make_member(full_name="=HYPERLINK(1)"))
    book(db_session, workshop, make_member(full_name="Léa Martin"))
    response = staff_client.get(f"/workshops/{workshop.id}/participants.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Nom", "Adresse e-mail", "Statut"]
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[1][2] == "Réservé"
    assert rows[2][0] == "Léa Martin" and rows[2][2:4] == ["Liste d'attente", "1"]


def test_sign_in_sheet_lists_confirmed_participants(
    staff_client, db_session, make_workshop, make_member
):
    workshop = make_workshop(seats=1)
    book(db_session, workshop, make_member(full_name="Léa Martin"))
    book(db_session, workshop, make_member(full_name="En Attente"))
    page = unescape(staff_client.get(f"/workshops/{workshop.id}/sign-in-sheet").text)
    assert "Feuille d'émargement" in page and "Léa Martin" in page
    assert "En Attente" not in page


def test_staff_pages_are_403_for_entrepreneurs(logged_in, workshop):
    for url in ("/workshops/new", f"/workshops/{workshop.id}/participants"):
        assert logged_in.get(url).status_code == 403
    assert (
        logged_in.post(
            f"/workshops/{workshop.id}/cancel-workshop", data={"confirmed": "1"}
        ).status_code
        == 403
    )


def test_workshop_pushed_by_the_back_office_is_created_then_updated_by_ref(db_session):
    starts_at = utcnow() + timedelta(days=5)
    fields = {
        "title": "Atelier du back-office",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=1),
        "seats": 4,
    }
    created = services.create_or_update_workshop(db_session, "BO-42", fields)
    updated = services.create_or_update_workshop(db_session, "BO-42", {"seats": 6})
    assert created.id == updated.id and updated.seats == 6
    assert services.workshop_by_ref(db_session, "BO-42") is created


def test_booking_summaries_have_the_api_shape(db_session, make_workshop, make_member):
    workshop = make_workshop(seats=1)
    first, second = make_member(), make_member()
    book(db_session, workshop, first)
    book(db_session, workshop, second)
    assert queries.booking_summaries(db_session, workshop) == [
        {"member": first.email, "status": "confirmed", "position": None, "attendance": None},
        {"member": second.email, "status": "waiting", "position": 1, "attendance": None},
    ]


def test_every_booking_write_is_in_the_change_log(db_session, workshop, entrepreneur):
    booking = book(db_session, workshop, entrepreneur)
    services.cancel_booking(db_session, workshop, entrepreneur, by=entrepreneur, now=utcnow())
    db_session.commit()  # the change log is written at commit
    entries = db_session.scalars(select(Change.entity_id).where(Change.entity == "booking")).all()
    assert entries == [str(booking.id), str(booking.id)]


def test_workshop_list_queries_do_not_grow_with_workshops(
    app, logged_in, make_workshop, entrepreneur, db_session
):
    from tests.helpers import count_queries

    make_workshop()
    engine = app.extensions["database"].engine
    with count_queries(engine) as few:
        logged_in.get("/workshops")
    for _ in range(5):
        book(db_session, make_workshop(), entrepreneur)
    with count_queries(engine) as many:
        logged_in.get("/workshops")
    assert many() == few()


def test_staff_role_can_open_entrepreneur_detail_page(staff_client, workshop):
    page = staff_client.get(f"/workshops/{workshop.id}").text
    assert "Participants" in page and "Annuler cet atelier" in page


def test_ics_for_one_workshop(logged_in, workshop):
    response = logged_in.get(f"/workshops/{workshop.id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    assert "SUMMARY:Fixer ses prix" in response.text
    assert f"UID:workshop-{workshop.ref}@cae-portal" in response.text
    assert "attachment" in response.headers["Content-Disposition"]


# --- Pages read the workshop's predicates ---------------------------------------------------


def test_the_booking_panel_gives_the_services_reason_instead_of_the_button(
    logged_in, make_workshop, db_session
):
    closed = make_workshop(days=2)
    closed.booking_deadline = utcnow() - timedelta(minutes=1)
    db_session.commit()
    refused = {
        closed: "Les réservations pour cet atelier sont closes.",
        make_workshop(days=-1): "Cet atelier a déjà eu lieu.",
        make_workshop(audience=[MemberStatus.ASSOCIATE]): "Cet atelier est réservé à\xa0: ",
    }
    for workshop, reason in refused.items():
        page = unescape(logged_in.get(f"/workshops/{workshop.id}").text)
        assert reason in page
        assert "Réserver une place" not in page
    assert "Réserver une place" in logged_in.get(f"/workshops/{make_workshop().id}").text


def test_cancel_buttons_go_once_the_workshop_has_started(
    app, staff_client, db_session, make_workshop, entrepreneur
):
    workshop = make_workshop(days=1)
    book(db_session, workshop, entrepreneur)
    member_client = app.test_client()
    login(member_client, entrepreneur.email)
    pages = {
        "Annuler ma réservation": lambda: member_client.get("/workshops/mine").text,
        ">Annuler la réservation</button>": lambda: (
            staff_client.get(f"/workshops/{workshop.id}/participants").text
        ),
        "Annuler cet atelier": lambda: staff_client.get(f"/workshops/{workshop.id}").text,
    }
    for button, page in pages.items():
        assert button in page(), button
    workshop.starts_at = utcnow() - timedelta(minutes=5)
    db_session.commit()
    for button, page in pages.items():
        assert button not in page(), button
