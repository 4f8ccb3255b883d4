"""The change log the back office syncs from."""

from sqlalchemy import Row, select, text
from sqlalchemy.orm import Session

from portal.sync.models import Change, ChangeOp

# Any constant: the advisory lock that orders writers of the change log on PostgreSQL.
_CHANGE_LOG_LOCK = 7_210_001


def record_change(
    session: Session, entity: str, entity_id: int | str, op: ChangeOp = ChangeOp.UPSERT
) -> None:
    """Append "this entity changed" to the log, in the caller's transaction.

    On PostgreSQL, sequence numbers are handed out in one order and transactions may commit
    in another, which would let a reader's cursor jump over a change that commits later. A
    transaction-scoped advisory lock makes writers of the log commit one after another, in
    `seq` order. SQLite has a single writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOG_LOCK})
    session.add(Change(entity=entity, entity_id=str(entity_id), op=op))
    session.flush()


def changes_after(session: Session, after: int, limit: int) -> list[Row]:
    """The log's rows after `after`, oldest first, as plain rows (`seq`, `entity`,
    `entity_id`, `op`, `at`): read once, never changed, so not worth the ORM's objects."""
    columns = (Change.seq, Change.entity, Change.entity_id, Change.op, Change.at)
    query = select(*columns).where(Change.seq > after).order_by(Change.seq).limit(limit)
    return list(session.execute(query))
