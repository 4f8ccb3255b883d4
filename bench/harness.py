"""What the HTTP benchmarks share: gunicorn on a free loopback port, a logged-in browser's
cookie and CSRF token, the `wrk` load generator, SQL statement counts and percentiles.

gunicorn is started the way production runs it (README: sync workers, `portal:create_app()`),
from this virtual environment, on 127.0.0.1 only."""

import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same SQL statement counter as the tests, for the benchmarks (harness.count_queries).
from tests.helpers import count_queries  # noqa: E402, F401

# Where `make bench` installs what is not Python (Lighthouse) and keeps seeded databases.
CACHE = Path(os.environ.get("PORTAL_BENCH_CACHE", ROOT / ".cache" / "bench"))
SECRET_KEY = "bench"  # noqa: S105 (throwaway databases on loopback)
GUNICORN_CONFIG = ROOT / "gunicorn.conf.py"  # the README's, for every server measured
PRODUCTION_WORKERS = os.cpu_count() or 2  # README, "Deployment": one sync worker per core


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` percentile (0.95 for p95), interpolated like statistics.quantiles."""
    if len(samples) < 2:
        return samples[0] if samples else float("nan")
    return statistics.quantiles(samples, n=100)[round(fraction * 100) - 1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, path: str = "/healthz", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + path, timeout=2).close()  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer {base}{path}")


def server_env(url: str, data_dir: str | None = None, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_SMTP_HOST": "",
        "PORTAL_PUBLIC_URL": "http://127.0.0.1",
        **extra,
    }
    if data_dir:
        env["PORTAL_DATA_DIR"] = data_dir
    return env


@contextmanager
def gunicorn(
    env: dict[str, str],
    app: str = "portal:create_app()",
    workers: int = PRODUCTION_WORKERS,
    threads: int = 1,
    health: str = "/healthz",
    cwd_path: Path = ROOT,
):
    """Serve `app` with gunicorn on a free loopback port; yields the base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).with_name("gunicorn")), "--config", str(GUNICORN_CONFIG),
        "--workers", str(workers), "--threads", str(threads),
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=cwd_path, env=env)
    try:
        wait_until_up(base, health)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass(frozen=True)
class Browser:
    """A logged-in member as a browser holds them: the session cookie and the CSRF token
    the page hands to htmx."""

    base: str
    cookie: str
    csrf_token: str
    opener: urllib.request.OpenerDirector

    def headers(self, htmx: bool = False) -> dict[str, str]:
        headers = {"Cookie": self.cookie, "X-CSRFToken": self.csrf_token}
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})  # noqa: S310
        with self.opener.open(request) as response:
            return response.status, dict(response.headers), response.read()


def log_in(base: str, email: str, password: str) -> Browser:
    """Log in through the real form, as a browser does."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": email, "password": password}
    opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    home = opener.open(f"{base}/").read().decode()
    # The token htmx sends, from <body hx-headers>; the login form's one works as well.
    found = re.search(r"X-CSRFToken\W+([\w.-]+)", home)
    csrf = found.group(1) if found else token
    return Browser(base, cookie, csrf, opener)


# --- wrk ----------------------------------------------------------------------------------

WRK_SCRIPT = r"""
-- Filled in from Python: the requests to cycle through and per-thread headers.
local requests = __REQUESTS__
local identities = __IDENTITIES__
local counter = 0
local next_thread = 1

function setup(thread)
  thread:set("identity", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  local mine = identities[((identity or 1) - 1) % #identities + 1]
  prepared = {}
  for i, r in ipairs(requests) do
    local headers = {}
    for k, v in pairs(r.headers) do headers[k] = v end
    for k, v in pairs(mine) do headers[k] = v end
    prepared[i] = wrk.format(r.method, r.path, headers, r.body)
  end
end

function request()
  counter = counter + 1
  return prepared[(counter - 1) % #prepared + 1]
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "non_2xx": %d, ' ..
    '"errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    s.status, s.connect + s.read + s.write + s.timeout))
end
"""


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    if value is None:
        return "nil"
    return json.dumps(str(value))  # a JSON string literal is a valid Lua string literal


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    failures: int  # non-2xx/3xx answers and socket errors

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def wrk_path() -> str:
    path = shutil.which("wrk")
    if not path:
        raise RuntimeError("wrk is missing: `apt-get install wrk` (make bench does it as root)")
    return path


def run_wrk(
    base: str,
    requests: list[dict],
    identities: list[dict[str, str]] | None = None,
    connections: int = 20,
    seconds: int = 10,
) -> Load:
    """Load `base` with `connections` clients (one wrk thread each, so each client keeps its
    own identity) cycling through `requests` ({method, path, headers, body}) for `seconds`."""
    requests = [{"method": "GET", "headers": {}, "body": None, **request} for request in requests]
    script = WRK_SCRIPT.replace("__REQUESTS__", _lua(requests)).replace(
        "__IDENTITIES__", _lua(identities or [{}])
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        output = subprocess.run(
            [wrk_path(), "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s",
             "--timeout", "10s", "-s", file.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(file.name)
    figures = json.loads(output.strip().splitlines()[-1])
    return Load(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        failures=figures["non_2xx"] + figures["errors"],
    )
