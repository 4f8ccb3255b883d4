"""What the operator's view costs each request: the JSON log line, the request id, and the
Prometheus counter and histogram (portal/web/monitoring.py), measured in one process on the
empty logged-in page of bench/floor.py, with and without those hooks, in Prometheus'
multiprocess mode as under gunicorn (PROMETHEUS_MULTIPROC_DIR) and the log line written to
/dev/null (a journal's pipe costs a little more). CPU time of the process, not wall time: on
a shared machine other people's load would otherwise swamp a difference this small."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROUNDS = 7
REQUESTS = 400

PROBE = r"""
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from portal.cli import upgrade_database
import floor  # the portal plus /bench/empty, on PORTAL_DATABASE_URL
from portal.db import db
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.web import monitoring

app = floor.app
upgrade_database(app.config["DATABASE_URL"])
with app.app_context():
    create_member(db.session, email="bench@example.org", full_name="B", role=Role.ENTREPRENEUR,
                  status=MemberStatus.EMPLOYEE, password="bench password")
    db.session.commit()
app.config["WTF_CSRF_ENABLED"] = False
client = app.test_client()
assert client.post("/login", data={"email": "bench@example.org",
                                   "password": "bench password"}).status_code == 303
before, after = app.before_request_funcs[None], app.after_request_funcs[None]
hooks = (monitoring.start_clock, monitoring.log_and_count)

def per_request(monitored):
    app.before_request_funcs[None] = before if monitored else [f for f in before if f not in hooks]
    app.after_request_funcs[None] = after if monitored else [f for f in after if f not in hooks]
    started = time.process_time()  # CPU time: other people's load on the machine left out
    for _ in range(int(sys.argv[3])):
        assert client.get("/bench/empty").status_code == 200
    return (time.process_time() - started) / int(sys.argv[3]) * 1e6

per_request(True); per_request(False)  # warm up
samples = {True: [], False: []}
for _ in range(int(sys.argv[2])):
    for monitored in (True, False):
        samples[monitored].append(per_request(monitored))
print(json.dumps({str(k): statistics.median(v) for k, v in samples.items()}))
"""


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        metrics = Path(folder) / "metrics"
        metrics.mkdir()
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "PORTAL_PUBLIC_URL": "http://localhost",
            "PORTAL_SECRET_KEY": "bench",
            "PORTAL_DATA_DIR": f"{folder}/data",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
        result = subprocess.run(
            [sys.executable, "-c", PROBE, str(HERE), str(ROUNDS), str(REQUESTS)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True,
            cwd=HERE.parent,
        )  # fmt: skip
        return json.loads(result.stdout.splitlines()[-1])


def run() -> str:
    figures = measure()
    with_hooks, without = figures["True"], figures["False"]
    return (
        "## What the operator's view costs a request (`bench/bench_monitoring.py`)\n\n"
        f"The empty logged-in page (`bench/floor.py`) through Flask's test client, in one "
        f"process, median of {ROUNDS} rounds of {REQUESTS} requests each, interleaved:\n\n"
        "| | µs of CPU per request |\n| --- | --- |\n"
        f"| with the JSON log line, request id and metrics | {with_hooks:.0f} |\n"
        f"| without them | {without:.0f} |\n"
        f"| cost | {with_hooks - without:.0f} ({(with_hooks - without) / without:.0%}) |\n"
    )


if __name__ == "__main__":
    print(run())
