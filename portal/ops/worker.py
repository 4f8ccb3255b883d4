"""The worker: `portal worker` (deploy/systemd/portal-worker.service, and `make run` beside
the server) runs the task queue's consumer (portal/tasks.py). Its threads run what the app
servers queue — the delivery of a request's mail, a receipt to read — and its scheduler
queues the periodic tasks: the outbox's sweep every minute, the audit trail's purge and the
daily summaries once a day (and once when the worker starts, so that a worker down at that
hour catches up). Several workers may run, on several machines: a message is claimed before
it is sent, and a periodic task runs in one worker at a time."""

from flask import Flask
from huey.consumer import Consumer

from portal.tasks import TaskQueue, say

# Seconds an idle worker thread waits at most before looking at the queue again: a receipt
# read for a form that waits 10 s cannot sit there long.
IDLE_POLL_MAX_S = 0.5
# Within systemd's TimeoutStopSec (60 s, deploy/systemd/portal-worker.service).
STOP_TIMEOUT_S = 50


class QueueUnreachable(RuntimeError):
    """The configured queue did not answer: the worker refuses to start."""


def check_queue(app: Flask) -> None:
    """Reach the queue once, or raise QueueUnreachable saying where (password hidden)."""
    queue: TaskQueue = app.extensions["queue"]
    try:
        queue.huey.pending_count()
    except Exception as error:
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise QueueUnreachable(f"the queue at {queue.address} is not reachable: {reason}") from None


class _Consumer(Consumer):
    def start(self) -> None:
        # Huey sets its signal handlers after starting its threads, which may already run the
        # catch-up jobs: a SIGTERM in between (systemd stopping a worker just started) would
        # kill the process mid-task. Set first, the signal waits for `run`'s loop.
        self._set_signal_handlers()
        super().start()


def make_consumer(app: Flask, threads: int) -> Consumer:
    """Huey's consumer in threads. systemd's SIGTERM (and `make run`'s) lets the tasks under
    way end, for up to STOP_TIMEOUT_S; Ctrl-C on a worker run by hand interrupts them (a
    message interrupted mid-send is retried once its claim lapses)."""
    queue: TaskQueue = app.extensions["queue"]
    return _Consumer(
        queue.huey,
        workers=threads,
        worker_type="thread",
        max_delay=IDLE_POLL_MAX_S,
        flush_locks=True,  # the periodic tasks' locks a killed worker left
        graceful_signal="TERM",
        shutdown_timeout=STOP_TIMEOUT_S,
    )


def queue_periodic_tasks(app: Flask) -> None:
    """Every periodic task once, now: what a worker down at its hour missed."""
    with app.app_context():
        for task in app.extensions["queue"].periodic_tasks():
            task.enqueue()


def run_worker(app: Flask, threads: int) -> None:
    """Serve the queue until SIGTERM (the tasks under way end first) or SIGINT."""
    queue: TaskQueue = app.extensions["queue"]
    consumer = make_consumer(app, threads)
    queue_periodic_tasks(app)
    say("worker_started", threads=threads, queue=queue.address)
    consumer.run()
    say("worker_stopped")
