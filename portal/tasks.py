"""The task queue: work done beside the requests by `portal worker` (portal/ops/worker.py) —
mail delivery, the daily jobs, reading a receipt — through Huey, on a SQLite file of the
instance folder by default, or Redis or PostgreSQL at scale (`PORTAL_QUEUE_URL`).

A module's tasks live in its `tasks.py`: plain functions marked `@task()` (run when enqueued)
or `@periodic(...)` (run on a schedule, in Paris time). The assembly lists those modules
(`TASK_MODULES` in portal/blueprints.py) and `create_app()` binds their tasks to the app's
queue: this module imports no module above it (ARCHITECTURE.md, "Work off the request").

A task is given ids and plain values, never ORM objects (the row may have changed, or gone,
by the time it runs). It runs in an app context of its own and commits at the end like a
command, rolled back if it raises; a periodic task runs once at a time across workers."""

import json
import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.exceptions import ResultTimeout, TaskException, TaskLockedException
from huey.storage import SqliteStorage

from portal.dates import PARIS
from portal.db import db

log = logging.getLogger("portal.tasks")
PLAIN = (int, str, float, bool, type(None))


class NotReady(Exception):
    """No result within the wait: the task has not run yet (the worker is down or busy),
    or it ran past its `expires` and was skipped."""


class TaskFailed(Exception):
    """The task raised: its error is in the worker's log; waiting longer will not help."""


class Task:
    """A function the worker runs. `enqueue()` from a request or a task; `result()` to read
    what a task made with `result=True` returned."""

    def __init__(self, function: Callable, schedule: Callable | None, keeps_result: bool):
        self.function = function
        self.schedule = schedule
        self.keeps_result = keeps_result
        self.name = f"{function.__module__}.{function.__name__}"

    def __repr__(self) -> str:
        return f"<Task {self.name}>"

    def enqueue(self, *args, expires: float | None = None) -> str:
        """Queue a run with these ids and plain values; its id (for `result`). With
        `expires` (seconds), a worker that gets to it later skips it."""
        for value in args:
            _check_plain(value)
        huey, signature = current_app.extensions["queue"].signature(self, args, expires)
        return huey.enqueue(signature).id

    def result(self, job: str, wait: float = 0) -> Any:
        """What the run `job` returned, waiting up to `wait` seconds: NotReady when it has
        not come by then, TaskFailed when the task raised. Read once: it is then deleted."""
        if not self.keeps_result:
            raise TypeError(f"{self.name} keeps no result: mark it @task(result=True)")
        huey = current_app.extensions["queue"].huey
        try:
            # Huey's timeout None would wait for ever: "not now" is a short wait.
            return huey.result(job, blocking=True, timeout=max(wait, 0.01), max_delay=0.2)
        except ResultTimeout:
            raise NotReady(job) from None
        except TaskException as error:
            raise TaskFailed(str(error)) from None

    def run(self, *args, within: float) -> Any:
        """Enqueue and wait up to `within` seconds for the result; None when it does not come
        in time or the task failed (logged): the caller goes on without it."""
        job = self.enqueue(*args, expires=within)
        try:
            return self.result(job, wait=within)
        except NotReady:
            log.warning("%s gave no result within %s s (is `portal worker` running?)", self, within)
        except TaskFailed as error:
            log.warning("%s failed: %s", self, error)
        return None


def task(*, result: bool = False) -> Callable[[Callable], Task]:
    """Mark a function of a module's tasks.py as a task. `result=True` when a caller reads
    what it returns (`Task.result`); any other task's return value is dropped, so that the
    queue keeps nothing nobody reads."""
    return lambda function: Task(function, None, result)


def periodic(minute="*", hour="*", day_of_week="*") -> Callable[[Callable], Task]:
    """Mark a function as run by the worker on this crontab schedule, in Paris time (the
    coop's day): `@periodic(minute=0, hour=7)` every morning at 7."""
    matches = crontab(minute=minute, hour=hour, day_of_week=day_of_week, strict=True)

    def schedule(utc_now: datetime) -> bool:
        return matches(utc_now.replace(tzinfo=UTC).astimezone(PARIS).replace(tzinfo=None))

    return lambda function: Task(function, schedule, False)


def _check_plain(value) -> None:
    if isinstance(value, list | tuple):
        for item in value:
            _check_plain(item)
    elif not isinstance(value, PLAIN):
        raise TypeError(f"a task takes ids and plain values, not {type(value).__name__}")


