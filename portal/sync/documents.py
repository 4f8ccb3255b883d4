"""The feed's documents: an entity's representation kept as JSON in `feed_documents`, written
by the transaction of every write that changes what it shows, so that a page of the feed is
read rather than built (a hundred invoices with their lines and customers took three
quarters of a page's time to build, on every read of it).

An entity keeps its documents when its module calls `keep(entity, build, every, *sources)`:
`build` is the batch serializer the feed would call (`(session, ids) -> {id: dict}`, gone ids
left out), `every` selects all its ids (for `rebuild`), and each `Source` names a model whose
rows the representation shows: the entity's own row, its children (an invoice's lines), or
rows it shows a part of (its customer, its member's email), with the statement that finds
the entities showing them. After each flush, the entities whose shown rows were added,
changed or deleted are noted; just before the commit their documents are built again by
`build` and replace the kept ones (or are deleted, the entity gone). A document is therefore
what `build` returns in the same transaction, by construction, whatever the write was;
`tests/api/test_feed_documents.py` checks it after random sequences of writes.

What the flush never sees is not kept: a bulk statement on a source's table drops the
entity's documents, and rows written around the session (a bulk INSERT of a benchmark's
seed, a migration) call `rebuild`. An entity with no document (never written since, or not
kept at all) is built on read, as before: the feed is the same either way.

On PostgreSQL, writers of one document queue on its row, locked before it is built, so the
last to commit builds it from what the others committed."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

import orjson
from sqlalchemy import Select, bindparam, delete, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, object_session

from portal import page_versions  # noqa: F401 (its listener is registered first: see below)
from portal.db import flushed_values
from portal.sync.models import FeedDocument

Build = Callable[[Session, list[str]], dict[str, dict]]
PENDING = "portal_feed_documents"
# How many documents `rebuild` builds and writes at a time.
_CHUNK = 500


@dataclass(frozen=True)
class Source:
    """Rows of `model` shown in an entity's representation: `key` holds the entity's id, or,
    with `entity_ids` (a statement of the entity's ids from the keys bound as `keys`), what
    finds the entities showing the row. `shown`: the attributes shown (none: all), so that
    a change to another one (a member's last login) rebuilds nothing."""

    model: type
    key: str = "id"
    shown: tuple[str, ...] = ()
    entity_ids: Select | None = None


@dataclass(frozen=True)
class Kept:
    entity: str
    build: Build
    every: Select
    sources: tuple[Source, ...]


KEPT: dict[str, Kept] = {}
_TABLES: dict[str, set[str]] = {}  # a source's table name: the entities showing its rows


def keep(entity: str, build: Build, every: Select, *sources: Source) -> None:
    """Keep `entity`'s documents (see the module's docstring)."""
    kept = KEPT[entity] = Kept(entity, build, every, sources)
    for index, source in enumerate(sources):
        _TABLES.setdefault(source.model.__table__.name, set()).add(entity)
        # Mapper events: they see every row the flush writes, a collection's orphans too.
        for name in ("after_insert", "after_update", "before_delete"):
            event.listen(source.model, name, _watcher(kept, index, name))


@dataclass
class _Noted:
    ids: set = field(default_factory=set)
    keys: dict[int, set] = field(default_factory=dict)  # by source: keys to look up
    everything: bool = False  # a bulk statement: the rows changed are not known


def _noted(session: Session, entity: str) -> _Noted:
    return session.info.setdefault(PENDING, {}).setdefault(entity, _Noted())


def _watcher(kept: Kept, index: int, name: str):
    source = kept.sources[index]

    def note(_mapper, connection, instance) -> None:
        if name == "after_update" and not _shown_changed(instance, source):
            return  # e.g. a member's last login
        keys = flushed_values(instance, source.key)
        noted = _noted(object_session(instance), kept.entity)
        if source.entity_ids is None:
            noted.ids.update(map(str, keys))
        elif name == "before_delete":
            # Found while the row exists: its deletion may change them in the database alone
            # (an invoice's activity is set to NULL by its foreign key).
            found = connection.scalars(source.entity_ids, {"keys": sorted(keys)})
            noted.ids.update(map(str, found))
        else:
            noted.keys.setdefault(index, set()).update(keys)

    return note


def _shown_changed(instance, source: Source) -> bool:
    attributes = inspect(instance).attrs
    if not source.shown:
        return any(attribute.history.has_changes() for attribute in attributes)
    return any(attributes[name].history.has_changes() for name in source.shown)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_statements(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        for entity in _TABLES.get(state.statement.table.name, ()):
            _noted(state.session, entity).everything = True


# First of all (page_versions, imported above, has put its own in front already): the
# documents' locks are taken before the page tokens' and the change log's, in every process.
@event.listens_for(Session, "before_commit", insert=True)
def _write_documents(session: Session) -> None:
    session.flush()
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    connection = session.connection()
    for entity in sorted(pending):
        kept, noted = KEPT[entity], pending[entity]
        if noted.everything:
            connection.execute(delete(FeedDocument).where(FeedDocument.entity == entity))
            continue
        ids = noted.ids
        for index, keys in noted.keys.items():
            statement = kept.sources[index].entity_ids
            ids.update(map(str, connection.scalars(statement, {"keys": sorted(keys)})))
        write(session, kept, ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_noted(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction changed no representation."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def write(session: Session, kept: Kept, ids: Iterable[str]) -> None:
    """Build the documents of these ids again and replace the kept ones; a gone entity's
    is deleted."""
    ids = sorted(set(ids))
    if not ids:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Their rows locked first, in one order (two writers never deadlock), an empty one
        # put for a new document: the documents are then built from what the writers before
        # committed.
        rows = [{"entity": kept.entity, "entity_id": id_, "data": b""} for id_ in ids]
        connection.execute(_upsert(dialect, lock_only=True), rows)
    built = kept.build(session, ids)
    if built:
        rows = [
            {"entity": kept.entity, "entity_id": id_, "data": document(representation)}
            for id_, representation in built.items()
        ]
        connection.execute(_upsert(dialect), rows)
    gone = [id_ for id_ in ids if id_ not in built]
    if gone:
        connection.execute(
            delete(FeedDocument).where(
                FeedDocument.entity == kept.entity, FeedDocument.entity_id.in_(gone)
            )
        )


def rebuild(session: Session, entity: str) -> None:
    """Build every document of `entity` again: after rows written around the session (a bulk
    statement since dropped them all, and this transaction's noted writes are covered)."""
    kept = KEPT[entity]
    session.info.get(PENDING, {}).pop(entity, None)
    connection = session.connection()
    connection.execute(delete(FeedDocument).where(FeedDocument.entity == entity))
    ids = [str(id_) for id_ in connection.scalars(kept.every)]
    for start in range(0, len(ids), _CHUNK):
        write(session, kept, ids[start : start + _CHUNK])


def document(representation: dict) -> bytes:
    """The JSON the feed writes for a representation (keys sorted, no spaces, UTF-8)."""
    return orjson.dumps(representation, option=orjson.OPT_SORT_KEYS)


@cache
def _upsert(dialect: str, lock_only: bool = False):
    """The statement replacing documents (or, `lock_only`, locking their rows, an empty one
    put for a new document), built once per database kind."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = FeedDocument.__table__
    statement = insert(table).values(
        entity=bindparam("entity"), entity_id=bindparam("entity_id"), data=bindparam("data")
    )
    data = table.c.data if lock_only else statement.excluded.data
    return statement.on_conflict_do_update(
        index_elements=[table.c.entity, table.c.entity_id], set_={"data": data}
    )
