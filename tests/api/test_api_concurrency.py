"""Real commits from several threads, on SQLite and PostgreSQL: the feed never skips a change
and concurrent duplicates of one write apply once."""

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from portal.api.serializers import SERIALIZERS
from portal.api.services import create_client, decode_cursor, feed_page
from portal.db import make_engine
from portal.members.models import Member
from portal.sync.models import Change
from portal.sync.services import record_change
from tests.helpers import committed_app, get_token

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", DATABASES)
def test_feed_read_while_writers_commit_never_skips_a_change(committed_database, kind):
    engine = make_engine(committed_database(kind))
    Session = sessionmaker(bind=engine, expire_on_commit=False)
    writers, changes_each = 4, 25
    done = threading.Event()
    errors = []

    def write(number: int) -> None:
        try:
            for index in range(changes_each):
                with Session() as session:
                    record_change(session, "member", f"{number}-{index}")
                    session.commit()
        except Exception as error:  # pragma: no cover (reported below)
            errors.append(error)

    seen: list[int] = []

    def read() -> None:
        cursor = "djE6MA"  # the start of the feed
        while True:
            finished = done.is_set()
            with Session() as session:
                page = feed_page(session, decode_cursor(cursor), 7, SERIALIZERS, {})
            seen.extend(item["seq"] for item in page.items)
            cursor = page.next
            if finished and not page.has_more:
                return

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join()
    with Session() as session:
        committed = list(session.scalars(select(Change.seq).order_by(Change.seq)))
    engine.dispose()
    assert not errors
    assert len(committed) == writers * changes_each
    assert seen == committed


@pytest.mark.postgres
def test_a_writer_still_at_work_does_not_hold_up_other_writers_of_the_log(committed_database):
    """The change log's lock (PostgreSQL) is taken at commit: a request that has recorded a
    change and is still rendering its page does not make every other write wait for it."""
    engine = make_engine(committed_database("postgresql"))
    Session = sessionmaker(bind=engine)
    with Session() as slow, Session() as other:
        record_change(slow, "member", "slow")
        slow.flush()
        other.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
        record_change(other, "member", "other")
        other.commit()
        slow.commit()
        logged = list(other.scalars(select(Change.entity_id).order_by(Change.seq)))
    engine.dispose()
    assert logged == ["other", "slow"]


@pytest.mark.parametrize("kind", DATABASES)
def test_concurrent_duplicates_of_a_write_apply_once(committed_database, kind, tmp_path):
    url = committed_database(kind)
    app = committed_app(url, tmp_path)
    with app.app_context():
        from portal.db import db

        api_client, secret = create_client(db.session, "Back office", "sync:read sync:write")
        db.session.commit()
    token = get_token(app.test_client(), api_client.client_id, secret)["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "same-key"}
    body = {"name": "Noé Garnier", "hourly_rate": "12.00"}
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    responses = []

    def put() -> None:
        http = app.test_client()
        barrier.wait()
        response = http.put("/api/v1/members/noe@example.org", json=body, headers=headers)
        responses.append((response.status_code, response.data))

    threads = [threading.Thread(target=put) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        from portal.db import db

        members = db.session.scalar(
            select(func.count()).select_from(Member).where(Member.email == "noe@example.org")
        )
        member_changes = db.session.scalar(
            select(func.count()).select_from(Change).where(Change.entity == "member")
        )
        db.session.remove()
    app.extensions["database"].engine.dispose()
    assert members == 1
    assert member_changes == 1
    assert {status for status, _body in responses} == {201}
    assert len({data for _status, data in responses}) == 1
