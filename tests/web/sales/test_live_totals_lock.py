"""Live totals are a POST that only computes: on SQLite they must not queue for the write
lock that real writes take (BEGIN IMMEDIATE), or every member's keystrokes wait in line."""

from sqlalchemy import event

from portal import create_app
from portal.db import db
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from tests.conftest import PASSWORD, login
from tests.servers import config, seed_workshop_and_visitors


def begins_during(app, call) -> list[str]:
    engine = app.extensions["database"].engine
    begins = []

    def record(_connection, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert call().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return begins


def test_live_totals_read_without_the_sqlite_write_lock_that_a_booking_takes(
    committed_database,
):
    url = committed_database("sqlite")
    workshop_id, _nobody = seed_workshop_and_visitors(url, 0, 5)
    app = create_app({**config(url), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        create_member(
            db.session, email="lock@example.org", full_name="Lock", role=Role.ENTREPRENEUR,
            status=MemberStatus.EMPLOYEE, password=PASSWORD,
        )  # fmt: skip
        db.session.commit()
    client = app.test_client()
    assert login(client, "lock@example.org").status_code == 303
    lines = {"lines-0-description": "Atelier", "lines-0-quantity": "2",
             "lines-0-unit_price": "100"}  # fmt: skip
    htmx = {"HX-Request": "true"}
    totals = begins_during(app, lambda: client.post("/invoices/totals", data=lines, headers=htmx))
    booking = begins_during(
        app, lambda: client.post(f"/workshops/{workshop_id}/book", headers=htmx)
    )
    app.extensions["database"].engine.dispose()
    assert totals == ["BEGIN"]
    assert "BEGIN IMMEDIATE" in booking
