"""Configuration: defaults here, overrides from `PORTAL_*` environment variables.

Read in the factory, never at import, so tests and processes can each have their own.
"""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

MiB = 1024 * 1024


class DefaultConfig:
    # Unset on purpose: `load_config` fills these from the instance folder.
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    DATA_DIR: str | None = None
    # The address members reach the portal at ("https://portal.coop.example"): every link in
    # a mail is built from it, and requests naming another host are refused (TRUSTED_HOSTS,
    # derived from it unless set). Required: the app refuses to start without it.
    PUBLIC_URL: str | None = None

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    # Where uploads live: local files under DATA_DIR unless a class is named (README).
    STORAGE_CLASS: str | None = None
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None
    S3_REGION: str | None = None
    S3_PREFIX = ""

    # Uploads (receipt photos up to 15 MB) plus form fields.
    MAX_CONTENT_LENGTH = 16 * MiB
    # Set to a true value when served behind HTTPS so cookies are marked Secure even if the
    # proxy does not say so; requests that arrive over HTTPS get Secure cookies anyway.
    HTTPS = False
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = 0
    # Who may read /metrics: callers from these networks (as the app sees them: behind the
    # proxy, the client's address), or with `Authorization: Bearer <METRICS_TOKEN>`.
    METRICS_NETWORKS = ("127.0.0.0/8", "::1/128")
    METRICS_TOKEN: str | None = None

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # "Remember me" keeps the login for this long; otherwise it ends with the browser.
    REMEMBER_DAYS = 30
    # A login without "remember me" is also cut server-side after this many hours.
    SESSION_HOURS = 12

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Bytes each app process may keep of rendered entrepreneur pages, keyed by what they
    # show (portal/web/page_cache.py); 0 renders every page anew.
    PAGE_CACHE_BYTES = 32 * MiB

    # Failed logins slow the address they come from, never the account's owner elsewhere:
    # so many failures for one account from one address, or from one address in all, within
    # the window, and that address waits for the rest of the window.
    LOGIN_MAX_FAILURES = 10
    LOGIN_MAX_FAILURES_PER_ADDRESS = 50
    LOGIN_WINDOW_MINUTES = 15
    PASSWORD_RESET_MINUTES = 60
    # Reset links mailed per account, and reset requests per address, within an hour.
    PASSWORD_RESET_MAX_PER_ACCOUNT = 3
    PASSWORD_RESET_MAX_PER_ADDRESS = 10
    # An invitation's link to choose a password: single-use like a reset's, but longer-lived.
    INVITATION_DAYS = 7

    # Months the audit trail keeps its events (`portal purge-audit` deletes older ones).
    AUDIT_RETENTION_MONTHS = 13

    # The sync API: bearer tokens live at most an hour; requests per client and minute;
    # how long an Idempotency-Key is remembered.
    API_TOKEN_SECONDS = 3600
    API_RATE_LIMIT = 1200
    API_IDEMPOTENCY_HOURS = 24

    # The task queue `portal worker` serves (portal/tasks.py): sqlite:///<file> (by default
    # queue.sqlite3 in the instance folder), redis://host:6379/0 or postgresql://... at scale.
    QUEUE_URL: str | None = None
    # Run each task at once in the process that queues it, without a worker (most tests).
    QUEUE_IMMEDIATE = False

    MAIL_FROM = "Portail CAE <no-reply@localhost>"
    SMTP_HOST: str | None = None
    SMTP_PORT = 587
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = True


def load_config(app: Flask, config: dict | None) -> None:
    """Defaults, then `PORTAL_*` environment variables, then the explicit `config` mapping."""
    app.config.from_object(DefaultConfig)
    app.config.from_prefixed_env("PORTAL")
    if config:
        app.config.update(config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    if not app.config["QUEUE_URL"]:
        app.config["QUEUE_URL"] = f"sqlite:///{instance / 'queue.sqlite3'}"
    if not app.config["DATA_DIR"]:
        app.config["DATA_DIR"] = str(instance / "data")
    app.config["PUBLIC_URL"] = _public_url(app.config["PUBLIC_URL"])
    if not app.config["SECRET_KEY"]:
        if app.config["PUBLIC_URL"].startswith("https:"):
            # Served to members: a key made up here would differ on each app server, and
            # sessions would fail at random behind the load balancer.
            raise RuntimeError(
                "PORTAL_SECRET_KEY is not set: the portal is public (PORTAL_PUBLIC_URL is "
                "https), so give every app server the same key, e.g. the output of "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
        app.config["SECRET_KEY"] = _instance_secret_key(instance)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    if app.config["TRUSTED_HOSTS"] is None:
        app.config["TRUSTED_HOSTS"] = [urlsplit(app.config["PUBLIC_URL"]).hostname]


def _public_url(value: str | None) -> str:
    """The portal's public address, checked: links in mail are built from it alone."""
    if not value:
        raise RuntimeError(
            "PORTAL_PUBLIC_URL is not set: give the address members reach the portal at, "
            "e.g. PORTAL_PUBLIC_URL=https://portal.coop.example (http://127.0.0.1:5000 locally)."
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(
            f"PORTAL_PUBLIC_URL={value!r} is not an http(s) address like https://portal.example"
        )
    return value.rstrip("/")


def _instance_secret_key(instance: Path) -> str:
    """A key generated once and kept in the instance folder, so restarts keep sessions."""
    path = instance / "secret_key"
    if not path.exists():
        # Written aside then linked: two processes starting at once agree on one key.
        fd, draft = tempfile.mkstemp(dir=instance)
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        os.unlink(draft)
    return path.read_text().strip()
