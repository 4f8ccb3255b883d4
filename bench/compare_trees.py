"""CPU per request and SQL statements of the entrepreneur pages, in process, for the heaviest
member of bench_portal's coop, in the checkout it runs from: run it from two checkouts in
turn (old, new, old, new) to compare commits on one machine, e.g.

    cd ../old && .venv/bin/python ../main/bench/compare_trees.py /tmp/old.json
    cd ../main && .venv/bin/python bench/compare_trees.py /tmp/new.json

It writes each page's median CPU time, its statements and their text (to diff) to OUT.json.
Not part of `make bench`: it measures one tree, and comparisons need two."""

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [".", "bench"]  # the checkout this runs from, not this file's

from sqlalchemy import event, text  # noqa: E402

import bench.bench_portal as seed  # noqa: E402
from portal import create_app  # noqa: E402


def measure(runs: int) -> dict:
    url, _, _ = seed.seeded_database(Path(tempfile.mkdtemp()))
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://localhost",
                      "SECRET_KEY": "compare" * 5, "WTF_CSRF_ENABLED": False})  # fmt: skip
    engine = app.extensions["database"].engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.connect() as connection:
        workshop = connection.execute(text("SELECT min(id) FROM workshops")).scalar()
    client = app.test_client()
    login = {"email": seed.HEAVY, "password": seed.PASSWORD}
    assert client.post("/login", data=login).status_code < 400
    hx = {"HX-Request": "true"}

    def book_then_cancel(c):
        c.post(f"/workshops/{workshop}/book", headers=hx)
        return c.post(f"/workshops/{workshop}/cancel", data={"confirmed": "1"}, headers=hx)

    pages = {
        "home": lambda c: c.get("/"),
        "invoice list": lambda c: c.get("/invoices"),
        "live totals": lambda c: c.post(
            "/invoices/totals",
            data=seed.TOTALS_BODY,
            headers=hx,
            content_type="application/x-www-form-urlencoded",
        ),
        "receipt list": lambda c: c.get("/receipts"),
        "workshops": lambda c: c.get("/workshops"),
        "meetings": lambda c: c.get("/meetings/"),
        "book then cancel a seat": book_then_cancel,
    }
    figures = {}
    for name, call in pages.items():
        for _ in range(5):  # warm caches, as a running server has them
            status = call(client).status_code
        assert status == 200, (name, status)
        statements.clear()
        call(client)
        sql = list(statements)
        samples = []
        for _ in range(runs):
            began = time.process_time()
            call(client)
            samples.append((time.process_time() - began) * 1000)
        figures[name] = {"cpu_ms_median": statistics.median(samples), "statements": sql}
        print(f"{name:24s} {statistics.median(samples):7.2f} ms  {len(sql)} statements")
    return figures


if __name__ == "__main__":
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    Path(sys.argv[1]).write_text(json.dumps(measure(runs), indent=1))
