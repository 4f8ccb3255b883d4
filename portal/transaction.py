"""How each request uses the database, declared once by its view, and SQLite's writers' queue
behind that declaration. Views and services take no lock by hand.

    @transaction("read")
        A POST that only computes (a preview from the form): it reads in a plain transaction
        instead of queueing for the write lock. GET, HEAD and OPTIONS read without saying so
        (a view's declaration is for its other methods).
    @transaction("write")
        What every other method does undeclared: the write lock from the first statement, so
        that what the request reads stays true until it commits (counters, seats).
    @transaction("write", lock="late")
        The request's reads (the login, the page's objects, a photo decoded) run beside other
        writers; the write lock is taken just before its first write or its first read FOR
        UPDATE, which sees the latest state and keeps it until the commit.
    @transaction("write", commit="early")
        The view returns a function that builds its response: the transaction commits first,
        so the lock is not held while the page renders. What the response reads after runs
        in plain read transactions.

Work outside a request's transaction (mail after the response, the API's request counter,
the audit trail of an export) runs in `write_transaction(session)`.

PostgreSQL needs none of it: its transactions read committed data, writers do not block
readers, and a rule that needs a row to stay as read locks it with SELECT ... FOR UPDATE (a
read FOR UPDATE is also what takes SQLite's write lock under `lock="late"`). SQLite has one
writer at a time and a transaction that has read cannot start writing once another writer has
committed, hence the queue and the declarations.
"""

import fcntl
import functools
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from flask import current_app, g, has_request_context, request
from flask.signals import Namespace
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SavepointClause, TextClause
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

SQLITE_BUSY_TIMEOUT_MS = 5000
# How long a SQLite write transaction waits for its turn before the request gets a 503.
WRITERS_QUEUE_TIMEOUT_S = SQLITE_BUSY_TIMEOUT_MS / 1000
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# An execution option: this connection's next transaction begins as a writer.
SQLITE_IMMEDIATE = "portal_sqlite_immediate"
# How the request's next transaction begins, in `g`.
NEXT_TRANSACTION = "portal_next_transaction"
# Statements in text that write (SQLite takes no lock for the others).
WRITING_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|SAVEPOINT)\b", re.IGNORECASE)

signals = Namespace()
# Sent when a `commit="early"` view has done its writing: the web layer commits then.
writing_done = signals.signal("writing-done")


@dataclass(frozen=True)
class Transaction:
    kind: Literal["read", "write"] = "write"
    lock: Literal["first", "late"] = "first"
    commit: Literal["end", "early"] = "end"


READ, WRITE = Transaction("read"), Transaction("write")


def transaction(
    kind: Literal["read", "write"],
    *,
    lock: Literal["first", "late"] = "first",
    commit: Literal["end", "early"] = "end",
):
    """Declare how the view's request uses the database (see the module's docstring). In any
    order with the other decorators: the option is read when the first transaction begins."""
    option = Transaction(kind, lock, commit)
    if kind == "read" and option != READ:
        raise ValueError("a read transaction takes no lock and has nothing to commit early")

    def declare(view):
        if commit == "early":
            view = _committing_early(view)
        view.portal_transaction = option  # functools.wraps carries it to outer decorators
        return view

    return declare


def _committing_early(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        build_response = view(*args, **kwargs)
        if isinstance(build_response, Response):
            return build_response  # a decorator below answered (the login page): no writing
        writing_done.send(current_app._get_current_object())
        setattr(g, NEXT_TRANSACTION, READ)
        return build_response()

    return wrapper


def _next_in_request() -> Transaction:
    """How the request's next transaction begins: as its view declared for the first one; a
    late lock is for the first only (the next ones write from their first statement); after
    an early commit, reads."""
    option = g.get(NEXT_TRANSACTION)
    if option is None and request.method in SAFE_METHODS:
        option = READ  # a view's declaration is for its other methods
    elif option is None:
        view = current_app.view_functions.get(request.endpoint)
        option = getattr(view, "portal_transaction", WRITE)
    setattr(g, NEXT_TRANSACTION, replace(option, lock="first"))
    return option


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """A short transaction of the session's own, outside a request's transaction: it takes
    SQLite's write lock (in the writers' queue) from its first statement, so that what it
    reads stays true until it commits at the end of the block (rolled back if it raises)."""
    session.connection(execution_options={SQLITE_IMMEDIATE: True})
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()


class WritersQueueTimeout(ServiceUnavailable):
    """A SQLite write transaction waited WRITERS_QUEUE_TIMEOUT_S for its turn: the request is
    refused (503, nothing written) rather than left hanging."""

    description = "Too many writes at once: nothing was saved; try again in a moment."


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
        self.reads_until_lock = False  # a `lock="late"` transaction before its first write

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
    try:
        sqlite_connection.wait_turn()
    except WritersQueueTimeout:
        if has_request_context():  # refused: the error page it answers only reads
            setattr(g, NEXT_TRANSACTION, READ)
        raise
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        sqlite_connection.end_turn()
        raise


def _writes(statement) -> bool:
    if isinstance(statement, TextClause):
        statement = statement.text
    if isinstance(statement, str):
        return WRITING_SQL.match(statement) is not None
    # A read FOR UPDATE means to write what it reads (SQLite's SQL has no FOR UPDATE).
    return (
        statement.is_dml
        or isinstance(statement, SavepointClause)
        or getattr(statement, "_for_update_arg", None) is not None
    )


def queue_sqlite_writers(engine: Engine) -> None:
    """Begin each transaction of this SQLite engine as its request declared (see the module's
    docstring): as a writer in the writers' queue, or reading."""

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        sqlite_connection = connection.connection.dbapi_connection
        if connection.get_execution_options().get(SQLITE_IMMEDIATE, False):
            option = WRITE
        elif has_request_context():
            option = _next_in_request()
        else:
            option = READ
        sqlite_connection.reads_until_lock = option.lock == "late"
        if option.kind == "write" and option.lock == "first":
            _begin_writing(connection)
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_execute")
    def lock_before_writing(connection: Connection, statement, *_args) -> None:
        """Under `lock="late"`: end the transaction's reads, wait for the turn among writers
        and begin again holding the write lock. What is read from here on is the latest
        state, and stays so until the commit; reads made before were as fresh as the moment
        they ran, as under PostgreSQL's READ COMMITTED."""
        sqlite_connection = connection.connection.dbapi_connection
        if sqlite_connection.reads_until_lock and _writes(statement):
            sqlite_connection.reads_until_lock = False
            connection.exec_driver_sql("COMMIT")  # only reads to end: SQLAlchemy's goes on
            _begin_writing(connection)
