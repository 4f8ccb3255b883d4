"""What a request that queues mail costs its app server: delivering the mail itself once it
has answered (before the task queue: the SMTP exchange in the response's close), or handing
the delivery to the worker through the queue (SQLite file, Redis).

A password reset request (one mail) through Flask's test client, in one process, on a SQLite
database; the time from the request to the end of its response's close, which is how long a
gunicorn sync worker is held. The SMTP server is aiosmtpd on loopback, answering at once or
after 200 ms (a remote provider's TLS and round trips). Redis is a redis-server of the
bench's own on a free loopback port, when Debian's redis-server is installed."""

import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import free_port, percentile  # noqa: E402
from portal import create_app  # noqa: E402
from portal.cli import upgrade_database  # noqa: E402
from portal.db import db  # noqa: E402
from portal.members.models import MemberStatus, Role  # noqa: E402
from portal.members.services import create_member  # noqa: E402
from tests.servers import Inbox, smtp_server  # noqa: E402

REQUESTS = 60
ROUNDS = 6
SMTP_DELAY_S = 0.2


class SlowInbox(Inbox):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(SMTP_DELAY_S)
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def redis_server():
    if not shutil.which("redis-server"):
        yield None
        return
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_app(folder: Path, queue: str | None, smtp_port: int):
    url = f"sqlite:///{folder / f'bench-{time.monotonic_ns()}.sqlite3'}"
    upgrade_database(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "QUEUE_URL": queue or f"sqlite:///{folder / 'unused.sqlite3'}",
            "QUEUE_IMMEDIATE": queue is None,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "DATA_DIR": str(folder / "data"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_port,
            "SMTP_STARTTLS": False,
            "PASSWORD_RESET_MAX_PER_ACCOUNT": 10**6,
            "PASSWORD_RESET_MAX_PER_ADDRESS": 10**6,
        }
    )
    with app.app_context():
        create_member(
            db.session, email="camille@example.org", full_name="Camille",
            role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE,
        )  # fmt: skip
        db.session.commit()
    return app


def requests(app, count: int) -> list[float]:
    """Seconds from each request to the end of its response's close."""
    client = app.test_client()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.post("/password/forgot", data={"email": "camille@example.org"})
        response.close()
        timings.append(time.perf_counter() - started)
        assert response.status_code == 303
    return timings


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as folder, redis_server() as redis:
        queues = {"inline, after the answer (before)": None}
        queues["queued, SQLite file"] = f"sqlite:///{Path(folder) / 'queue.sqlite3'}"
        if redis:
            queues["queued, Redis"] = redis
        for server_name, inbox in (("at once", Inbox()), ("after 200 ms", SlowInbox())):
            with smtp_server(inbox) as port:
                apps = {name: make_app(Path(folder), queue, port) for name, queue in queues.items()}
                timings: dict[str, list[float]] = {name: [] for name in apps}
                for app in apps.values():
                    requests(app, 5)  # warm the app and its connections up
                # Rounds interleaved: the machine's load drifts alike for every way.
                for _round in range(ROUNDS):
                    for name, app in apps.items():
                        timings[name] += requests(app, REQUESTS // ROUNDS)
                for name, app in apps.items():
                    rows.append(
                        f"| {name} | {server_name} | {percentile(timings[name], 0.5) * 1000:.1f} "
                        f"| {percentile(timings[name], 0.95) * 1000:.1f} |"
                    )
                    if queues[name]:
                        app.extensions["queue"].huey.flush()
                    app.extensions["database"].engine.dispose()
    return (
        "## What a request that queues mail holds its app server (`bench/bench_queue.py`)\n\n"
        f"A password reset request (one mail), {REQUESTS} per way in {ROUNDS} interleaved "
        "rounds through Flask's test client in one process on SQLite: milliseconds from the "
        "request to the end of its response's close (how long a sync worker is held; the "
        "member has the answer before the close). Queued, the worker is not running: this is "
        "the request's cost alone.\n\n"
        "| mail | SMTP server answers | median ms | p95 ms |\n| --- | --- | --- | --- |\n"
        + "\n".join(rows)
        + "\n"
    )


if __name__ == "__main__":
    print(run())
