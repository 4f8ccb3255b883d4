"""Sync API figures, served by gunicorn on loopback and loaded from this script:

- initial sync of 100,000 changes through the feed, pages of 1,000 (issue 7: under 30 s);
- feed page throughput with 20 concurrent clients (pages of 100 at various cursors);
- write round trips: `PUT /api/v1/members/{id}`, `POST /api/v1/payslips` and
  `PUT /api/v1/members/{id}/balance`, each with a fresh Idempotency-Key (target: p95 under
  20 ms); and the projection read, `GET /api/v1/members/{id}/projection`.

Run from the project root with `python bench/bench_api.py`; `make bench` calls `run()`."""

import base64
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import harness  # noqa: E402

CHANGES = 100_000
MEMBERS = 1_000
CLIENTS = 20
REQUESTS_PER_CLIENT = 25
WRITES = 200
WORKERS = 3


def _prepare(url: str) -> tuple[str, str]:
    from sqlalchemy import insert

    from portal import create_app
    from portal.api.services import create_client
    from portal.cli import upgrade_database
    from portal.db import db, utcnow
    from portal.members.models import Role
    from portal.members.services import create_member
    from portal.sync.models import Change

    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://localhost", "SECRET_KEY": "bench"})
    with app.app_context():
        for number in range(MEMBERS):
            create_member(
                db.session,
                email=f"member{number}@bench.coop",
                full_name=f"Member {number}",
                role=Role.ENTREPRENEUR,
                activities=("Traduction",),
            )
        now = utcnow()
        rows = [
            {"entity": "member", "entity_id": str(1 + n % MEMBERS), "op": "upsert", "at": now}
            for n in range(CHANGES - MEMBERS)
        ]
        db.session.execute(insert(Change), rows)
        client, secret = create_client(db.session, "bench", "sync:read sync:write")
        db.session.commit()
        return client.client_id, secret


def _request(base: str, path: str, token: str, method="GET", body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
        return response.status, json.loads(response.read())


def _token(base: str, client_id: str, secret: str) -> str:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    body = b"grant_type=client_credentials"
    request = urllib.request.Request(base + "/oauth/token", data=body, method="POST")  # noqa: S310
    request.add_header("Authorization", f"Basic {credentials}")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())["access_token"]


def run() -> str:
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    client_id, secret = _prepare(url)
    env = harness.server_env(url, PORTAL_API_RATE_LIMIT="1000000000")
    with harness.gunicorn(env, workers=WORKERS) as base:
        token = _token(base, client_id, secret)

        # 1. Initial sync: every change, pages of 1,000, as a back office would.
        started = time.perf_counter()
        cursor, received, pages = None, 0, 0
        while True:
            path = "/api/v1/changes?limit=1000" + (f"&after={cursor}" if cursor else "")
            _status, page = _request(base, path, token)
            received += len(page["items"])
            pages += 1
            cursor = page["next"]
            if not page["has_more"]:
                break
        initial_sync = time.perf_counter() - started

        # 2. Feed pages of 100 from 20 concurrent clients.
        from portal.api.services import encode_cursor

        latencies: list[float] = []
        lock = threading.Lock()

        def client_loop(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(REQUESTS_PER_CLIENT):
                after = encode_cursor(rng.randrange(0, CHANGES - 100))
                start = time.perf_counter()
                _request(base, f"/api/v1/changes?limit=100&after={after}", token)
                with lock:
                    latencies.append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        feed_seconds = time.perf_counter() - started

        # 3. Writes, one after the other, each kind in turn; then projection reads.
        def timed(method: str, path_and_body) -> list[float]:
            durations = []
            for number in range(WRITES):
                path, body = path_and_body(number)
                headers = {"Idempotency-Key": str(uuid.uuid4())} if body is not None else None
                start = time.perf_counter()
                _request(base, path, token, method, body, headers)
                durations.append((time.perf_counter() - start) * 1000)
            return durations

        writes = timed(
            "PUT",
            lambda n: (
                f"/api/v1/members/{1 + n % MEMBERS}",
                {"hours_per_week": str(10 + n % 20), "hourly_rate": "14.50"},
            ),
        )
        payslips = timed(
            "POST",
            lambda n: (
                "/api/v1/payslips",
                {
                    "member": str(1 + n % MEMBERS),
                    "period": "2026-10",
                    "gross": "1508.00",
                    "net": "1176.24",
                    "employer_cost": "1850.00",
                },
            ),
        )
        balances = timed(
            "PUT",
            lambda n: (
                f"/api/v1/members/{1 + n % MEMBERS}/balance",
                {"date": "2026-10-31", "amount": f"{5000 + n}.00"},
            ),
        )
        projections = timed(
            "GET", lambda n: (f"/api/v1/members/{1 + n % MEMBERS}/projection", None)
        )

    requests = CLIENTS * REQUESTS_PER_CLIENT
    sync_ok = "yes" if initial_sync < 30 and received == CHANGES else "**no**"

    def round_trip(label: str, durations: list[float], target: bool = True) -> str:
        p95 = harness.percentile(durations, 0.95)
        on_target = ("yes" if p95 < 20 else "**no**") if target else "—"
        return (
            f"| {label} | {len(durations)} | p50 {statistics.median(durations):.1f} ms, "
            f"p95 {p95:.1f} ms | {'p95 < 20 ms' if target else '—'} | {on_target} |"
        )

    return "\n".join(
        [
            "## Sync API",
            "",
            f"gunicorn, {WORKERS} sync workers, SQLite (WAL) on loopback; client threads in the "
            "same script on the same 2-core machine, so the figures include the client's cost.",
            "",
            "| Measure | Requests | Result | Target | On target |",
            "|---|---:|---:|---:|:---:|",
            f"| Initial sync of {CHANGES:,} changes (pages of 1,000) | {pages} "
            f"| {initial_sync:.1f} s ({received / initial_sync:,.0f} changes/s) | < 30 s "
            f"| {sync_ok} |",
            f"| Feed pages of 100, {CLIENTS} concurrent clients | {requests} "
            f"| {requests / feed_seconds:,.0f} req/s, p50 {statistics.median(latencies):.0f} ms, "
            f"p95 {harness.percentile(latencies, 0.95):.0f} ms | — | — |",
            round_trip("Write round trip (`PUT /members/{id}`, new key each)", writes),
            round_trip("Write round trip (`POST /payslips`, new key each)", payslips),
            round_trip("Write round trip (`PUT /members/{id}/balance`, new key each)", balances),
            round_trip("Read `GET /members/{id}/projection`", projections, target=False),
            "",
        ]
    )


if __name__ == "__main__":
    print(run())
