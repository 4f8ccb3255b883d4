"""The production topology, started from deploy/'s files by deploy/stack.py (`make stack`):
nginx with TLS in front of two gunicorn app servers, the worker, PostgreSQL. Every request
goes through the proxy as a member's browser sends it; one app server is killed while
members book seats and the support team validates invoices, then started again.

Needs Debian's nginx, openssl and PostgreSQL server: without them the test is skipped, which
fails the run in CI (.ci/run installs them)."""

import contextlib
import json
import re
import shutil
import socket
import ssl
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from deploy.stack import Ports, Stack
from portal import create_app
from portal.audit.models import AuditEvent
from portal.coop.services import update_coop_settings
from portal.db import db, utcnow
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Invoice, InvoiceStatus
from portal.sales.services import InvoiceInput, create_invoice, submit_invoice
from portal.sales.totals import LineInput
from portal.workshops.models import Booking, BookingStatus
from portal.workshops.services import create_or_update_workshop
from tests.helpers import PASSWORD

pytestmark = pytest.mark.stack

MEMBERS = 8
SEATS = 5
INVOICES_EACH = 3
# Forged client addresses a member sends through the proxy.
FORGED = ["203.0.113.7", "198.51.100.23", "10.0.0.1", "127.0.0.1"]
# The members' browsers connect from another loopback address than nginx's own (127.0.0.1)
# connections to the app servers: the address the app sees tells which one it believed.
CLIENT = "127.0.0.2"


class FromClientAddress(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **{**kwargs, "source_address": (CLIENT, 0)})


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="module")
def stack():
    missing = [p for p in ("nginx", "openssl", "runuser") if not shutil.which(p)]
    if missing or not Path("/usr/lib/postgresql").exists():
        pytest.skip(f"needs nginx, openssl and postgresql (missing: {missing or 'postgresql'})")
    https, http, app0, app1, postgres = _free_ports(5)
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="portal-stack-test-")),
        Ports(https=https, http=http, apps=(app0, app1), postgres=postgres),
        settings={"PORTAL_LOGIN_MAX_FAILURES": "3"},
        demo=False,
        durable=False,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def app(stack):
    """The portal in this process on the stack's database: to seed it and check it."""
    app = create_app(
        {"DATABASE_URL": stack.database_url, "PUBLIC_URL": stack.url, "SECRET_KEY": "seed"}
    )
    yield app
    app.extensions["database"].engine.dispose()


@pytest.fixture(scope="module")
def coop(app):
    """Entrepreneurs with submitted invoices, two of the support team, a workshop."""
    with app.app_context():
        session = db.session
        update_coop_settings(
            session, legal_name="Coop", siren="732829320", vat_number="FR44732829320"
        )
        staff = [
            create_member(
                session, email=f"staff{n}@example.org", full_name=f"Staff {n}",
                role=Role.STAFF, password=PASSWORD,
            ).email
            for n in range(2)
        ]  # fmt: skip
        entrepreneurs, invoices = [], []
        for n in range(MEMBERS):
            member = create_member(
                session, email=f"member{n}@example.org", full_name=f"Member {n}",
                role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE, password=PASSWORD,
                activities=("Conseil",),
            )  # fmt: skip
            customer = create_customer(session, member, CustomerInput(name="C", siren="542107651"))
            for _ in range(INVOICES_EACH):
                invoice, _created = create_invoice(
                    session,
                    member,
                    InvoiceInput(
                        customer=customer, issue_date=date(2026, 11, 2), due_date=None,
                        lines=[LineInput("x", Decimal(1), Decimal(100), Decimal(20))],
                    ),
                )  # fmt: skip
                submit_invoice(session, invoice, utcnow())
                invoices.append(invoice.id)
            entrepreneurs.append(member.email)
        create_member(
            session, email="throttled@example.org", full_name="T", role=Role.ENTREPRENEUR,
            status=MemberStatus.EMPLOYEE, password=PASSWORD,
        )  # fmt: skip
        starts_at = utcnow() + timedelta(days=7)
        workshop = create_or_update_workshop(
            session,
            None,
            {
                "title": "Stack",
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=2),
                "seats": SEATS,
            },
        )
        session.commit()
        return {
            "staff": staff,
            "entrepreneurs": entrepreneurs,
            "invoices": invoices,
            "workshop": workshop.id,
        }


