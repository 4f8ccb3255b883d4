"""Pages outside any module: a health check and the site icon."""

from flask import Blueprint, redirect, url_for
from sqlalchemy import text

from portal.db import db

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def health():
    """For the load balancer: the app answers and reaches its database."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it beside a PDF or a photo, which name no icon: the portal's own."""
    return redirect(url_for("static", filename="icon.svg"), code=301)
