"""The member's notifications: the list, opening one, marking all read, email settings;
and the unread count every page's header shows."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.db import db, id_from_text, utcnow
from portal.i18n import gettext as _
from portal.notifications import services
from portal.notifications.forms import email_settings_form
from portal.web.htmx import redirect_after_post, render, wants_fragment
from portal.web.pages import page_arg

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global()
def unread_notifications() -> int:
    """The header's count: called by the page that shows it, never by fragments or mail."""
    if not current_user.is_authenticated:
        return 0
    return services.unread_count(db.session, current_user.id)


@bp.get("")
@login_required
def index():
    results = services.notifications_page(db.session, current_user, page_arg())
    return render("notifications/index.html", "notifications/_list.html", results=results)


@bp.get("/<notification_id>")
@login_required
def open_one(notification_id: str):
    """Mark it read and go where it leads (a plain link: works without JavaScript)."""
    number = id_from_text(notification_id)
    notification = number and services.notification_for(db.session, current_user, number)
    if not notification:
        abort(404)
    services.mark_read(notification, utcnow())
    return redirect(request.script_root + notification.link, 303)


@bp.post("/read")
@login_required
def read_all():
    services.mark_all_read(db.session, current_user, utcnow())
    if wants_fragment():
        # The list in its new state, and the header's count with it (out of band).
        results = services.notifications_page(db.session, current_user, page_arg())
        return render("notifications/_list.html", results=results, refresh_count=True)
    return redirect_after_post(url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = email_settings_form(services.email_settings(db.session, current_user))
    if form.validate_on_submit():
        services.save_email_settings(db.session, current_user, form.choices())
        flash(_("Your email settings are saved."), "success")
        return redirect_after_post(url_for("notifications.settings"))
    return render("notifications/settings.html", form=form)