class Browser:
    """A member's browser through the proxy: cookies, the page's CSRF token, the
    self-signed certificate trusted."""

    def __init__(self, stack: Stack) -> None:
        self.base = stack.url
        self.http = requests.Session()
        self.http.mount("https://", FromClientAddress())
        # Per request: REQUESTS_CA_BUNDLE in the environment would win over the session's.
        self.options = {"verify": str(stack.certificate), "allow_redirects": False, "timeout": 60}
        self.csrf = ""

    def get(self, path: str, **kwargs) -> requests.Response:
        response = self.http.get(self.base + path, **self.options, **kwargs)
        # The login form's hidden field, or the token every page hands to htmx.
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.text) or re.search(
            r'"X-CSRFToken": "([^"]+)"', response.text
        )
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        data = {"csrf_token": self.csrf, **(data or {})}
        # As a browser on the portal's pages: over HTTPS, CSRF protection wants the same
        # origin in the Referer, which the app checks against the host and port nginx names.
        headers = {"Referer": f"{self.base}/", **kwargs.pop("headers", {})}
        return self.http.post(
            self.base + path, data=data, headers=headers, **self.options, **kwargs
        )

    def log_in(self, email: str, password: str = PASSWORD, **kwargs) -> requests.Response:
        self.get("/login")
        return self.post("/login", {"email": email, "password": password}, **kwargs)


def _logged_in(stack, email: str) -> Browser:
    browser = Browser(stack)
    response = browser.log_in(email)
    assert response.status_code == 303, response.text
    browser.get("/")
    return browser


def _metrics(port: int) -> str:
    response = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=30)
    assert response.status_code == 200
    return response.text


