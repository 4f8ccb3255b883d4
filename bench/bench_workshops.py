"""Booking round trip under load: 20 concurrent clients book and cancel through gunicorn.

Target from issue 8: booking p95 under 30 ms with 20 concurrent clients. Each client is a
logged-in entrepreneur on its own keep-alive connection, booking a seat then cancelling it
(htmx requests, CSRF token included), on a workshop with 10 seats so the waiting list and
its promotions run too. SQLite always; PostgreSQL too when PORTAL_TEST_POSTGRES_URL is set
(that database is emptied). Loopback only, bounded request count."""

import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.cli import upgrade_database  # noqa: E402
from tests.conftest import reset_database  # noqa: E402
from tests.servers import SECRET_KEY, seed_workshop_and_visitors  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import harness  # noqa: E402

CLIENTS = 20
ROUNDS = 25  # book + cancel pairs per client
SEATS = 10
TARGET_MS = 30
# "people": each client waits 0.5 s before each booking, as a person tapping would (about
# 40 bookings/s offered); "flat out": no pause, every client hammers as fast as it can.
MODES = (("people (0.5 s pause)", 0.5), ("flat out", 0.0))


def _client(port, workshop_id, visitor, book_ms, cancel_ms, errors, barrier, pause):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    barrier.wait()
    jitter = random.Random(visitor.member_id)
    for _ in range(ROUNDS):
        # Spread arrivals like people do, instead of 20 taps on the same millisecond.
        time.sleep(pause * jitter.uniform(0.5, 1.5))
        for action, samples in (("book", book_ms), ("cancel", cancel_ms)):
            start = time.perf_counter()
            connection.request(
                "POST", f"/workshops/{workshop_id}/{action}", body="", headers=visitor.headers()
            )
            response = connection.getresponse()
            response.read()
            samples.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                errors.append(response.status)
    connection.close()


def _measure(
    url: str, workers: int, threads: int, pause: float
) -> tuple[list[float], list[float], int, float]:
    reset_database(url)
    upgrade_database(url)
    workshop_id, visitors = seed_workshop_and_visitors(url, CLIENTS, SEATS)
    book_ms: list[float] = []
    cancel_ms: list[float] = []
    errors: list[int] = []
    env = harness.server_env(url, PORTAL_SECRET_KEY=SECRET_KEY)  # the visitors' cookies
    with harness.gunicorn(env, workers=workers, threads=threads) as base:
        port = int(base.rsplit(":", 1)[1])
        barrier = threading.Barrier(CLIENTS)
        pool = [
            threading.Thread(
                target=_client,
                args=(port, workshop_id, visitor, book_ms, cancel_ms, errors, barrier, pause),
            )
            for visitor in visitors
        ]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
    return book_ms, cancel_ms, len(errors), elapsed


def run() -> str:
    databases = []
    with tempfile.TemporaryDirectory() as folder:
        databases.append(("SQLite", f"sqlite:///{folder}/bench-{{}}.sqlite3"))
        if os.environ.get("PORTAL_TEST_POSTGRES_URL"):
            databases.append(("PostgreSQL", os.environ["PORTAL_TEST_POSTGRES_URL"]))
        rows = []
        for run_number, ((name, url), (mode, pause)) in enumerate(product(databases, MODES)):
            url = url.format(run_number)  # a fresh SQLite file for each run
            book_ms, cancel_ms, errors, elapsed = _measure(url, workers=2, threads=4, pause=pause)
            requests = len(book_ms) + len(cancel_ms)
            book_p95 = harness.percentile(book_ms, 0.95)
            cancel_p95 = harness.percentile(cancel_ms, 0.95)
            verdict = "yes" if book_p95 < TARGET_MS and not errors else "**no**"
            rows.append(
                f"| {name} | {mode} | {len(book_ms):,} | {statistics.median(book_ms):.1f} | "
                f"{book_p95:.1f} | {cancel_p95:.1f} | {requests / elapsed:.0f} | "
                f"{errors} | < {TARGET_MS} | {verdict} |"
            )
    return "\n".join(
        [
            "## Workshops: booking round trip under load",
            "",
            f"gunicorn (2 workers × 4 threads) on 127.0.0.1; {CLIENTS} concurrent clients, each "
            f"booking then cancelling {ROUNDS} times (after a pause, or flat out) on "
            "keep-alive connections (htmx POSTs "
            f"with CSRF), workshop of {SEATS} seats so waiting-list promotions run. The load "
            "generator shares the machine's 2 cores with the server.",
            "",
            "| database | clients | bookings | book median ms | book p95 ms | cancel p95 ms "
            "| req/s | non-200 | target p95 ms | met |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
            *rows,
        ]
    )


if __name__ == "__main__":
    print(run())
