"""Database engine and session: SQLAlchemy 2, one session per application context.

Services use `db.session`, `flush()` but never `commit()`; the web layer commits once per
request (see `portal.web.transactions`).
"""

import enum
import functools
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000
# Made by migrations in dialect-specific SQL, not in the models (SQLite's FTS5 tables and
# their shadow tables; PostgreSQL's generated tsvector column and its GIN index): schema
# comparisons skip them.
SEARCH_OBJECTS = ("meeting_search", "ix_meetings_search", "search_vector")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_ONLY = "portal_reads_only"


def reads_only(view):
    """Mark a POST view that never writes (a preview computed from the form), so that on
    SQLite it reads in a plain transaction instead of queueing for the write lock."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.setdefault(READS_ONLY, True)
        return view(*args, **kwargs)

    return wrapper


# Primary keys are INTEGER columns: PostgreSQL refuses a larger number with an error, where
# SQLite would simply find nothing.
MAX_ID = 2**31 - 1


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


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


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

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A request that may write takes SQLite's write lock at its first statement: writers
        # then queue on the busy timeout instead of failing when a read lock cannot be
        # upgraded (SQLITE_BUSY), which makes counters and seat bookings safe under load.
        # A transaction can also ask for it explicitly (the API's request counter). A POST
        # that only computes (live totals) says so with `reads_only`: taking the write lock
        # there queued every keystroke of every member behind one another.
        may_write = (
            has_request_context()
            and request.method not in SAFE_METHODS
            and not g.get(READS_ONLY, False)
        ) or connection.get_execution_options().get("portal_sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if may_write else "BEGIN")


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
