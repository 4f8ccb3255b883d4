"""The task queue (portal/tasks.py) with a real worker: Huey's consumer in threads of this
process, or `portal worker` in processes of their own, on a SQLite queue file, and on Redis
when PORTAL_TEST_REDIS_URL names one (.ci/run starts it). A request's mail goes through the
queue once, whatever number of workers; the daily jobs are on their schedules; a worker (or
the queue) that is down leaves the request answered and the mail to the sweep; a caller
waiting on a result gives up after its wait."""

import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.blueprints import TASK_MODULES
from portal.db import db
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.ops.worker import make_consumer, queue_periodic_tasks
from portal.outbox.models import OutboxMessage
from portal.outbox.services import queue_email
from portal.outbox.tasks import deliver_messages
from portal.tasks import NotReady, TaskFailed, init_queue, task
from tests.helpers import reset_database
from tests.servers import Inbox, free_port, portal_worker, smtp_server

QUEUES = ["sqlite", pytest.param("redis", marks=pytest.mark.redis)]
# A PostgreSQL queue is served by `portal worker` processes only here: Huey keeps a LISTEN
# connection per consumer thread, which a worker's exit closes.
QUEUES_AT_SCALE = [*QUEUES, pytest.param("postgresql", marks=pytest.mark.postgres)]
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@task(result=True)
def double(number: int) -> int:
    return 2 * number


@task(result=True)
def refuse(number: int) -> int:
    raise ValueError(f"{number} is not readable")


@pytest.fixture
def queue_url(request, tmp_path):
    """A queue of the test's own: a SQLite file, the Redis server or the PostgreSQL
    database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    if request.param == "postgresql":
        url = os.environ.get("PORTAL_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("PORTAL_TEST_POSTGRES_URL is not set")
        reset_database(url)
        return url
    url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not url:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def make_app(tmp_path):
    """An app on a committed database and a real queue (no worker unless the test starts
    one), with the portal's tasks and this module's two; its connections closed at the end."""
    apps = []

    def make(database: str, queue: str, smtp_port: int | None = None):
        app = create_app(
            {
                "DATABASE_URL": database,
                "QUEUE_URL": queue,
                "PUBLIC_URL": "http://localhost",
                "SECRET_KEY": "x",
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "DATA_DIR": str(tmp_path / "data"),
                "SMTP_HOST": "127.0.0.1" if smtp_port else None,
                "SMTP_PORT": smtp_port or 25,
                "SMTP_STARTTLS": False,
            }
        )
        init_queue(app, [*TASK_MODULES, sys.modules[__name__]])
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["database"].engine.dispose()
        app.extensions["queue"].huey.storage.close()


@contextmanager
def worker_threads(app, threads: int = 2):
    """The worker as `portal worker` runs it (its consumer, the periodic tasks queued at its
    start), in threads of this process; pytest keeps its own signal handlers."""
    consumer = make_consumer(app, threads)
    queue_periodic_tasks(app)
    consumer.scheduler.start()
    for _worker, thread in consumer.worker_threads:
        thread.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def _entrepreneur(app) -> str:
    with app.app_context():
        create_member(
            db.session, email="camille@example.org", full_name="Camille Durand",
            role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE,
        )  # fmt: skip
        db.session.commit()
    return "camille@example.org"


def _until(condition, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _outbox(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.mark.parametrize("queue_url", QUEUES, indirect=True)
def test_a_request_hands_its_mail_to_the_worker_which_sends_it(
    make_app, committed_database, queue_url, tmp_path
):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = make_app(committed_database("sqlite"), queue_url, port)
        email = _entrepreneur(app)
        with worker_threads(app):
            # The sweeps of its start have run (the next is a minute away).
            assert _until(lambda: app.extensions["queue"].huey.pending_count() == 0)
            time.sleep(0.5)
            response = app.test_client().post("/password/forgot", data={"email": email})
            assert response.status_code == 303
            time.sleep(1)
            assert inbox.received == []  # nothing is handed over before the answer has gone
            response.close()  # what the server does once the answer has gone
            assert _until(lambda: len(inbox.received) == 1)
    [message] = _outbox(app)
    assert message.recipient == email and message.sent_at is not None
    assert message.attempts == 1
    assert inbox.received[0].rcpt_tos == [email]


@pytest.mark.parametrize("queue_url", QUEUES_AT_SCALE, indirect=True)
@pytest.mark.parametrize("kind", DATABASES)
def test_two_workers_send_each_message_once(
    make_app, committed_database, kind, queue_url, tmp_path
):
    """Two `portal worker` processes, each delivery asked for twice (a request's, and a
    batch of all), and each worker's sweep at its start: every message leaves once."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        url = committed_database(kind)
        app = make_app(url, queue_url, port)
        with app.app_context():
            ids = [queue_email(db.session, f"m{n}@example.org", "S", "B").id for n in range(30)]
            db.session.commit()
            for message_id in ids:
                deliver_messages.enqueue([message_id])
            deliver_messages.enqueue(ids)
        smtp = {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(port)}
        smtp["PORTAL_SMTP_STARTTLS"] = "false"
        with (
            portal_worker(url, queue_url, tmp_path / "first.log", smtp),
            portal_worker(url, queue_url, tmp_path / "second.log", smtp),
        ):
            assert _until(lambda: all(m.sent_at for m in _outbox(app)), timeout=60)
            assert _until(lambda: app.extensions["queue"].huey.pending_count() == 0)
    recipients = sorted(recipient for e in inbox.received for recipient in e.rcpt_tos)
    assert recipients == sorted(f"m{n}@example.org" for n in range(30))
    assert {m.attempts for m in _outbox(app)} == {1}
    deliveries = [
        json.loads(line)
        for log in ("first.log", "second.log")
        for line in (tmp_path / log).read_text().splitlines()
        if '"event":"mail_delivered"' in line
    ]
    assert sum(line["sent"] for line in deliveries) == 30


