"""Answers sent at the same moment (two tabs, a double tap) leave one answer, no error."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.db import db
from portal.meetings import services
from portal.meetings.models import MeetingRsvp
from portal.members.models import Role
from portal.members.services import create_member
from tests.helpers import PASSWORD, committed_app, login

THREADS = 6


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_simultaneous_first_answers_leave_one_answer(kind, committed_database, tmp_path):
    url = committed_database(kind)
    app = committed_app(url, tmp_path / "data")
    with app.app_context():
        member = create_member(
            db.session,
            email="a@example.org",
            full_name="A",
            role=Role.ENTREPRENEUR,
            password=PASSWORD,
        )
        day = services.paris_time(datetime.now(UTC)).date() + timedelta(days=7)
        details = services.MeetingDetails(
            title="Réunion", day=day, start=time(18), end=time(20), location="Salle"
        )
        meeting = services.schedule_meeting(db.session, details, datetime.now(UTC))
        db.session.commit()
        ref, meeting_id = meeting.ref, meeting.id
    first = app.test_client()
    assert login(first, member.email).status_code == 303
    cookie = first.get_cookie("portal_session").value
    barrier = threading.Barrier(THREADS)
    statuses = []

    def answer(choice):
        client = app.test_client()
        client.set_cookie("portal_session", cookie)
        barrier.wait()
        response = client.post(f"/meetings/{ref}/rsvp", data={"answer": choice})
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=answer, args=(("yes", "no", "maybe")[i % 3],))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303] * THREADS
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(MeetingRsvp)
            .where(MeetingRsvp.meeting_id == meeting_id)
        )
        assert count == 1
    app.extensions["database"].engine.dispose()
