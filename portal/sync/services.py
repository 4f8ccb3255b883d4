"""The change log the back office syncs from."""

from sqlalchemy import Row, and_, bindparam, event, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from portal.db import Base
from portal.sync.models import Change, ChangeOp, FeedDocument

# Any constant: the advisory lock that orders writers of the change log on PostgreSQL.
_CHANGE_LOG_LOCK = 7_210_001
PENDING_CHANGES = "portal_pending_changes"


def record_change(
    session: Session, entity: str, entity_id: int | str | Base, op: ChangeOp = ChangeOp.UPSERT
) -> None:
    """Note "this entity changed"; the log gets it when the caller's transaction commits,
    in the same transaction as the write (see `_append_pending_changes`). A row not yet
    flushed may stand for its id, read at the commit: its writer need not flush for it."""
    session.info.setdefault(PENDING_CHANGES, []).append((entity, entity_id, op))


def _entity_id(entity_id: int | str | Base) -> str:
    return str(entity_id.id if isinstance(entity_id, Base) else entity_id)


_APPEND = insert(Change)


@event.listens_for(Session, "before_commit")
def _append_pending_changes(session: Session) -> None:
    """Append the transaction's changes to the log just before it commits.

    On PostgreSQL, sequence numbers are handed out in one order and transactions may commit
    in another, which would let a reader's cursor jump over a change that commits later. A
    transaction-scoped advisory lock makes writers of the log commit one after another, in
    `seq` order; taken here, it is held for the inserts and the commit alone, not for the
    rest of the request (rendering the page included). SQLite has a single writer anyway.
    What is left to flush is flushed first (the rows standing for their ids get them): a
    flush may take other transaction-scoped locks (a member's running totals), always before
    this one, so two writers never wait on each other's."""
    if not session.info.get(PENDING_CHANGES):
        return
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOG_LOCK})
    pending = session.info.pop(PENDING_CHANGES)
    # A plain INSERT of many rows on the session's connection: the ORM's unit of work, or
    # even its bulk layer, would cost more than the write.
    session.connection().execute(
        _APPEND,
        [{"entity": e, "entity_id": _entity_id(id_), "op": op} for e, id_, op in pending],
    )


@event.listens_for(Session, "after_transaction_end")
def _forget_pending_changes(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's changes never happened."""
    if transaction.parent is None:
        session.info.pop(PENDING_CHANGES, None)


# Built once, run without the ORM's result layer: the feed reads a page on every request.
CHANGES_AFTER = (
    select(Change.seq, Change.entity, Change.entity_id, Change.op, Change.at, FeedDocument.data)
    .outerjoin(
        FeedDocument,
        and_(FeedDocument.entity == Change.entity, FeedDocument.entity_id == Change.entity_id),
    )
    .where(Change.seq > bindparam("after"))
    .order_by(Change.seq)
    .limit(bindparam("limit"))
)


def changes_after(session: Session, after: int, limit: int) -> list[Row]:
    """The log's rows after `after`, oldest first, as plain rows (`seq`, `entity`,
    `entity_id`, `op`, `at`, and the entity's kept JSON document or None: see
    `portal/sync/documents.py`): read once, never changed, so not worth the ORM's objects."""
    return session.connection().execute(CHANGES_AFTER, {"after": after, "limit": limit}).all()
