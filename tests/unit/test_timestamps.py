"""Timestamps are stored in UTC and read back timezone-aware, whatever the database."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from portal.sync.models import Change, ChangeOp


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 3, 31, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 8, 0, 0, 618691, tzinfo=UTC),
        datetime(2026, 3, 31, 10, 0, 59, 1, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_a_timestamp_reads_back_as_the_same_utc_time(db_session, at):
    change = Change(entity="test", entity_id="1", op=ChangeOp.UPSERT, at=at)
    db_session.add(change)
    db_session.flush()
    read = db_session.execute(select(Change.at).where(Change.seq == change.seq)).scalar_one()
    assert read == at
    assert read.utcoffset() == timedelta(0)
    # What the API writes of it (SQLite keeps the text without the zone).
    assert read.isoformat() == at.astimezone(UTC).isoformat()


def test_a_timestamp_written_with_its_zone_by_raw_sql_reads_back_the_same(db_session):
    """Raw SQL given an aware datetime stores it with its zone (SQLite's own adapter): read
    back as the same instant, in UTC."""
    at = datetime(2026, 3, 31, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    db_session.execute(
        text("INSERT INTO changes (entity, entity_id, op, at) VALUES ('test', '1', 'upsert', :at)"),
        {"at": at},
    )
    read = db_session.execute(select(Change.at).where(Change.entity == "test")).scalar_one()
    assert read == at and read.utcoffset() == timedelta(0)
