from flask import Blueprint
from flask_login import current_user, login_required

from portal.coop.services import get_coop_settings
from portal.db import db, utcnow
from portal.meetings.services import next_meeting_for
from portal.projection.views import home_page
from portal.web.htmx import render

bp = Blueprint("members", __name__)


@bp.get("/")
@login_required
def home():
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
