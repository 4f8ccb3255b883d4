"""SQLite write transactions queue on a lock file instead of polling SQLite's lock: a second
writer waits for the first to commit (the kernel wakes it), a wait is bounded (503), and a
booking reads the login before queueing and its workshop after."""

import fcntl
import os
import threading

import pytest
from sqlalchemy import event, func, select, text, update

from portal.db import db, make_engine
from portal.members.models import Member
from portal.workshops.models import Booking
from tests.servers import logged_in_app

HX = {"HX-Request": "true"}


def database_file(url: str) -> str:
    return url.removeprefix("sqlite:///")


def test_second_writer_waits_in_the_queue_until_the_first_commits(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    order = []
    first = engine.connect().execution_options(portal_sqlite_immediate=True)
    first.begin()
    first.execute(text("UPDATE counter SET n = n + 1"))

    def second_writer():
        with engine.connect() as second:
            # Without the queue, SQLite answers "database is locked" at once with no busy wait.
            second.connection.dbapi_connection.execute("PRAGMA busy_timeout=0")
            with second.execution_options(portal_sqlite_immediate=True).begin():
                order.append("second began")
                second.execute(text("UPDATE counter SET n = n * 10"))

    waiter = threading.Thread(target=second_writer)
    waiter.start()
    waiter.join(timeout=0.3)
    assert waiter.is_alive(), "the second writer began while the first held the lock"
    order.append("first commits")
    first.commit()
    first.close()
    waiter.join()
    assert order == ["first commits", "second began"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 10
    engine.dispose()


def test_in_memory_database_needs_no_queue_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = make_engine("sqlite://")
    connection = engine.connect().execution_options(portal_sqlite_immediate=True)
    with connection, connection.begin():
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    engine.dispose()
    assert os.listdir(tmp_path) == []


@pytest.fixture
def booking_app(committed_database):
    url = committed_database("sqlite")
    app, client, workshop_id = logged_in_app(url, "queue@example.org")
    yield app, client, workshop_id, database_file(url)
    app.extensions["database"].engine.dispose()


def bookings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Booking))


def test_write_waiting_too_long_for_its_turn_gets_a_503_and_changes_nothing(
    booking_app, monkeypatch
):
    app, client, workshop_id, path = booking_app
    monkeypatch.setattr("portal.transaction.WRITERS_QUEUE_TIMEOUT_S", 0.2)
    holder = os.open(path + "-writers", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # another process's write that never ends
    try:
        refused = client.post(f"/workshops/{workshop_id}/book", headers=HX)
    finally:
        os.close(holder)
    assert refused.status_code == 503
    assert "très sollicité" in refused.text
    assert refused.headers["Retry-After"] == "1"
    # Shown as the page, not swapped into the button's place nor dropped by htmx.
    assert refused.headers["HX-Retarget"] == "body"
    assert bookings(app) == 0
    assert client.post(f"/workshops/{workshop_id}/book", headers=HX).status_code == 200
    assert bookings(app) == 1


def test_booking_reads_the_login_before_queueing_and_the_workshop_under_the_write_lock(
    booking_app,
):
    app, client, workshop_id, _path = booking_app
    engine = app.extensions["database"].engine
    statements = []
    record = lambda _c, _cur, statement, *_a: statements.append(" ".join(statement.split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.post(f"/workshops/{workshop_id}/book", headers=HX).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    locked = statements.index("BEGIN IMMEDIATE")
    before, after = statements[:locked], statements[locked:]
    assert before[0] == "BEGIN" and before[-1] == "COMMIT"
    assert all(s.startswith("SELECT") for s in before[1:-1])
    assert any("login_sessions" in s for s in before)  # the login, read before queueing
    workshop_reads = [s for s in statements if "FROM workshops" in s]
    assert len(workshop_reads) == 1 and workshop_reads[0] in after
    assert any(s.startswith("INSERT INTO bookings") for s in after)


@pytest.mark.parametrize(
    "write",
    [
        lambda session: session.execute(text("UPDATE members SET full_name = 'Changed'")),
        lambda session: session.execute(update(Member).values(full_name="Changed")),
        lambda session: session.connection().begin_nested(),
    ],
    ids=["text", "statement", "savepoint"],
)
def test_a_late_lock_is_taken_just_before_the_first_write(booking_app, write):
    app, _client, workshop_id, _path = booking_app
    engine = app.extensions["database"].engine
    statements = []
    record = lambda _c, _cur, statement, *_a: statements.append(" ".join(statement.split()))  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    # The booking view's request: it declares @transaction("write", lock="late", ...).
    try:
        with app.test_request_context(f"/workshops/{workshop_id}/book", method="POST"):
            db.session.scalar(select(func.count()).select_from(Member))
            write(db.session)
            db.session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements[0] == "BEGIN" and statements[1].startswith("SELECT")
    assert statements[2:4] == ["COMMIT", "BEGIN IMMEDIATE"]
    assert statements[4].startswith(("UPDATE", "SAVEPOINT"))
