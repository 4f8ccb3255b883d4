"""Live totals are a POST that only computes: on SQLite they must not queue for the write
lock that real writes take (BEGIN IMMEDIATE), or every member's keystrokes wait in line."""

from sqlalchemy import event

from tests.servers import logged_in_app


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
    app, client, workshop_id = logged_in_app(committed_database("sqlite"), "lock@example.org")
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
