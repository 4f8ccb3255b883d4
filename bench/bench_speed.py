"""Every entrepreneur page beside the portal's floor (issue 20): the heaviest entrepreneur of
bench_portal's coop, each page's throughput as a share of the empty logged-in page's
(`bench/floor.py`), a booking's as a share of the empty write's, the sync feed's page of 100
changes beside them too, side by side in one run, on
SQLite and (when PORTAL_BENCH_POSTGRES_URL names a scratch database) PostgreSQL; and the bytes
a phone downloads on a first and a repeat visit of the home page, as a bare gunicorn sends
them (the portal compresses and caches by itself)."""

import base64
import json
import os
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_portal  # noqa: E402
import harness  # noqa: E402

from portal.api.services import encode_cursor  # noqa: E402

SECONDS = int(os.environ.get("PORTAL_BENCH_SECONDS", "10"))
CLIENTS = 20
PAGE_TARGET = 0.50
FIRST_VISIT_TARGET = 30_000
ACCEPT = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends

EMPTY_PAGE = "control: empty logged-in page, before the first page"
BOOKING = "book / cancel a seat (htmx POST)"
WRITE_BEFORE = "control: empty write, just before the booking"
WRITE_AFTER = "control: empty write, just after the booking"


def _pages(workshop_id: int) -> dict[str, list[dict]]:
    form = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
    return {
        "home `/` (first screen)": [{"path": "/"}],
        "home: chart and details (htmx, after load)": [
            {"path": "/home/details", "headers": {"HX-Request": "true"}}
        ],
        "invoice list": [{"path": "/invoices"}],
        "receipt list": [{"path": "/receipts"}],
        "workshops": [{"path": "/workshops"}],
        "meetings": [{"path": "/meetings/"}],
        "live totals (htmx POST)": [
            {
                "method": "POST",
                "path": "/invoices/totals",
                "headers": form,
                "body": bench_portal.TOTALS_BODY,
            }
        ],
        "what-if (htmx)": [
            {"path": "/what-if?hours=30&gross=&extra=", "headers": {"HX-Request": "true"}}
        ],
        BOOKING: [
            {
                "method": "POST",
                "path": f"/workshops/{workshop_id}/book",
                "headers": form,
                "body": "",
            },
            {
                "method": "POST",
                "path": f"/workshops/{workshop_id}/cancel",
                "headers": form,
                "body": "confirmed=1",  # the answer to "Cancel your booking?"
            },
        ],
    }


# The sync feed as bench_portal loads it: pages of 100 invoice changes across the log.
FEED = "sync feed, 100 changes (bearer)"
FEED_PAGES = [
    {"path": f"/api/v1/changes?limit=100&after={encode_cursor(seq)}"}
    for seq in range(0, 40_000, 997)
]
# When issue 20 was filed (bench_portal, 2026-11-26 16:00, commit 7fd753d), the feed served
# 205 req/s beside the empty page's 2,343 in the same run: 8.7 %. The machine's speed has
# varied fourfold between runs since, so the target, 3 times that rate, is read against the
# empty page measured in the same run: 26 % of it.
FEED_SHARE_AT_FILING = 205 / 2_343
FEED_TARGET = 3 * FEED_SHARE_AT_FILING


