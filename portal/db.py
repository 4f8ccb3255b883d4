"""Database engine and session: SQLAlchemy 2, one session per application context.

Services use `db.session`, `flush()` but never `commit()`; the web layer commits once per
request (see `portal.web.transactions`). How a transaction begins on SQLite, and its writers'
queue, are `portal.transaction`'s.
"""

import enum
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event, insert, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

from portal.transaction import (
    SQLITE_BUSY_TIMEOUT_MS,
    QueuedWritersConnection,
    queue_sqlite_writers,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Made by migrations in dialect-specific SQL, not in the models (SQLite's FTS5 tables and
# their shadow tables; PostgreSQL's generated tsvector column and its GIN index): schema
# comparisons skip them.
SEARCH_OBJECTS = (
    "meeting_search",
    "ix_meetings_search",
    "directory_search",
    "ix_directory_cards_search",
    "search_vector",
)

# Primary keys are INTEGER columns: PostgreSQL refuses a larger number with an error, where
# SQLite would simply find nothing.
MAX_ID = 2**31 - 1


@dataclass
class Page:
    """One page of a list and the list's total; `page` is one of its pages (see `Page.number`)."""

    items: list
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, math.ceil(self.total / self.per_page))

    @staticmethod
    def number(asked: int, total: int, per_page: int) -> int:
        """The page to show for the `asked` one: past the last page, the last one."""
        return max(1, min(asked, math.ceil(total / per_page)))


def id_from_text(text: str) -> int | None:
    """The row id written in `text` (a URL segment, a feed id, a back-office reference), or
    None if it cannot be one: no row has it, and looking it up must not fail."""
    digits = text.isascii() and text.isdigit() and len(text) < 19
    return int(text) if digits and int(text) <= MAX_ID else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use an aware UTC timestamp")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        # SQLite keeps the UTC time as text without its zone ("2026-03-31 08:00:00.000000"):
        # read it as UTC in one parse. Parsing, then replacing the zone, cost four times as
        # much, and a page of the change feed reads four hundred timestamps.
        parse = datetime.fromisoformat

        def process(value: str | None) -> datetime | None:
            if value is None:
                return None
            try:
                return parse(value + "+00:00")
            except ValueError:
                # Text written with its zone (raw SQL given an aware datetime): as it says.
                return parse(value).astimezone(UTC)

        return process


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry their label for people: `DRAFT = "draft", _l("Draft")`.
    The value alone is stored (see `str_enum`); the label is a lazy string, translated when
    shown, built once with the class rather than on each use (a list shows one per row)."""

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


def str_enum(cls: type[enum.Enum], name: str, length: int = 20) -> Enum:
    """A column for a Python enum that stores its values ("salarie"), not its names, as plain
    strings: no native PostgreSQL enum type to migrate when a value is added."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


def is_managed_by_models(name: str | None, type_: str, _parent_names=None) -> bool:
    """For Alembic's `include_name`: False for the search objects above."""
    return not (name and any(name == o or name.startswith(o + "_") for o in SEARCH_OBJECTS))


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_rows(session: Session, model: type, rows: list[dict]) -> list[int]:
    """Write `model`'s rows by one statement through the session (whose hooks keep the page
    tokens true, as a flush's do) without the ORM's unit of work, which costs a request
    twice its rows; returns their ids, in order. Rows given as such are the session's to
    read again, not objects it holds."""
    if not rows:
        return []
    if len(rows) == 1:  # one execution: executemany's batching costs more for one row
        return [session.scalars(_returning_ids(model), rows[0]).one()]
    return list(session.scalars(_returning_ids(model, sort=True), rows))


@cache
def _returning_ids(model: type, sort: bool = False):
    table = model.__table__
    return insert(table).returning(table.c.id, sort_by_parameter_order=sort)


def flushed_values(instance, key: str) -> set:
    """An attribute's values before and after the flush under way, for the flush hooks that
    keep derived rows true (running totals, page tokens)."""
    state = inspect(instance)
    history = state.attrs[key].history
    values = {*history.added, *history.deleted, *history.unchanged}
    if not values and key not in state.dict:
        # Expired since the last commit and unchanged: the row's value, read again.
        values = {getattr(instance, key)}
    return values - {None}


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "factory": QueuedWritersConnection,
            },
        )
        _tune_sqlite(engine)
        return engine
    # A database host that does not answer fails the connection after 10 s, not the kernel's
    # two minutes: the request gets its error while the member still waits for it.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


class DatabaseUnreachable(RuntimeError):
    """The configured database did not answer: a server or worker refuses to start."""


def check_database(app: Flask) -> None:
    """Connect once to the app's database, or raise DatabaseUnreachable saying where it
    looked (the password hidden) and why it failed."""
    engine = app.extensions["database"].engine
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        where = engine.url.render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise DatabaseUnreachable(f"the database at {where} is not reachable: {reason}") from None


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy emit BEGIN itself: pysqlite's implicit transactions break SAVEPOINTs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    queue_sqlite_writers(engine)


class Database:
    """Flask extension: `db.session` is the current application context's session."""

    def __init__(self) -> None:
        self.session: scoped_session[Session] = scoped_session(
            lambda: current_app.extensions["database"].sessionmaker(), scopefunc=_context_id
        )

    def init_app(self, app: Flask) -> None:
        state = _DatabaseState(make_engine(app.config["DATABASE_URL"]))
        app.extensions["database"] = state
        app.teardown_appcontext(lambda _exc: self.session.remove())

    @property
    def engine(self) -> Engine:
        return current_app.extensions["database"].engine


class _DatabaseState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)


def _context_id() -> int:
    return id(g._get_current_object())


db = Database()
