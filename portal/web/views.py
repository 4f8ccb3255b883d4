"""Pages outside any module: the operator's health, readiness and metrics, the site icon."""

from flask import Blueprint, abort, redirect, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.db import db
from portal.outbox.services import outbox_counts
from portal.web.monitoring import exposition, metrics_allowed

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def health():
    """Liveness: the process answers. Nothing else is checked, so a database outage does not
    get every app server restarted; /readyz says whether it can serve."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready():
    """Readiness, for the load balancer and the operator: the database answers and the mail
    queue (the outbox table) is readable. 503 with what failed otherwise."""
    checks = {}
    for name, statement in (
        ("database", "SELECT 1"),
        ("queue", "SELECT id FROM outbox_messages LIMIT 1"),
    ):
        try:
            db.session.execute(text(statement))
            checks[name] = "ok"
        except SQLAlchemyError as error:
            db.session.rollback()
            checks[name] = type(error.orig or error).__name__
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ready" if ready else "unavailable", **checks}, 200 if ready else 503


@bp.get("/metrics")
def metrics():
    """Prometheus metrics of this app server, for the operator's scraper only (404 to
    anyone else: see `metrics_allowed`)."""
    if not metrics_allowed():
        abort(404)
    return exposition(outbox_counts(db.session))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it beside a PDF or a photo, which name no icon: the portal's own."""
    return redirect(url_for("static", filename="icon.svg"), code=301)