def _token(base: str, client: dict) -> str:
    credentials = base64.b64encode(f"{client['client_id']}:{client['secret']}".encode()).decode()
    request = urllib.request.Request(  # noqa: S310 (loopback)
        base + "/oauth/token",
        data=b"grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())["access_token"]


def _get(browser: harness.Browser, path: str, headers: dict) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(browser.base + path, headers=headers)  # noqa: S310
    with browser.opener.open(request) as response:
        return response.status, response.headers, response.read()


def visit_bytes(browser: harness.Browser) -> dict:
    """Bytes on the wire (bodies as sent, compressed or not) for a first visit of `/`: the
    page, every static file it names, and the details htmx fetches after load; and for a
    repeat visit: the same less what the first visit's Cache-Control lets a browser keep."""
    headers = {**browser.headers(), **ACCEPT}
    _status, page_headers, page = _get(browser, "/", headers)
    html = _get(browser, "/", {"Cookie": browser.cookie})[2].decode()
    urls = sorted({url.split("#")[0] for url in re.findall(r'"(/static/[^"]+)"', html)})
    rows = {"HTML `/`": (len(page), page_headers.get("Content-Encoding") or "none", False)}
    statics_kept = True
    for url in urls:
        _status, asset_headers, body = _get(browser, url, headers)
        kept = "immutable" in (asset_headers.get("Cache-Control") or "")
        statics_kept = statics_kept and kept
        name = url.rsplit("/", 1)[-1]
        rows[f"`{name}`"] = (len(body), asset_headers.get("Content-Encoding") or "none", kept)
    details_headers = {**headers, "HX-Request": "true"}
    _status, details_meta, details = _get(browser, "/home/details", details_headers)
    encoding = details_meta.get("Content-Encoding") or "none"
    rows["chart and details (htmx, after load)"] = (len(details), encoding, False)
    first = sum(size for size, _encoding, _kept in rows.values())
    repeat = sum(size for size, _encoding, kept in rows.values() if not kept)
    return {
        "rows": rows,
        "first": first,
        "repeat": repeat,
        "statics_kept": statics_kept,
        "offline": offline_bytes(browser, headers, urls),
    }


def offline_bytes(browser: harness.Browser, headers: dict, fetched: list[str]) -> int:
    """What the installable app downloads once the page has loaded, for use without a
    connection (README, "On the phone"): the service worker, the files it keeps at install
    that the page did not fetch, the offline page, and the new-receipt form."""
    total = len(_get(browser, "/sw.js", headers)[2])
    worker = _get(browser, "/sw.js", {"Cookie": browser.cookie})[2]  # to read, uncompressed
    kept = json.loads(re.search(rb"var STATIC_FILES = (\[.*?\]);", worker).group(1))
    for path in [url for url in kept if url not in fetched] + ["/offline", "/receipts/new"]:
        total += len(_get(browser, path, headers)[2])
    return total


def measure(url: str, label: str, client: dict, folder: Path) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        workshop_id = connection.execute(text("SELECT min(id) FROM workshops")).scalar()
    engine.dispose()
    env = harness.server_env(
        url,
        str(folder / "data"),
        PORTAL_LOGIN_MAX_FAILURES="100000",
        PORTAL_API_RATE_LIMIT="1000000000",
    )
    with harness.gunicorn(env, app="floor:app", cwd_path=ROOT / "bench") as base:
        heavy = harness.log_in(base, bench_portal.HEAVY, bench_portal.PASSWORD)
        bookers = [
            harness.log_in(base, f"member{n}@bench.coop", bench_portal.PASSWORD)
            for n in range(bench_portal.BOOKERS)
        ]
        own = [{"Cookie": heavy.cookie, "X-CSRFToken": heavy.csrf_token}]
        writers = [{"Cookie": b.cookie, "X-CSRFToken": b.csrf_token} for b in bookers]
        form = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}
        empty_write = [{"method": "POST", "path": "/bench/write", "headers": form, "body": ""}]
        empty_page = [{"path": "/bench/empty"}]
        floors = [harness.run_wrk(base, empty_page, own, CLIENTS, SECONDS)]
        load = {EMPTY_PAGE: floors[0]}
        page_floors = {}

        def floor_after(name: str) -> None:
            """The empty page again, just after `name`: this machine's speed drifts within
            a minute, so a row's floor is the mean of the ones just before and after it."""
            floors.append(harness.run_wrk(base, empty_page, own, CLIENTS, SECONDS))
            page_floors[name] = (floors[-2].per_second + floors[-1].per_second) / 2

        for name, requests in _pages(workshop_id).items():
            if name != BOOKING:
                load[name] = harness.run_wrk(base, requests, own, CLIENTS, SECONDS)
                floor_after(name)
        # The booking's floor is the empty write, measured just before and just after it.
        load[WRITE_BEFORE] = harness.run_wrk(base, empty_write, writers, CLIENTS, SECONDS)
        load[BOOKING] = harness.run_wrk(
            base, _pages(workshop_id)[BOOKING], writers, CLIENTS, SECONDS
        )
        load[WRITE_AFTER] = harness.run_wrk(base, empty_write, writers, CLIENTS, SECONDS)
        page_floors[BOOKING] = (load[WRITE_BEFORE].per_second + load[WRITE_AFTER].per_second) / 2
        bearer = [{"Authorization": f"Bearer {_token(base, client)}"}]
        floors.append(harness.run_wrk(base, empty_page, own, CLIENTS, SECONDS))
        load[FEED] = harness.run_wrk(base, FEED_PAGES, bearer, CLIENTS, SECONDS)
        floor_after(FEED)
        sizes = visit_bytes(heavy)
    return {"label": label, "load": load, "floors": page_floors, "empty": floors, "sizes": sizes}


def _postgres_copy(url: str) -> dict:
    """bench_portal's coop, seeded into the scratch database (emptied first)."""
    from tests.helpers import reset_database

    reset_database(url)
    return bench_portal._seed(url)


