"""Cross-cutting pages: the language switch, a health check and the site icon."""

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.db import db
from portal.members.services import set_locale
from portal.web.htmx import redirect_after_post
from portal.web.redirects import safe_next

bp = Blueprint("web", __name__)


@bp.post("/language")
def set_language():
    """Switch between French and English; remembered on the account once logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return redirect_after_post(safe_next(request.form.get("next"), url_for("members.home")))


@bp.get("/healthz")
def health():
    """For the load balancer: the app answers and reaches its database."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it beside a PDF or a photo, which name no icon: the portal's own."""
    return redirect(url_for("static", filename="icon.svg"), code=301)
