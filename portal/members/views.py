from flask import Blueprint
from flask_login import current_user, login_required

from portal.coop.services import contribution_rate_for, get_coop_settings
from portal.db import db, utcnow
from portal.meetings.services import next_meeting_for
from portal.web.htmx import render

bp = Blueprint("members", __name__)


@bp.get("/")
@login_required
def home():
    settings = get_coop_settings(db.session)
    now = utcnow()
    return render(
        "members/home.html",
        member=current_user,
        coop=settings,
        contribution_rate=contribution_rate_for(current_user, settings),
        next_meeting=next_meeting_for(db.session, current_user, now),
        now=now,
    )
