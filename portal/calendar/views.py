"""The personal calendar feed: a secret URL calendar apps subscribe to, and its settings."""

from flask import Blueprint, Response, abort, current_app, flash, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.calendar import services
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.links import public_url
from portal.web.confirm import asks, unconfirmed
from portal.web.htmx import redirect_after_post, render

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def _feed_urls(token: str) -> dict:
    https = public_url("calendar.feed", token=token)
    return {"feed_url": https, "webcal_url": "webcal://" + https.split("://", 1)[1]}


@bp.get("")
@login_required
def settings():
    return render("calendar/settings.html", has_feed=services.has_feed(db.session, current_user))


@bp.post("/feed")
@login_required
@asks(
    _l("Create a new link?"),
    _l("Create a new link"),
    _l("The old one stops working: calendars subscribed to it no longer update."),
)
def regenerate():
    # Only a link that exists is lost: the first one is created at once.
    if services.has_feed(db.session, current_user) and (
        asked := unconfirmed(url_for("calendar.settings"))
    ):
        return asked
    token = services.regenerate_feed_token(db.session, current_user)
    # Shown once, in this response: only the token's hash is kept, so no later page (and no
    # redirect through a cookie) can show it again.
    return render("calendar/settings.html", has_feed=True, **_feed_urls(token))


@bp.post("/revoke")
@login_required
@asks(
    _l("Revoke your link?"),
    _l("Revoke my link"),
    _l("Calendars subscribed to it no longer update."),
)
def revoke():
    if asked := unconfirmed(url_for("calendar.settings")):
        return asked
    services.revoke_feed_token(db.session, current_user)
    flash(_("Your calendar link is revoked: calendars using it stop updating."), "success")
    return redirect_after_post(url_for("calendar.settings"))


@bp.get("/feed/<token>.ics")
def feed(token: str):
    """Public on purpose: calendar apps cannot log in, the secret in the URL is the key."""
    member = services.member_for_feed_token(db.session, token)
    if member is None:
        abort(404)
    locale = member.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        body = services.feed_for(db.session, member, _("CAE portal"))
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    return response
