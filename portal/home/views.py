"""The pages that draw on several modules: the home page (an entrepreneur's projection and
next meeting, the support team's work queue) and the language switch."""

from flask import Blueprint, current_app, g, request, session, url_for
from flask_login import current_user, login_required

from portal.dates import paris_today
from portal.db import db, utcnow
from portal.home import services
from portal.meetings.services import next_meeting_for
from portal.members.services import set_locale
from portal.projection.views import home_page
from portal.quotes.queries import signed_work_cents
from portal.web.access import staff_required
from portal.web.htmx import redirect_after_post, render
from portal.web.page_cache import holds_until, kept
from portal.web.redirects import safe_next

bp = Blueprint("home", __name__)


@bp.app_context_processor
def navigation_counts():
    """What waits in the support team's queues, beside their navigation's items: one query
    a page, for the team only."""
    if current_user.is_authenticated and current_user.is_staff:
        counted = g.get("queue_counts")  # the work queue's page has counted them already
        return {"navigation_counts": counted or services.counts(db.session)}
    return {}


@bp.get("/")
@login_required
@kept
def index():
    """An entrepreneur's home is their projection (with the next meeting); the support
    team's, their work queue."""
    now = utcnow()
    if current_user.is_entrepreneur:
        next_meeting = next_meeting_for(db.session, current_user, now)
        if next_meeting is not None:  # its card changes as it starts, then ends
            holds_until(next_meeting.meeting.starts_at, next_meeting.meeting.ends_at)
        signed_work = signed_work_cents(db.session, current_user.id)
        return home_page(
            current_user, next_meeting=next_meeting, now=now, signed_work_cents=signed_work
        )
    queue = services.staff_queue(db.session, paris_today(), now)
    g.queue_counts = {"sales.queue": queue.invoices.total, "expenses.queue": queue.receipts.total}
    return render("home/staff.html", queue=queue, now=now)


@bp.get("/staff/runways-to-watch")
@staff_required
def runways():
    """Entrepreneurs whose margin funds less than a month of salary: the home page loads
    it after its first screen, since it computes every member's projection."""
    rows = services.runways_to_watch(db.session, paris_today())
    return render("home/runways.html", "home/_runways.html", rows=rows)


@bp.post("/language")
def set_language():
    """Switch between French and English; remembered on the account once logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
    return redirect_after_post(safe_next(request.form.get("next"), url_for("home.index")))