class TaskQueue:
    """The app's queue (`app.extensions["queue"]`): the modules' tasks bound to this app, on
    Huey over the configured storage. The storage is opened on first use, not when the app
    is made: a command that queues nothing never touches it."""

    def __init__(self, app: Flask, tasks: list[Task]) -> None:
        self.app = app
        self.tasks = {task_.name: task_ for task_ in tasks}
        self.wrappers: dict[str, Any] = {}
        self._huey: Huey | None = None
        self._opening = threading.Lock()

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            with self._opening:  # two threads of an app server may queue at once
                if self._huey is None:
                    self._huey = self._open()
        return self._huey

    def _open(self) -> Huey:
        huey = make_huey(self.app.config["QUEUE_URL"], self.app.config["QUEUE_IMMEDIATE"])
        for task_ in self.tasks.values():
            run = _in_app_context(self.app, huey, task_)
            if task_.schedule:
                self.wrappers[task_.name] = huey.periodic_task(task_.schedule)(run)
            else:
                self.wrappers[task_.name] = huey.task()(run)
        return huey

    def signature(self, task_: Task, args: tuple, expires: float | None):
        """A run of `task_` for Huey to enqueue."""
        huey = self.huey  # opens the storage and binds the wrappers first
        return huey, self.wrappers[task_.name].s(*args, expires=expires)

    def periodic_tasks(self) -> list[Task]:
        return [task_ for task_ in self.tasks.values() if task_.schedule]

    @property
    def address(self) -> str:
        """The queue's URL with its password hidden, for messages."""
        parts = urlsplit(self.app.config["QUEUE_URL"])
        if parts.password:
            parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
        return parts.geturl()


def init_queue(app: Flask, modules) -> None:
    """Bind every task of the given modules (their tasks.py) to the app's queue."""
    tasks = [value for module in modules for value in vars(module).values()]
    app.extensions["queue"] = TaskQueue(app, [value for value in tasks if isinstance(value, Task)])


class QueueFile(SqliteStorage):
    """The queue's SQLite file, in WAL mode (Huey's) and synchronous=NORMAL: an enqueue is
    not synced to the disk on its own (it cost a booking's request 0.45 ms, 0.08 without,
    paid after its answer by the app server). A crash of the app loses nothing; a power cut
    may lose the last enqueues, never the file: the outbox's minute sweep sends the mail,
    the daily jobs are queued again when the worker starts, a reading not answered in time
    leaves the receipt to be typed."""

    def _create_connection(self):
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


class QueueOnFile(SqliteHuey):
    storage_class = QueueFile


def make_huey(url: str, immediate: bool = False) -> Huey:
    """Huey on `sqlite:///<file>`, `redis://...` (or `rediss://`, `unix://`) or
    `postgresql://...`."""
    scheme = urlsplit(url).scheme
    if immediate:
        return SqliteHuey("portal", immediate=True)  # in memory: no storage is touched
    if scheme == "sqlite":
        return QueueOnFile("portal", filename=url.removeprefix("sqlite:///"), utc=True)
    if scheme in ("redis", "rediss", "unix"):
        return RedisHuey("portal", url=url, utc=True)
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresHuey("portal", dsn=dsn, utc=True)
    raise RuntimeError(
        f"PORTAL_QUEUE_URL={url!r}: a sqlite:///, redis:// or postgresql:// address is expected"
    )


def _in_app_context(app: Flask, huey: Huey, task_: Task) -> Callable:
    """The function as the worker runs it: in an app context of its own, committed at the
    end (rolled back if it raises; the error is logged, and kept only for a caller waiting
    on a result). A periodic task holds a lock in the queue while it runs: the schedulers
    of two workers both queue it, and the run that finds it locked is skipped. (A worker
    killed mid-run leaves its lock: each worker clears them when it starts.)"""
    lock = huey.lock_task(task_.name) if task_.schedule else None

    @wraps(task_.function)
    def run(*args):
        with app.app_context():
            try:
                if lock:
                    with lock:
                        value = task_.function(*args)
                else:
                    value = task_.function(*args)
                db.session.commit()
            except TaskLockedException:
                db.session.rollback()
                say("task_skipped", task=task_.name, reason="running in another worker")
                return None
            except Exception as error:
                db.session.rollback()
                say("task_failed", task=task_.name, error=f"{type(error).__name__}: {error}"[:500])
                if task_.keeps_result:
                    raise  # Huey keeps the error for the caller waiting on it (TaskFailed)
                log.exception("%s failed", task_.name)
                return None
        return value if task_.keeps_result else None

    return run


def say(event: str, **fields) -> None:
    """One JSON line on stderr, like the app servers' request lines: what the worker did."""
    line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
    # One write with its newline: print() writes the newline apart, so two of the worker's
    # threads saying something at once could glue their lines together.
    sys.stderr.write(json.dumps({**line, **fields}, separators=(",", ":")) + "\n")
    sys.stderr.flush()
