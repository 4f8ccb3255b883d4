"""No overbooking under concurrency: 200 people ask for 10 seats at the same instant; and a
booking holds the workshop's lock no longer than its writing takes."""

import sqlite3

import pytest
from flask import before_render_template
from sqlalchemy import func, make_url, select, text
from sqlalchemy.exc import OperationalError

from portal import create_app
from portal.db import make_engine
from portal.workshops.models import Booking, BookingStatus
from tests.servers import (
    book_all_at_once,
    config,
    gunicorn,
    seed_workshop_and_visitors,
    threaded_server,
)

PEOPLE = 200
SEATS = 10


def outcome(url: str, workshop_id: int) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(Booking.status, func.count())
            .where(Booking.workshop_id == workshop_id)
            .group_by(Booking.status)
        ).all()
        positions = connection.execute(
            select(Booking.member_id)
            .where(Booking.workshop_id == workshop_id, Booking.status == BookingStatus.WAITING)
            .order_by(Booking.id)
        ).all()
    engine.dispose()
    assert len(positions) == len(set(positions))  # one place each on the list
    return {BookingStatus(status).value: count for status, count in rows}


@pytest.mark.postgres
def test_two_app_processes_on_postgresql_never_overbook(committed_database):
    url = committed_database("postgresql")
    workshop_id, visitors = seed_workshop_and_visitors(url, PEOPLE, SEATS)
    with gunicorn(url) as first, gunicorn(url) as second:
        statuses = book_all_at_once([first, second], workshop_id, visitors)
    assert sorted(set(statuses)) == [200]
    assert outcome(url, workshop_id) == {"confirmed": SEATS, "waiting": PEOPLE - SEATS}


def test_threads_on_sqlite_never_overbook(committed_database):
    url = committed_database("sqlite")
    workshop_id, visitors = seed_workshop_and_visitors(url, PEOPLE, SEATS)
    with threaded_server(url) as port:
        statuses = book_all_at_once([port], workshop_id, visitors)
    assert sorted(set(statuses)) == [200]
    assert outcome(url, workshop_id) == {"confirmed": SEATS, "waiting": PEOPLE - SEATS}


def _workshop_free(url: str, workshop_id: int) -> bool:
    """Could another request take this workshop's lock right now, without waiting?"""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(make_url(url).database, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")  # SQLite's write lock
            connection.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(
                text("SELECT id FROM workshops WHERE id = :id FOR UPDATE NOWAIT"),
                {"id": workshop_id},
            )
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_booking_frees_the_workshop_before_its_page_renders(committed_database, kind):
    url = committed_database(kind)
    workshop_id, [visitor] = seed_workshop_and_visitors(url, 1, SEATS)
    app = create_app(config(url))
    free_while_rendering = []

    def check(sender, template, context, **extra):
        free_while_rendering.append(_workshop_free(url, workshop_id))

    client = app.test_client()
    client.set_cookie("portal_session", visitor.cookie.split("=", 1)[1])
    headers = {key: value for key, value in visitor.headers().items() if key != "Cookie"}
    with before_render_template.connected_to(check, app):
        booked = client.post(f"/workshops/{workshop_id}/book", headers=headers)
        cancelled = client.post(
            f"/workshops/{workshop_id}/cancel", data={"confirmed": "1"}, headers=headers
        )
    app.extensions["database"].engine.dispose()
    assert "Votre place est réservée." in booked.text
    assert "Votre réservation est annulée." in cancelled.text
    assert free_while_rendering == [True, True]
