"""The personal calendar feed: a secret, revocable URL with the member's bookings."""

import re
from datetime import timedelta

import icalendar
import pytest

from portal.db import utcnow
from portal.workshops import services


@pytest.fixture
def booked_workshop(db_session, entrepreneur):
    starts_at = utcnow().replace(microsecond=0) + timedelta(days=4)
    workshop = services.create_or_update_workshop(
        db_session,
        None,
        {
            "title": "Réseaux sociaux",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "seats": 5,
            "place": "Salle Soie",
        },
    )
    services.book_seat(db_session, workshop, entrepreneur, by=entrepreneur, now=utcnow())
    db_session.commit()
    return workshop


def create_feed(client) -> str:
    page = client.post("/calendar/feed", data={"confirmed": "1"}).text
    return re.search(r'id="feed-url" type="url" value="http://localhost([^"]+)"', page).group(1)


def test_feed_url_is_shown_once_and_lists_bookings(logged_in, booked_workshop):
    url = create_feed(logged_in)
    assert "feed-url" not in logged_in.get("/calendar").text  # only its hash is kept
    response = logged_in.application.test_client().get(url)  # no login: calendar apps
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Réseaux sociaux"
    assert event["DTSTART"].dt == booked_workshop.starts_at
    assert str(event["STATUS"]) == "CONFIRMED"


def test_regenerating_the_feed_cuts_off_the_old_url(logged_in, booked_workshop):
    old = create_feed(logged_in)
    new = create_feed(logged_in)
    anonymous = logged_in.application.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200


def test_revoked_feed_is_404(logged_in, booked_workshop):
    url = create_feed(logged_in)
    logged_in.post("/calendar/revoke", data={"confirmed": "1"})
    assert logged_in.application.test_client().get(url).status_code == 404


def test_unknown_feed_token_is_404(client):
    assert client.get("/calendar/feed/guess.ics").status_code == 404
    assert client.get("/calendar/feed/" + "x" * 500 + ".ics").status_code == 404


def test_feed_marks_cancelled_workshops_and_waiting_places(
    logged_in, db_session, booked_workshop, entrepreneur, make_member, app_context
):
    starts_at = utcnow() + timedelta(days=9)
    full = services.create_or_update_workshop(
        db_session,
        None,
        {
            "title": "Devis",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=1),
            "seats": 1,
        },
    )
    other = make_member()
    services.book_seat(db_session, full, other, by=other, now=utcnow())
    services.book_seat(db_session, full, entrepreneur, by=entrepreneur, now=utcnow())
    services.cancel_workshop(db_session, booked_workshop, utcnow())
    db_session.commit()
    calendar = icalendar.Calendar.from_ical(
        logged_in.application.test_client().get(create_feed(logged_in)).data
    )
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert statuses == {
        "Annulé\xa0: Réseaux sociaux": "CANCELLED",
        "Liste d'attente\xa0: Devis": "TENTATIVE",
    }


def test_feed_settings_need_login_and_csrf_forms(logged_in):
    page = logged_in.get("/calendar").text
    assert 'action="/calendar/feed"' in page and 'name="csrf_token"' in page


def test_feed_also_lists_the_members_upcoming_meetings(logged_in, booked_workshop, db_session):
    from tests.web.test_meetings import schedule

    meeting = schedule(db_session, days_from_now=10)
    url = create_feed(logged_in)
    calendar = icalendar.Calendar.from_ical(logged_in.application.test_client().get(url).data)
    summaries = sorted(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))
    assert summaries == ["Réseaux sociaux", "Réunion mensuelle"]
    assert f"meeting-{meeting.ref}@cae-portal" in {str(e["UID"]) for e in calendar.walk("VEVENT")}