def report(results: list[dict]) -> str:
    lines = [
        "## Every entrepreneur page beside the floor (issue 20)",
        "",
        f"bench_portal's coop, as its heaviest entrepreneur ({bench_portal.HEAVY_INVOICES:,} "
        f"invoices, {bench_portal.HEAVY_RECEIPTS:,} receipts, no balance from the back "
        f"office); gunicorn, {harness.PRODUCTION_WORKERS} sync workers, serving "
        f"`bench/floor.py` (the portal plus its two empty requests); `wrk`, {CLIENTS} "
        f"connections, {SECONDS} s per row, on the same 2 cores. Each page's throughput is "
        "a share of the empty logged-in page's, a booking's of the empty write's: its floor, "
        "the mean of the two measured just before and just after it, in the same run (the "
        "machine's speed drifts within a minute; the floor's rows between the pages are "
        "summed up under the table). wrk asks "
        "for no compression. wrk repeats the same requests while "
        "nothing is written, so home, details, invoices, receipts, workshops and meetings are "
        "served from the pages each app process keeps (`portal/web/page_cache.py`) after its "
        "first request, as a member reopening the app between two writes gets them; live "
        "totals are computed each time, and so is the what-if's salary, from the member's "
        "movements, the coop's terms and the months of margin they make, kept the same way "
        "(`kept_value`). The sync feed's target is 3 times "
        f"its rate when issue 20 was filed, {FEED_SHARE_AT_FILING:.1%} of the empty page's "
        "in that run (205 against 2,343 req/s), so 3 times that share.",
        "",
        "| database | page | req/s | p50 ms | p95 ms | failed | floor req/s | vs floor "
        "| target | on target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for result in results:
        load, floors = result["load"], result["floors"]
        for name, figures in load.items():
            control = name.startswith("control")
            if control:
                floor = floors[BOOKING] if "write" in name else load[EMPTY_PAGE].per_second
            else:
                floor = floors[name]
            share = figures.per_second / floor
            target = FEED_TARGET if name == FEED else PAGE_TARGET
            verdict = "—" if control else _yes(share >= target and not figures.failures)
            lines.append(
                f"| {result['label']} | {name} | {figures.per_second:,.0f} "
                f"| {figures.p50_ms:.1f} | {figures.p95_ms:.1f} | {figures.failures} "
                f"| {'—' if control else f'{floor:,.0f}'} | {share:.0%} "
                f"| {'—' if control else f'≥ {target:.0%}'} | {verdict} |"
            )
    lines.append("")
    for result in results:
        rates = [figures.per_second for figures in result["empty"]]
        lines.append(
            f"{result['label']}: the empty logged-in page, measured {len(rates)} times, before the "
            f"first page and after each, served {min(rates):,.0f} to {max(rates):,.0f} req/s "
            f"({', '.join(f'{rate:,.0f}' for rate in rates)})."
        )
    sizes = results[0]["sizes"]
    lines += [
        "",
        f"Bytes of the home page as a phone gets them from a bare gunicorn ({results[0]['label']}"
        f"; `Accept-Encoding: {ACCEPT['Accept-Encoding']}`); a repeat visit downloads what "
        "the first visit's `Cache-Control` did not let the browser keep:",
        "",
        "| what | bytes on the wire | encoding | kept for the repeat visit |",
        "|---|---:|---|:---:|",
    ]
    for name, (size, encoding, kept) in sizes["rows"].items():
        lines.append(f"| {name} | {size:,} | {encoding} | {'yes' if kept else 'no'} |")
    lines += [
        f"| **first visit** | **{sizes['first']:,}** | target < 30 KB "
        f"| {_yes(sizes['first'] < FIRST_VISIT_TARGET)} |",
        f"| **repeat visit** | **{sizes['repeat']:,}** | target: no static file again "
        f"| {_yes(sizes['statics_kept'])} |",
        "",
        f"Then, once the page has loaded, the installable app downloads {sizes['offline']:,} "
        "bytes more in the background, once per release, for use without a connection: the "
        "service worker, the static files it keeps that the home page did not ask for (the "
        "receipt pages' scripts, the home-screen icons), the offline page and the "
        "new-receipt form.",
    ]
    return "\n".join(lines) + "\n"


# What the profiles led to change (issue 20), measured in-process on 2026-12-02: kept beside
# this module because each run of `make bench` rewrites RESULTS.md with the code as it is.
CHANGES = Path(__file__).with_name("issue20_changes.md")


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def run() -> str:
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as name:
        folder = Path(name)
        url, client, _seconds = bench_portal.seeded_database(folder)
        results.append(measure(url, "SQLite", client, folder))
    postgres = os.environ.get("PORTAL_BENCH_POSTGRES_URL")
    if postgres:
        with tempfile.TemporaryDirectory(prefix="bench-speed-") as name:
            client = _postgres_copy(postgres)
            results.append(measure(postgres, "PostgreSQL", client, Path(name)))
    text = report(results) + "\n" + CHANGES.read_text()
    if not postgres:
        text += "\nPostgreSQL not measured: set PORTAL_BENCH_POSTGRES_URL to a scratch database.\n"
    return text


if __name__ == "__main__":
    print(run())
