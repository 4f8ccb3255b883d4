"""No overbooking under concurrency: 200 people ask for 10 seats at the same instant."""

import pytest
from sqlalchemy import func, select

from portal.db import make_engine
from portal.workshops.models import Booking, BookingStatus
from tests.servers import book_all_at_once, gunicorn, seed_workshop_and_visitors, threaded_server

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
