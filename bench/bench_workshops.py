"""Booking round trip under load (issue 8): "booking p95 under 30 ms with 20 concurrent
clients", through gunicorn as production runs it (README: sync workers), on loopback.

Twenty logged-in entrepreneurs (htmx POSTs with their cookie and CSRF token, one keep-alive
connection each) book a seat and cancel it, on workshops of 10 seats so the waiting list and
its promotions run too. Three ways of being 20 concurrent clients:

- **burst**: all 20 tap "book" at the same instant (a barrier), then all 20 cancel; 20
  rounds a little apart. Either the same workshop (every request wants the same lock) or
  one workshop each (they only share the database).
- **people**: each client books then cancels after a pause of 0.5 s ± 50 %, as people do
  (about 40 bookings/s offered).
- **flat out**: `wrk`, 20 connections with no pause (bench_portal's measure): the latency
  is then mostly waiting for a free worker, 20 / throughput.

Control rows: the same burst and flat out against an empty write (`bench/floor.py`), what
any write costs here before its own work.

SQLite always (a fresh file per row); PostgreSQL too when PORTAL_BENCH_POSTGRES_URL names a
scratch database (it is emptied). `measure_all(tree)` serves the code of another checkout,
for before/after comparisons in one run."""

import http.client
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.cli import upgrade_database  # noqa: E402
from portal.db import db, utcnow  # noqa: E402
from portal.workshops.services import create_or_update_workshop  # noqa: E402
from tests.helpers import reset_database  # noqa: E402
from tests.servers import SECRET_KEY, config, seed_workshop_and_visitors  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import harness  # noqa: E402

CLIENTS = 20
SEATS = 10
BURSTS = 20  # rounds of 20 simultaneous bookings then 20 simultaneous cancellations
PEOPLE_ROUNDS = 15  # book + cancel pairs per client, with pauses
PAUSE = 0.5
SECONDS = int(os.environ.get("PORTAL_BENCH_SECONDS", "10"))
TARGET_MS = 30
ACTIONS = ("book", "cancel")
# bench/floor.py's POST /bench/write: what any write costs before its own work.
CONTROL = "an empty write (`bench/floor.py`)"


@dataclass
class Figures:
    book_ms: list[float]
    cancel_ms: list[float]
    failures: int
    seconds: float

    def row(self, database: str, how: str, verdict: bool = True) -> str:
        requests = len(self.book_ms) + len(self.cancel_ms)
        book_p95 = harness.percentile(self.book_ms, 0.95)
        on_target = "yes" if book_p95 < TARGET_MS and not self.failures else "**no**"
        return (
            f"| {database} | {how} | {len(self.book_ms):,} | "
            f"{statistics.median(self.book_ms):.1f} | {book_p95:.1f} | "
            f"{harness.percentile(self.cancel_ms, 0.95):.1f} | {requests / self.seconds:.0f} | "
            f"{self.failures} | {on_target if verdict else '—'} |"
        )


def seed(url: str) -> tuple[list[int], list]:
    """A fresh database: 20 logged-in entrepreneurs, 20 workshops of SEATS seats."""
    reset_database(url)
    upgrade_database(url)
    first, visitors = seed_workshop_and_visitors(url, CLIENTS, SEATS)
    app = create_app(config(url))
    with app.app_context():
        starts_at = utcnow() + timedelta(days=8)
        others = [
            create_or_update_workshop(
                db.session,
                None,
                {
                    "title": f"Load test {number}",
                    "starts_at": starts_at,
                    "ends_at": starts_at + timedelta(hours=2),
                    "seats": SEATS,
                },
            ).id
            for number in range(1, CLIENTS)
        ]
        db.session.commit()
    app.extensions["database"].engine.dispose()
    return [first, *others], visitors


def _body(path: str) -> str:
    """A cancellation answers "Cancel your booking?" (without it the portal only asks)."""
    return "confirmed=1" if path.endswith("/cancel") else ""


def _post(connection, path: str, visitor) -> tuple[float, int]:
    start = time.perf_counter()
    headers = {**visitor.headers(), "Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", path, body=_body(path), headers=headers)
    response = connection.getresponse()
    response.read()
    return (time.perf_counter() - start) * 1000, response.status


def bursts(port: int, visitors: list, path) -> Figures:
    """BURSTS times: everyone books at once, then everyone cancels at once; visitor n posts
    to `path(n, "book")`, then to `path(n, "cancel")`."""
    figures = Figures([], [], 0, 0.0)
    barrier = threading.Barrier(len(visitors))
    lock = threading.Lock()

    def client(number: int, visitor) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(BURSTS):
            for action, samples in (("book", figures.book_ms), ("cancel", figures.cancel_ms)):
                barrier.wait()
                elapsed, status = _post(connection, path(number, action), visitor)
                with lock:
                    samples.append(elapsed)
                    figures.failures += status != 200
            time.sleep(0.1)  # the next round starts once this one has drained
        connection.close()

    figures.seconds = _run_clients(client, visitors)
    return figures


def workshop_paths(workshop_ids: list[int]):
    """Visitor n books and cancels at workshop_ids[n % len(workshop_ids)]."""
    return lambda number, action: f"/workshops/{workshop_ids[number % len(workshop_ids)]}/{action}"


def people(port: int, workshop_id: int, visitors: list) -> Figures:
    figures = Figures([], [], 0, 0.0)
    lock = threading.Lock()

    def client(number: int, visitor) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        jitter = random.Random(number)
        for _ in range(PEOPLE_ROUNDS):
            time.sleep(PAUSE * jitter.uniform(0.5, 1.5))
            for action, samples in (("book", figures.book_ms), ("cancel", figures.cancel_ms)):
                elapsed, status = _post(connection, f"/workshops/{workshop_id}/{action}", visitor)
                with lock:
                    samples.append(elapsed)
                    figures.failures += status != 200
        connection.close()

    figures.seconds = _run_clients(client, visitors)
    return figures


