"""Real servers on loopback for concurrency tests and benchmarks: gunicorn processes or a
threaded werkzeug server on one database, logged-in members to drive them, and an SMTP
server that keeps what it receives.

Members get login sessions and signed cookies made directly (no password hashing: seeding
200 members stays fast), with a valid CSRF token, so requests go through the real stack."""

import http.client
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from itsdangerous import URLSafeTimedSerializer
from werkzeug.serving import make_server

from portal import create_app
from portal.auth.services import start_login_session
from portal.db import db, utcnow
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.workshops.services import create_or_update_workshop

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "load test secret"


@dataclass(frozen=True)
class Visitor:
    """A logged-in member as an HTTP client sees them."""

    member_id: int
    cookie: str
    csrf_token: str

    def headers(self) -> dict[str, str]:
        return {
            "Cookie": self.cookie,
            "X-CSRFToken": self.csrf_token,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }


def config(url: str) -> dict:
    # Served on 127.0.0.1 and driven by test clients (whose Host is "localhost").
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "SMTP_HOST": None,
        "PUBLIC_URL": "http://127.0.0.1",
        "TRUSTED_HOSTS": ["127.0.0.1", "localhost"],
    }


def seed_workshop_and_visitors(url: str, members: int, seats: int) -> tuple[int, list[Visitor]]:
    """A workshop a week from now with `seats` seats, and `members` logged-in entrepreneurs."""
    app = create_app(config(url))
    serializer = app.session_interface.get_signing_serializer(app)
    csrf = URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token")
    visitors = []
    with app.app_context():
        session = db.session
        starts_at = utcnow() + timedelta(days=7)
        workshop = create_or_update_workshop(
            session,
            None,
            {
                "title": "Load test",
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=2),
                "seats": seats,
            },
        )
        for number in range(members):
            member = create_member(
                session,
                email=f"load{number}@example.org",
                full_name=f"Load {number}",
                role=Role.ENTREPRENEUR,
                status=MemberStatus.EMPLOYEE,
            )
            token = start_login_session(session, member, utcnow(), True, timedelta(days=1))
            raw_csrf = secrets.token_hex(20)
            cookie = serializer.dumps({"_user_id": token, "_fresh": True, "csrf_token": raw_csrf})
            visitors.append(Visitor(member.id, f"portal_session={cookie}", csrf.dumps(raw_csrf)))
        session.commit()
        workshop_id = workshop.id
    app.extensions["database"].engine.dispose()
    return workshop_id, visitors


def logged_in_app(url: str, email: str, seats: int = 5):
    """On a committed database: a workshop of `seats` seats, the app (CSRF off) and a test
    client logged in through the login form as the entrepreneur `email`."""
    from tests.helpers import PASSWORD, login

    workshop_id, _nobody = seed_workshop_and_visitors(url, 0, seats)
    app = create_app({**config(url), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        create_member(
            db.session, email=email, full_name=email.split("@")[0].title(),
            role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE, password=PASSWORD,
        )  # fmt: skip
        db.session.commit()
    client = app.test_client()
    assert login(client, email).status_code == 303
    return app, client, workshop_id


class Inbox:
    """An SMTP server's handler that keeps what it receives; `gate`, when set, holds each
    message until it is opened."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.received: list = []
        self.gate = gate
        self.waiting = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if self.gate is not None:
            self.waiting.set()
            self.gate.wait(30)
        self.received.append(envelope)
        return "250 OK"


@contextmanager
def smtp_server(inbox: Inbox):
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextmanager
def portal_worker(url: str, queue_url: str, log: Path, settings: dict | None = None):
    """`portal worker` in a process of its own on the database `url` and the queue
    `queue_url`, its output in `log`; back once it serves. SIGTERM at the end."""
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_QUEUE_URL": queue_url,
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_SMTP_HOST": "",
        "PORTAL_PUBLIC_URL": "http://127.0.0.1",
        **(settings or {}),
    }
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "portal"), "worker"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b'"event":"worker_started"' not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/healthz", {})[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


@contextmanager
def gunicorn(url: str, workers: int = 1, threads: int = 8, settings: dict | None = None):
    """One gunicorn process (with `workers` workers) on a free loopback port; `settings` are
    more PORTAL_* variables."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": SECRET_KEY,
        "PORTAL_SMTP_HOST": "",
        "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **(settings or {}),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "portal:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def closing_responses(app):
    """Wrap `app` so that every response body gets closed. When a browser drops a connection
    mid-response, werkzeug's server reads the dead socket before closing the body, fails
    there and never closes it: a static file stays open (a ResourceWarning, an error under
    pytest). A generator's `finally` also runs when the abandoned generator is collected."""

    def wsgi(environ, start_response):
        body = app(environ, start_response)

        def closing():
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return closing()

    return wsgi


@contextmanager
def serve(app):
    """`app` in this process on a free loopback port, one thread per request (werkzeug's
    threaded server); yields the port."""
    server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["database"].engine.dispose()


@contextmanager
def threaded_server(url: str):
    """The app on `url` in this process, one thread per request."""
    with serve(create_app(config(url))) as port:
        yield port


def request(port: int, method: str, path: str, headers: dict, body: str = "") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def book_all_at_once(ports: list[int], workshop_id: int, visitors: list[Visitor]) -> list[int]:
    """Every visitor asks for a seat at the same instant, spread over the servers; returns
    the status codes."""
    barrier = threading.Barrier(len(visitors))
    statuses: list[int] = [0] * len(visitors)

    def book(index: int, visitor: Visitor) -> None:
        barrier.wait()
        port = ports[index % len(ports)]
        try:
            statuses[index] = request(
                port, "POST", f"/workshops/{workshop_id}/book", visitor.headers()
            )[0]
        except OSError:
            statuses[index] = -1

    threads = [
        threading.Thread(target=book, args=(index, visitor))
        for index, visitor in enumerate(visitors)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
