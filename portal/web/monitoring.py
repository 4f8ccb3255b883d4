"""What an operator watches: one JSON line per request on stderr (its id also sent to the
client as X-Request-ID), and Prometheus metrics served at /metrics (portal/web/views.py).

Under gunicorn each worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set (before
the first import of prometheus_client: the app server's systemd unit does) the workers write their
figures to files there and any of them serves the sum (gunicorn.conf.py forgets dead
workers)."""

import hmac
import ipaddress
import os
import re
import sys
import time
from datetime import UTC, datetime

import orjson
from flask import Flask, Request, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.engine import Engine

REQUESTS = Counter(
    "portal_requests",
    "Requests answered, by route, method and status",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "portal_request_duration_seconds",
    "Time from the request's arrival in the app to its committed answer, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Summed over the live workers of one app server: what it holds of the database's connections.
DB_IN_USE = Gauge(
    "portal_db_connections_in_use",
    "Database connections checked out of the pool (a request or command is using them)",
    multiprocess_mode="livesum",
)
DB_OPEN = Gauge(
    "portal_db_connections_open",
    "Database connections open (in use or idle in the pool)",
    multiprocess_mode="livesum",
)

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
STARTED = "portal_request_started"


def init_monitoring(app: Flask) -> None:
    """Register before the request's commit hook: after_request functions run in reverse
    order, so the log line and the latency include the commit."""
    app.before_request(start_clock)
    app.after_request(log_and_count)
    watch_pool(app.extensions["database"].engine)


def start_clock() -> None:
    g.setdefault(STARTED, time.perf_counter())


def request_id(current: Request) -> str:
    """The proxy's id for the request (nginx's $request_id, in its access log too) when a
    trusted proxy is in front and sent a plausible one; else a new one."""
    if current_app.config["PROXY_COUNT"]:
        given = current.headers.get("X-Request-ID", "")
        if REQUEST_ID.fullmatch(given):
            return given
    return os.urandom(16).hex()


def log_and_count(response: Response) -> Response:
    """Every request pays for this: orjson, one write, the request object looked up once."""
    current = request._get_current_object()
    started = g.get(STARTED)
    duration = time.perf_counter() - started if started is not None else 0.0
    rule = current.url_rule
    route = rule.rule if rule is not None else "<unmatched>"
    identifier = request_id(current)
    response.headers["X-Request-ID"] = identifier
    # Only a member the request has already loaded: a static file never reads the session.
    user = g.get("_login_user")
    member = user.id if user is not None and user.is_authenticated else None
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": identifier,
        "method": current.method,
        "route": route,
        "status": response.status_code,
        "duration_ms": round(duration * 1000, 2),
        "member": member,
        "client": current.remote_addr,
    }
    # One write of one line: lines from a server's workers never interleave on the pipe.
    sys.stderr.write(orjson.dumps(line).decode() + "\n")
    REQUESTS.labels(route, current.method, str(response.status_code)).inc()
    LATENCY.labels(route).observe(duration)
    return response


def watch_pool(engine: Engine) -> None:
    """Count the pool's connections as they open, close, and go to and from requests."""
    event.listen(engine, "connect", lambda *_: DB_OPEN.inc())
    event.listen(engine, "close", lambda *_: DB_OPEN.dec())
    event.listen(engine, "close_detached", lambda *_: DB_OPEN.dec())
    event.listen(engine, "checkout", lambda *_: DB_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_IN_USE.dec())


def metrics_allowed() -> bool:
    """Metrics name the portal's routes and load: for the operator's scraper only. It calls
    from an allowed address (loopback by default: the app server's own machine), as the app
    sees it (behind the proxy, the client's, which the proxy does not let a client forge),
    or sends `Authorization: Bearer <METRICS_TOKEN>`."""
    config = current_app.config
    token = config["METRICS_TOKEN"]
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if hmac.compare_digest(given.encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in config["METRICS_NETWORKS"])


def exposition(outbox: dict[str, int]) -> Response:
    """Every metric in Prometheus' text format: the request and pool figures of every worker
    of this app server, and the outbox's, read from the database at each scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    queue = CollectorRegistry()
    queue.register(_OutboxCollector(outbox))
    body = generate_latest(registry) + generate_latest(queue)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


class _OutboxCollector:
    DESCRIPTIONS = {
        "waiting": "Mail in the outbox waiting for delivery (new or to retry)",
        "retrying": "Mail whose last delivery failed, to be retried",
        "failed": "Mail given up after every attempt failed",
    }

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def collect(self):
        for name, description in self.DESCRIPTIONS.items():
            yield GaugeMetricFamily(f"portal_outbox_{name}", description, self.counts[name])
