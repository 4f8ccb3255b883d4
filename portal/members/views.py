from flask import Blueprint
from flask_login import current_user, login_required

from portal.coop.services import get_coop_settings
from portal.db import db
from portal.projection.views import home_page
from portal.web.htmx import render

bp = Blueprint("members", __name__)


@bp.get("/")
@login_required
def home():
    """An entrepreneur's home is their projection; the support team's, their tools."""
    if current_user.is_entrepreneur:
        return home_page(current_user)
    return render("members/home.html", member=current_user, coop=get_coop_settings(db.session))
