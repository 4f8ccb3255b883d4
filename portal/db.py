"""Database engine and session: SQLAlchemy 2, one session per application context.

Services use `db.session`, `flush()` but never `commit()`; the web layer commits once per
request (see `portal.web.transactions`).
"""

import enum
import fcntl
import functools
import math
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.exceptions import ServiceUnavailable

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 5000
# How long a SQLite write transaction waits for its turn before the request gets a 503.
WRITERS_QUEUE_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000
# Made by migrations in dialect-specific SQL, not in the models (SQLite's FTS5 tables and
# their shadow tables; PostgreSQL's generated tsvector column and its GIN index): schema
# comparisons skip them.
SEARCH_OBJECTS = ("meeting_search", "ix_meetings_search", "search_vector")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_ONLY = "portal_reads_only"
LOCKS_LATE = "portal_locks_late"
SQLITE_IMMEDIATE = "portal_sqlite_immediate"


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


def locks_late(view):
    """Mark a POST view whose service takes the write lock itself, with `take_write_lock`,
    before its first write. On SQLite the request's reads up to there (the login, the page's
    objects) then run beside other writers instead of queueing behind them, and the write
    lock is held only from that point to the commit. Put it outermost, like `reads_only`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.setdefault(LOCKS_LATE, True)
        return view(*args, **kwargs)

    return wrapper


def take_write_lock(session: Session) -> None:
    """Where a `locks_late` request starts writing. On SQLite this ends the request's read
    snapshot, waits for its turn among writers and begins again holding the write lock: what
    is read from here on is the latest state, and stays so until the commit. Reads made
    before are as fresh as the moment they ran, as under PostgreSQL's READ COMMITTED.
    Anywhere else nothing happens: PostgreSQL rows are locked with SELECT ... FOR UPDATE,
    and other SQLite write transactions hold the write lock from their first statement."""
    connection = session.connection()
    sqlite_connection = connection.connection.dbapi_connection
    if not getattr(sqlite_connection, "reads_until_lock", False):
        return
    if sqlite_connection.total_changes != sqlite_connection.changes_at_begin:
        raise RuntimeError("a locks_late request wrote before take_write_lock()")
    sqlite_connection.reads_until_lock = False
    connection.exec_driver_sql("COMMIT")  # only reads to end: SQLAlchemy's transaction goes on
    _begin_writing(connection)


def begin_writing(session: Session) -> None:
    """Begin the session's next transaction as a writer: on SQLite it takes the write lock
    (in the writers' queue) from its first statement, as write requests do, so that what it
    reads stays true until its commit. For work outside a request's own transaction."""
    session.connection(execution_options={SQLITE_IMMEDIATE: True})


class WritersQueueTimeout(ServiceUnavailable):
    """A SQLite write transaction waited WRITERS_QUEUE_TIMEOUT_S for its turn: the request is
    refused (503, nothing written) rather than left hanging."""

    description = "Too many writes at once: nothing was saved; try again in a moment."


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


class QueuedWritersConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions take turns through an exclusive flock on
    `<database>-writers`, taken before BEGIN IMMEDIATE and released once COMMIT or ROLLBACK
    is done.

    SQLite alone makes a writer that finds the lock taken sleep and retry in growing steps
    (up to 100 ms): under load, writers idle while the lock is free and the slowest wait
    longest. Blocked on the flock, the kernel wakes a waiter the moment the lock is released,
    across processes and threads (each connection opens its own file description), and frees
    it if its holder dies. SQLite's own locking still guarantees correctness: the queue only
    saves the waiting, and the busy timeout still covers writers that do not queue."""

    def __init__(self, database, *args, **kwargs) -> None:
        super().__init__(database, *args, **kwargs)
        path = os.fsdecode(database)
        # In memory there is one connection, so no one to queue with; URIs are not used here.
        plain_file = path not in ("", ":memory:") and not path.startswith("file:")
        self.queue_path = path + "-writers" if plain_file else None
        self.turn: int | None = None  # the descriptor holding the flock
        self.reads_until_lock = False  # a `locks_late` transaction before take_write_lock()
        self.changes_at_begin = 0

    def wait_turn(self) -> None:
        if self.queue_path and self.turn is None:
            self.turn = _take_flock(self.queue_path, WRITERS_QUEUE_TIMEOUT_S)

    def end_turn(self) -> None:
        self.reads_until_lock = False
        if self.turn is not None:
            descriptor, self.turn = self.turn, None
            os.close(descriptor)  # releases the flock

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


def _take_flock(path: str, timeout: float) -> int:
    """A new descriptor of `path` holding an exclusive flock, or WritersQueueTimeout.

    flock() has no timeout, so a contended wait blocks in a helper thread (the lock belongs
    to the open file, not to a thread) while this one waits at most `timeout`; a helper
    that gets the lock after its caller gave up releases it at once."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return descriptor
    except BlockingIOError:
        pass
    taken, decided = threading.Event(), threading.Lock()
    abandoned = False

    def wait() -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        with decided:
            if abandoned:
                os.close(descriptor)
            else:
                taken.set()

    threading.Thread(target=wait, name="sqlite-writers-queue", daemon=True).start()
    if taken.wait(timeout):
        return descriptor
    with decided:
        if taken.is_set():
            return descriptor
        abandoned = True
    raise WritersQueueTimeout(retry_after=1)


def _begin_writing(connection: Connection) -> None:
    sqlite_connection = connection.connection.dbapi_connection
    sqlite_connection.wait_turn()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        sqlite_connection.end_turn()
        raise


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
        # A request that may write takes SQLite's write lock at its first statement (after
        # its turn in the writers' queue), so that counters and seat bookings are safe: a
        # transaction that read first could not upgrade to writing once another writer has
        # committed (SQLITE_BUSY). A transaction can also ask for it explicitly (the API's
        # request counter). A POST that only computes (live totals) says so with
        # `reads_only`: taking the write lock there queued every keystroke of every member
        # behind one another. A `locks_late` request reads first and takes the lock where its
        # service says (`take_write_lock`), in its first transaction only.
        in_request = has_request_context()
        may_write = (
            in_request and request.method not in SAFE_METHODS and not g.get(READS_ONLY, False)
        ) or connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
        late = may_write and in_request and g.pop(LOCKS_LATE, False)
        sqlite_connection = connection.connection.dbapi_connection
        sqlite_connection.reads_until_lock = late
        if may_write and not late:
            _begin_writing(connection)
        else:
            connection.exec_driver_sql("BEGIN")
            sqlite_connection.changes_at_begin = sqlite_connection.total_changes


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