def _run_clients(client, visitors) -> float:
    threads = [
        threading.Thread(target=client, args=(number, visitor))
        for number, visitor in enumerate(visitors)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def flat_out(base: str, paths: list[str], visitors: list) -> harness.Load:
    form = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
    requests = [
        {"method": "POST", "path": path, "headers": form, "body": _body(path)} for path in paths
    ]
    identities = [{"Cookie": v.cookie, "X-CSRFToken": v.csrf_token} for v in visitors]
    return harness.run_wrk(base, requests, identities, CLIENTS, SECONDS)


def flat_out_row(database: str, how: str, load: harness.Load, verdict: bool = True) -> str:
    on_target = ("yes" if load.p95_ms < TARGET_MS else "**no**") if verdict else "—"
    return (
        f"| {database} | {how} | {load.requests // 2:,} | {load.p50_ms:.1f} (all) | "
        f"{load.p95_ms:.1f} (all) | — | {load.per_second:.0f} | {load.failures} | {on_target} |"
    )


def measure_all(url_pattern: str, database: str, tree: Path = ROOT) -> list[str]:
    """Every measure on a fresh database each, serving the code in `tree`; table rows.
    The control rows come last, from this checkout's bench/floor.py."""
    rows = []
    measures = ("burst, same workshop", "burst, a workshop each", "people", "flat out (wrk)")
    for number, how in enumerate(measures):
        url = url_pattern.format(number)
        workshop_ids, visitors = seed(url)
        env = harness.server_env(url, PORTAL_SECRET_KEY=SECRET_KEY)  # the visitors' cookies
        with harness.gunicorn(env, cwd_path=tree) as base:
            port = int(base.rsplit(":", 1)[1])
            if how == "burst, same workshop":
                figures = bursts(port, visitors, workshop_paths(workshop_ids[:1]))
            elif how == "burst, a workshop each":
                figures = bursts(port, visitors, workshop_paths(workshop_ids))
            elif how == "people":
                figures = people(port, workshop_ids[0], visitors)
            else:
                load = flat_out(
                    base, [f"/workshops/{workshop_ids[0]}/{a}" for a in ACTIONS], visitors
                )
                rows.append(flat_out_row(database, how, load))
                continue
            rows.append(figures.row(database, how))
    url = url_pattern.format(len(measures))
    _, visitors = seed(url)
    env = harness.server_env(url, PORTAL_SECRET_KEY=SECRET_KEY)
    with harness.gunicorn(env, app="floor:app", cwd_path=ROOT / "bench") as base:
        port = int(base.rsplit(":", 1)[1])
        control = bursts(port, visitors, lambda number, action: "/bench/write")
        rows.append(control.row(database, f"control: {CONTROL}, burst", verdict=False))
        load = flat_out(base, ["/bench/write"], visitors)
        rows.append(flat_out_row(database, f"control: {CONTROL}, flat out", load, verdict=False))
    return rows


HEADER = [
    "| database | 20 clients | bookings | book median ms | book p95 ms | cancel p95 ms "
    "| req/s | non-200 | p95 < 30 ms |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
]


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += measure_all(f"sqlite:///{folder}/bench-{{}}.sqlite3", "SQLite")
    postgres = os.environ.get("PORTAL_BENCH_POSTGRES_URL")
    if postgres:
        rows += measure_all(postgres, "PostgreSQL")
    return "\n".join(
        [
            "## Workshops: booking round trip under load (issue 8)",
            "",
            f"gunicorn, {harness.PRODUCTION_WORKERS} sync workers (README), on 127.0.0.1; "
            f"{CLIENTS} logged-in clients on keep-alive connections (htmx POSTs with CSRF), "
            f"workshops of {SEATS} seats so waiting-list promotions run. **burst**: all 20 "
            f"book at the same instant, then all cancel, {BURSTS} rounds; **people**: "
            f"book then cancel after {PAUSE} s ± 50 %, {PEOPLE_ROUNDS} times each; "
            f"**flat out**: `wrk` {CLIENTS} connections, {SECONDS} s, book and cancel "
            "alternating (its latencies mix both). Clients run on the same 2 cores as the "
            "server, so the figures include their cost.",
            "",
            *HEADER,
            *rows,
            "",
            "Reading: the control rows are the same 20 clients posting to an empty write "
            "(`bench/floor.py`: login, CSRF, the write lock taken as a booking takes it, one "
            "row in the sync log, the commit; 'book' and 'cancel' are both that write): the "
            "least any write costs on this machine. Where a control row's p95 is over 30 ms, "
            "no booking can be under it here, whatever the booking does. A booking costs about "
            "2.5 ms of CPU in-process, and commits before its panel renders "
            '(`commit="early"`), so '
            "it holds the workshop only for its writes. On 2 cores shared with the clients "
            "(and PostgreSQL's server), 20 requests arriving at the same instant finish one "
            "after another (a burst's p95 is its 19th answer); flat out, latency is 20 / "
            "throughput (Little's law: under 30 ms needs about 800 requests a second). On "
            "SQLite, writers queue on a lock file (`portal/transaction.py`); on PostgreSQL on the "
            "workshop's row, whose lock spans several round trips. Workers freeze their "
            "loaded app out of the garbage collector's full passes (`gunicorn.conf.py`): a "
            "pass took ~100 ms mid-request, the tail of 'people'."
            + (
                ""
                if postgres
                else "\n\nPostgreSQL not measured: set PORTAL_BENCH_POSTGRES_URL to a "
                "scratch database."
            ),
        ]
    )


if __name__ == "__main__":
    print(run())