def _count(metrics: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    total = 0.0
    for line in metrics.splitlines():
        named = line.startswith((name + "{", name + " "))
        if named and all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_tls_http2_compression_and_static_files_from_the_proxy(stack):
    context = ssl.create_default_context(cafile=str(stack.certificate))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", stack.ports.https)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"
    browser = Browser(stack)
    css = browser.get("/static/css/portal.css", headers={"Accept-Encoding": "gzip"})
    assert css.status_code == 200
    assert css.headers["Content-Encoding"] == "gzip"
    assert "max-age=" in css.headers["Cache-Control"]
    assert "X-Request-ID" not in css.headers  # nginx served it, no app server
    plain = requests.get(
        f"http://127.0.0.1:{stack.ports.http}/login", allow_redirects=False, timeout=30
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"{stack.url}/login"
    # The upload limit is nginx's too: a body past 16 MiB never reaches an app server.
    too_big = browser.post("/login", files={"photo": ("a.jpg", b"0" * (17 * 2**20))})
    assert too_big.status_code == 413


def test_login_through_the_proxy_gets_hsts_secure_cookies_and_a_logged_request_id(stack, coop):
    browser = Browser(stack)
    page = browser.get("/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    response = browser.post("/login", {"email": coop["staff"][0], "password": PASSWORD})
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert "portal_session=" in cookie
    assert "; Secure" in cookie
    home = browser.get("/")
    assert home.status_code == 200
    request_id = home.headers["X-Request-ID"]
    # One JSON line per request, in the app server that answered: route, status, duration,
    # and the member as their id, never their email.
    lines = [
        json.loads(line)
        for name in ("app0", "app1")
        for line in stack.log(name).read_text().splitlines()
        if request_id in line
    ]
    assert len(lines) == 1
    line = lines[0]
    assert line["route"] == "/" and line["status"] == 200 and line["duration_ms"] > 0
    assert isinstance(line["member"], int)
    assert coop["staff"][0] not in json.dumps(line)
    assert line["client"] == CLIENT  # nginx's X-Forwarded-For, not nginx itself


def test_forged_forwarded_for_changes_neither_throttling_nor_the_recorded_address(stack, app, coop):
    """Three failures for one account from one address lock that address out
    (PORTAL_LOGIN_MAX_FAILURES=3 here). A client sending a new X-Forwarded-For each time
    would never be locked out if the app believed it: nginx replaces the header, and the
    app trusts that one hop only; it records the client's address, not nginx's."""
    browser = Browser(stack)
    for forged in FORGED[:3]:
        refused = browser.log_in(
            "throttled@example.org", "wrong", headers={"X-Forwarded-For": forged}
        )
        assert refused.status_code == 200
    right_password = browser.log_in(
        "throttled@example.org", PASSWORD, headers={"X-Forwarded-For": FORGED[3]}
    )
    assert right_password.status_code == 200
    assert "Too many failed attempts" in right_password.text or "Trop de" in right_password.text
    with app.app_context():
        addresses = set(
            db.session.scalars(
                select(AuditEvent.ip).where(AuditEvent.subject_label == "throttled@example.org")
            )
        )
    assert addresses == {CLIENT}


def test_metrics_for_the_operator_only(stack):
    assert Browser(stack).get("/metrics").status_code == 404  # through the proxy: refused
    metrics = _metrics(stack.ports.apps[0])
    for name in (
        "portal_requests_total",
        "portal_request_duration_seconds_bucket",
        "portal_outbox_waiting",
        "portal_outbox_failed",
        "portal_db_connections_in_use",
        "portal_db_connections_open",
    ):
        assert f"\n{name}" in metrics, name
    ready = requests.get(f"{stack.url}/readyz", verify=str(stack.certificate), timeout=30)
    assert ready.json() == {"status": "ready", "database": "ok", "queue": "ok"}


def _book_and_validate(coop, invoices: list[int], browsers: dict, results: list) -> list:
    """Every entrepreneur books a seat while both staff validate `invoices`, all at once;
    each request's (kind, key, status) in `results`, in the order they ended."""
    barrier = threading.Barrier(len(coop["entrepreneurs"]) + 2)

    def book(email: str) -> None:
        barrier.wait()
        response = browsers[email].post(f"/workshops/{coop['workshop']}/book")
        results.append(("book", email, response.status_code))

    def validate(email: str, mine: list[int]) -> None:
        barrier.wait()
        for invoice_id in mine:
            # The answer to "Validate and number this invoice?"
            answer = {"confirmed": "1"}
            response = browsers[email].post(f"/invoices/{invoice_id}/validate", answer)
            results.append(("validate", invoice_id, response.status_code))

    threads = [threading.Thread(target=book, args=(e,)) for e in coop["entrepreneurs"]]
    for n, email in enumerate(coop["staff"]):
        threads.append(threading.Thread(target=validate, args=(email, invoices[n::2])))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_both_app_servers_serve_and_one_dies_without_losing_or_doubling_anything(stack, app, coop):
    everyone = [*coop["staff"], *coop["entrepreneurs"]]
    browsers = {email: _logged_in(stack, email) for email in everyone}
    half = len(coop["invoices"]) // 2
    first = _book_and_validate(coop, coop["invoices"][:half], browsers, [])
    assert {status for *_, status in first} == {303}
    book_route = {"route": "/workshops/<int:workshop_id>/book", "method": "POST"}
    validate_route = {"route": "/invoices/<int:invoice_id>/validate", "method": "POST"}
    for port in stack.ports.apps:  # round robin: both servers took writes
        metrics = _metrics(port)
        assert _count(metrics, "portal_requests_total", **book_route) >= 1
        assert _count(metrics, "portal_requests_total", **validate_route) >= 1

    # The rest of the invoices while app server 0 dies: requests it was answering may fail
    # (502: nginx never sends a write twice), every request after its death succeeds.
    for email in coop["entrepreneurs"]:  # free the seats to book them again
        cancel = f"/workshops/{coop['workshop']}/cancel"
        assert browsers[email].post(cancel, {"confirmed": "1"}).status_code == 303
    killed = threading.Event()
    after_kill: list[int] = []
    reader = _logged_in(stack, coop["entrepreneurs"][0])
    second: list[tuple] = []

    def kill_in_the_middle() -> None:
        while len(second) < 3:
            time.sleep(0.01)
        stack.kill_app(0)
        killed.set()

    def keep_reading() -> None:
        while not killed.is_set():
            # A read the kill cuts mid-answer fails, as a write may.
            with contextlib.suppress(
                requests.ConnectionError, requests.exceptions.ChunkedEncodingError
            ):
                reader.get("/workshops")
        for _ in range(20):
            after_kill.append(reader.get("/workshops").status_code)

    load = threading.Thread(target=keep_reading)
    load.start()
    killer = threading.Thread(target=kill_in_the_middle)
    killer.start()
    _book_and_validate(coop, coop["invoices"][half:], browsers, second)
    killer.join()
    load.join()
    assert after_kill == [200] * 20
    assert {status for *_, status in second} <= {303, 502}
    # A person whose request failed sends it again: it succeeds, and nothing is doubled.
    answer = {"confirmed": "1"}  # to "Validate and number this invoice?"
    for kind, key, status in second:
        if status == 502:
            retry = (
                browsers[key].post(f"/workshops/{coop['workshop']}/book")
                if kind == "book"
                else browsers[coop["staff"][0]].post(f"/invoices/{key}/validate", answer)
            )
            assert retry.status_code == 303

    stack.start_apps([0])
    # Back in nginx's rotation once its fail_timeout has passed: it answers again.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert reader.get("/workshops").status_code == 200
        if _count(_metrics(stack.ports.apps[0]), "portal_requests_total", route="/workshops"):
            break
        time.sleep(0.2)
    else:
        pytest.fail("the restarted app server never got a request from nginx")

    with app.app_context():
        session = db.session
        bookings = session.execute(
            select(Booking.member_id, Booking.status).where(
                Booking.workshop_id == coop["workshop"], Booking.status != BookingStatus.CANCELLED
            )
        ).all()
        statuses = [status for _member, status in bookings]
        assert len({member for member, _status in bookings}) == len(bookings) == MEMBERS
        assert statuses.count(BookingStatus.CONFIRMED) == SEATS
        assert statuses.count(BookingStatus.WAITING) == MEMBERS - SEATS
        numbers = session.scalars(
            select(Invoice.number_sequence).where(Invoice.id.in_(coop["invoices"]))
        ).all()
        assert sorted(numbers) == list(range(1, len(coop["invoices"]) + 1))
        validated = session.scalar(
            select(func.count()).where(
                Invoice.id.in_(coop["invoices"]), Invoice.status == InvoiceStatus.VALIDATED
            )
        )
        assert validated == len(coop["invoices"])


def test_the_worker_runs_beside_the_app_servers(stack):
    log = stack.log("worker")
    assert '"event":"worker_started"' in log.read_text()
    assert '"event":"audit_purged"' in log.read_text()  # at its start
    # The mail of the members' bookings, handed over by the app servers through the queue
    # (PORTAL_QUEUE_URL of deploy/portal.env), printed by the worker: no mail server here.
    for _ in range(300):
        if "no PORTAL_SMTP_HOST, mail not sent; to " in log.read_text():
            break
        time.sleep(0.1)
    assert '"event":"mail_delivered"' in log.read_text()
    assert "no PORTAL_SMTP_HOST, mail not sent; to " in log.read_text()
