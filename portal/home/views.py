"""The pages that draw on several modules: the home page (an entrepreneur's projection and
next meeting, the support team's tools) and the language switch."""

from flask import Blueprint, current_app, request, session, url_for
from flask_login import current_user, login_required

from portal.coop.services import get_coop_settings
from portal.db import db, utcnow
from portal.meetings.services import next_meeting_for
from portal.members.services import set_locale
from portal.projection.views import home_page
from portal.web.htmx import redirect_after_post, render
from portal.web.redirects import safe_next

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """An entrepreneur's home is their projection (with the next meeting); the support
    team's, their tools."""
    now = utcnow()
    next_meeting = next_meeting_for(db.session, current_user, now)
    if current_user.is_entrepreneur:
        return home_page(current_user, next_meeting=next_meeting, now=now)
    return render(
        "members/home.html",
        member=current_user,
        coop=get_coop_settings(db.session),
        next_meeting=next_meeting,
        now=now,
    )


@bp.post("/language")
def set_language():
    """Switch between French and English; remembered on the account once logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return redirect_after_post(safe_next(request.form.get("next"), url_for("home.index")))