def test_the_daily_jobs_and_the_sweep_are_on_their_schedules(make_app, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", f"sqlite:///{tmp_path / 'q'}")
    huey = app.extensions["queue"].huey

    def due(utc: datetime) -> set[str]:
        return {type(run).__name__ for run in huey.read_periodic(utc)}

    assert {t.name for t in app.extensions["queue"].periodic_tasks()} == {
        "portal.outbox.tasks.retry_deliveries",
        "portal.audit.tasks.purge_audit",
        "portal.auth.tasks.purge_logins",
        "portal.notifications.tasks.send_digest",
        "portal.sales.tasks.send_reminders",
    }
    # Paris time: UTC+1 in January, UTC+2 in July.
    assert due(datetime(2026, 1, 15, 9, 17)) == {"retry_deliveries"}
    assert due(datetime(2026, 1, 15, 2, 30)) == {"retry_deliveries", "purge_audit"}
    assert due(datetime(2026, 7, 15, 1, 30)) == {"retry_deliveries", "purge_audit"}
    assert due(datetime(2026, 1, 15, 2, 40)) == {"retry_deliveries", "purge_logins"}
    assert due(datetime(2026, 1, 15, 6, 0)) == {"retry_deliveries", "send_digest"}
    assert due(datetime(2026, 7, 15, 5, 0)) == {"retry_deliveries", "send_digest"}
    assert due(datetime(2026, 1, 15, 7, 0)) == {"retry_deliveries", "send_reminders"}
    assert due(datetime(2026, 7, 15, 6, 0)) == {"retry_deliveries", "send_reminders"}
    assert due(datetime(2026, 1, 15, 8, 0)) == {"retry_deliveries"}  # 09:00 in Paris


@pytest.mark.parametrize("queue_url", QUEUES, indirect=True)
def test_with_the_worker_down_the_request_answers_and_the_sweep_sends_later(
    make_app, committed_database, queue_url, tmp_path
):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        url = committed_database("sqlite")
        app = make_app(url, queue_url, port)
        email = _entrepreneur(app)
        response = app.test_client().post("/password/forgot", data={"email": email})
        assert response.status_code == 303
        response.close()
        time.sleep(1)
        assert inbox.received == [] and _outbox(app)[0].sent_at is None
        # The queue is lost with the worker (a Redis restarted empty): only the outbox knows.
        app.extensions["queue"].huey.flush()
        with worker_threads(app):
            assert _until(lambda: len(inbox.received) == 1)
    [message] = _outbox(app)
    assert message.sent_at is not None and message.attempts == 1


def test_the_queue_file_syncs_at_checkpoints_not_on_every_enqueue(make_app, tmp_path):
    """WAL with synchronous=NORMAL: an enqueue is written without waiting for the disk
    (a request paid a sync for each), and the file stays whole whatever stops."""
    app = make_app(f"sqlite:///{tmp_path / 'portal.sqlite3'}", f"sqlite:///{tmp_path / 'q.db'}")
    with app.app_context():
        deliver_messages.enqueue([1])
        storage = app.extensions["queue"].huey.storage
        connection = storage.conn
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert connection.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL
        assert storage.queue_size() == 1


def test_with_the_queue_unreachable_the_request_still_answers(
    make_app, committed_database, tmp_path, caplog
):
    url = committed_database("sqlite")
    app = make_app(url, f"redis://127.0.0.1:{free_port()}/0")  # nobody listens there
    email = _entrepreneur(app)
    response = app.test_client().post("/password/forgot", data={"email": email})
    assert response.status_code == 303
    response.close()
    assert "queueing the delivery of the request's mail failed" in caplog.text
    [message] = _outbox(app)
    assert message.sent_at is None and message.attempts == 0  # left for the sweep


@pytest.mark.parametrize("queue_url", QUEUES, indirect=True)
def test_a_caller_gets_a_result_within_its_wait(make_app, committed_database, queue_url, tmp_path):
    app = make_app(committed_database("sqlite"), queue_url)
    with app.app_context(), worker_threads(app):
        assert double.run(21, within=10) == 42
        job = refuse.enqueue(7)
        with pytest.raises(TaskFailed, match="7 is not readable"):
            refuse.result(job, wait=10)


@pytest.mark.parametrize("queue_url", QUEUES, indirect=True)
def test_with_the_worker_down_a_wait_ends_empty_on_time(
    make_app, committed_database, queue_url, tmp_path, caplog
):
    """What a form waiting 10 s for a receipt's reading gets when no worker runs: nothing,
    on time, and the reading is not done later for nobody."""
    app = make_app(committed_database("sqlite"), queue_url)
    with app.app_context():
        started = time.monotonic()
        assert double.run(21, within=2) is None
        waited = time.monotonic() - started
        assert 2 <= waited < 4
        assert "gave no result within 2 s" in caplog.text
        job = double.enqueue(4)  # a page polling for it
        with pytest.raises(NotReady):
            double.result(job)
        time.sleep(0.5)
        with worker_threads(app):
            assert double.result(job, wait=10) == 8
            # The expired reading was skipped: no result is left for nobody to read.
            huey = app.extensions["queue"].huey
            # (The store also holds a periodic task's lock while it runs: wait for those.)
            assert _until(lambda: huey.pending_count() == 0 and huey.result_count() == 0)


def test_a_task_takes_ids_not_objects(db_session, app_context):
    message = queue_email(db_session, "a@example.org", "Subject", "Body")
    with pytest.raises(TypeError, match="ids and plain values, not OutboxMessage"):
        deliver_messages.enqueue(message)
    with pytest.raises(TypeError, match="not OutboxMessage"):
        deliver_messages.enqueue([message])


def test_the_worker_runs_until_sigterm_and_catches_up_on_the_daily_jobs(
    make_app, committed_database, tmp_path
):
    """`portal worker`: at its start the daily jobs and the sweep run once (a worker down
    at their hour catches up), then it serves until SIGTERM, letting the task under way
    end."""
    url = committed_database("sqlite")
    queue = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    app = make_app(url, queue)
    with app.app_context():
        queue_email(db.session, "left@example.org", "Left behind", "by a stopped server")
        db.session.commit()
    log = tmp_path / "worker.log"
    with portal_worker(url, queue, log) as process:
        assert _until(lambda: all(m.sent_at for m in _outbox(app)))
        caught_up = (b"audit_purged", b"logins_purged", b"digests_queued", b"reminders_queued")
        assert _until(lambda: all(event in log.read_bytes() for event in caught_up))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    lines = log.read_text().splitlines()
    events = [json.loads(line)["event"] for line in lines if line.startswith("{")]
    assert events[0] == "worker_started" and events[-1] == "worker_stopped"
    assert "mail_delivered" in events and "task_failed" not in events
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_worker_takes_sigterm_gracefully_before_its_threads_start(make_app, tmp_path):
    """A worker stopped the moment it starts still lets its first tasks end: its graceful
    handler is set before its scheduler and threads run anything."""
    app = make_app("sqlite://", f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    consumer = make_consumer(app, 1)
    handlers = []
    consumer.scheduler.start = lambda: handlers.append(signal.getsignal(signal.SIGTERM))
    for _worker, thread in consumer.worker_threads:
        thread.start = lambda: None
    before = {signum: signal.getsignal(signum) for signum in consumer._signal_actions}
    try:
        consumer.start()
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
    assert handlers == [consumer._handle_signal]


def test_the_worker_refuses_to_start_without_its_queue(committed_database, tmp_path):
    app = create_app(
        {
            "DATABASE_URL": committed_database("sqlite"),
            "QUEUE_URL": f"redis://:secret-password@127.0.0.1:{free_port()}/0",
            "PUBLIC_URL": "http://localhost",
        }
    )
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code == 2
    assert "The worker cannot start: the queue at redis://:***@127.0.0.1:" in result.output
    assert "secret-password" not in result.output
