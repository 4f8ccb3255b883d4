"""Uploads beside logins: a burst of 6 parallel photo uploads while 20 members log in.

Issue 16: 6 parallel uploads of a 150 KB PNG of 40 megapixels made other members' logins
fail with 503 after 5 s (the uploads decoded inside SQLite's write lock). Target: no login
fails. The portal is served by gunicorn as in production (README: one sync worker per core)
on a SQLite file, on loopback; uploads and logins are real HTTP requests (multipart form,
login form with its CSRF token), all started at the same instant. Two bursts: the issue's
40 MP PNG (refused from its header now), and PNGs of 24 MP, the largest accepted, each
decoded and re-encoded in full. `make bench` calls `run()`."""

import http.client
import io
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import harness  # noqa: E402

UPLOADS = 6
LOGINS = 20
PASSWORD = "bench password"  # noqa: S105 (a throwaway bench database)
# (label, width, height): flat colours, so the PNGs are small on the wire.
PHOTOS = (
    ("40 MP PNG (the issue's)", 8000, 5000),
    ("24 MP PNG (largest accepted)", 6000, 4000),
)


def flat_png(width: int, height: int) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (240, 240, 230)).save(buffer, "PNG")
    return buffer.getvalue()


def seed(url: str) -> int:
    """Uploaders and members who will log in; returns the id of a receipt category."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from portal import create_app
    from portal.cli import upgrade_database
    from portal.db import db
    from portal.expenses.models import ExpenseCategory
    from portal.members.models import MemberStatus, Role
    from portal.members.services import create_member

    upgrade_database(url)
    app = create_app({"DATABASE_URL": url, "PUBLIC_URL": "http://127.0.0.1", "SECRET_KEY": "bench"})
    with app.app_context():
        for kind, count in (("uploader", UPLOADS), ("member", LOGINS)):
            for number in range(count):
                create_member(
                    db.session, email=f"{kind}{number}@example.org", full_name=f"{kind} {number}",
                    role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE, password=PASSWORD,
                )  # fmt: skip
        category = db.session.scalar(
            select(ExpenseCategory.id).where(ExpenseCategory.for_mileage.is_(False)).limit(1)
        )
        db.session.commit()
    app.extensions["database"].engine.dispose()
    return category


def _request(port: int, method: str, path: str, headers: dict, body: bytes = b""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        connection.close()


def login_form(port: int) -> tuple[str, str]:
    """A fresh visitor's session cookie and the login form's CSRF token."""
    _status, cookie, page = _request(port, "GET", "/login", {})
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return cookie.split(";", 1)[0], token


def multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def burst(port: int, category: int, photo: bytes) -> dict:
    uploaders = [
        harness.log_in(f"http://127.0.0.1:{port}", f"uploader{n}@example.org", PASSWORD)
        for n in range(UPLOADS)
    ]
    forms = [login_form(port) for _ in range(LOGINS)]
    barrier = threading.Barrier(UPLOADS + LOGINS)
    uploads: list[str] = []
    logins: list[tuple[int, float]] = []

    def upload(browser) -> None:
        fields = {
            "csrf_token": browser.csrf_token, "idempotency_key": secrets.token_hex(16),
            "spent_on": time.strftime("%Y-%m-%d"), "supplier": "Bench", "amount": "12",
            "vat_20": "2", "category_id": str(category), "paid_by": "member",
        }  # fmt: skip
        body, content_type = multipart(fields, photo)
        headers = {"Cookie": browser.cookie, "Content-Type": content_type}
        barrier.wait()
        try:
            status, _cookie, page = _request(port, "POST", "/receipts/new", headers, body)
        except OSError as error:
            uploads.append(f"error ({type(error).__name__})")
            return
        if status == 303:
            uploads.append("saved")
        elif "megapixels" in page or "mégapixels" in page:
            uploads.append("refused: too many pixels")
        elif "busy" in page or "traite d'autres photos" in page:
            uploads.append("refused: busy, try again")
        else:
            uploads.append(f"status {status}")

    def log_in(number: int) -> None:
        cookie, token = forms[number]
        body = urllib.parse.urlencode(
            {"csrf_token": token, "email": f"member{number}@example.org", "password": PASSWORD}
        ).encode()
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        barrier.wait()
        start = time.perf_counter()
        try:
            status = _request(port, "POST", "/login", headers, body)[0]
        except OSError:
            status = -1
        logins.append((status, (time.perf_counter() - start) * 1000))

    threads = [threading.Thread(target=upload, args=(b,)) for b in uploaders]
    threads += [threading.Thread(target=log_in, args=(n,)) for n in range(LOGINS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings = [ms for _status, ms in logins]
    return {
        "seconds": time.perf_counter() - start,
        "uploads": uploads,
        "failed": sum(status not in (302, 303) for status, _ms in logins),
        "p50": statistics.median(timings),
        "p95": harness.percentile(timings, 0.95),
        "max": max(timings),
    }


def measure() -> list[tuple[str, int, dict]]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        category = seed(url)
        env = harness.server_env(url, f"{folder}/data")
        with harness.gunicorn(env) as base:
            port = int(base.rsplit(":", 1)[1])
            for label, width, height in PHOTOS:
                photo = flat_png(width, height)
                results.append((label, len(photo), burst(port, category, photo)))
    return results


def run() -> str:
    lines = [
        "## Uploads beside logins",
        "",
        f"{UPLOADS} members upload a photo at the same instant as {LOGINS} others log in "
        f"(POST /login, a write: it records the login session). gunicorn, "
        f"{harness.PRODUCTION_WORKERS} sync workers, SQLite, loopback. Photos are decoded "
        "before the upload's first write, never inside the write lock, at most 2 at once per "
        "process; PNG and HEIC are refused above 25 MP from their header, before decoding. "
        "Login times include waiting for a free worker behind the uploads.",
        "",
        "| Photo (each) | PNG size (KB) | Upload outcomes | Failed logins | Login p50 (ms) "
        "| Login p95 (ms) | Slowest login (ms) | Burst (s) | Target: no failed login |",
        "|---|---:|---|---:|---:|---:|---:|---:|:---:|",
    ]
    for label, size, figures in measure():
        outcomes = ", ".join(
            f"{figures['uploads'].count(o)} {o}" for o in sorted(set(figures["uploads"]))
        )
        lines.append(
            f"| {label} | {size / 1000:.0f} | {outcomes} | {figures['failed']} "
            f"| {figures['p50']:.0f} | {figures['p95']:.0f} | {figures['max']:.0f} "
            f"| {figures['seconds']:.1f} | {'yes' if figures['failed'] == 0 else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run())
