"""The entrepreneur's home page (the projection), what-if, the explanation, and the staff's
read-only views. Each computes from the database, where each member's running totals are kept
by the writes themselves; the details page is kept between requests while its data and the
day stay the same (`@kept`, portal/web/page_cache.py), like the home page's first screen."""

from flask import Blueprint, abort, current_app, request, url_for
from flask_login import current_user, login_required

from portal.dates import paris_today
from portal.db import db
from portal.members.models import Member
from portal.projection.chart import build_chart
from portal.projection.forms import WhatIfForm
from portal.projection.latest import latest_items
from portal.projection.services import (
    coop_runways,
    project_what_if,
    projection_for,
    what_if_basis,
)
from portal.web.access import staff_required
from portal.web.htmx import render
from portal.web.page_cache import kept, kept_value

bp = Blueprint("projection", __name__)

# Shortcuts on the home page, shown once the module that serves them is installed.
SHORTCUTS = (("sales.new", "invoice"), ("expenses.new", "receipt"))


def _current_entrepreneur() -> Member:
    if not current_user.is_entrepreneur:
        abort(404)
    return current_user


def _entrepreneur_or_404(member_id: int) -> Member:
    """Staff look at any entrepreneur; anything else here is not found."""
    member = db.session.get(Member, member_id)
    if member is None or not member.is_entrepreneur:
        abort(404)
    return member


def _shortcuts() -> list[tuple[str, str]]:
    views = current_app.view_functions
    return [(url_for(endpoint), kind) for endpoint, kind in SHORTCUTS if endpoint in views]


def home_page(member: Member, staff_view: bool = False, **context):
    """The first screen of `member`'s projection: their home page, or the staff's read-only
    copy. Its figures alone: the chart, the latest movements and the activities follow
    (`details`). `context` adds what other modules show there (the next meeting)."""
    projection = projection_for(db.session, member, paris_today(), with_activities=False)
    details_url = (
        url_for("projection.member_details", member_id=member.id)
        if staff_view
        else url_for("projection.details")
    )
    return render(
        "projection/home.html",
        member=member,
        projection=projection,
        details_url=details_url,
        form=WhatIfForm(formdata=None),
        shortcuts=[] if staff_view else _shortcuts(),
        staff_view=staff_view,
        **context,
    )


def _details(member: Member, staff_view: bool = False):
    projection = projection_for(db.session, member, paris_today())
    return render(
        "projection/details.html",
        "projection/_details.html",
        member=member,
        projection=projection,
        chart=build_chart(projection.months),
        latest=latest_items(db.session, member.id),
        staff_view=staff_view,
    )


@bp.get("/home/details")
@login_required
@kept
def details():
    """What follows the home page's first screen, which htmx asks for once the page has
    loaded; without JavaScript, a page its link opens."""
    return _details(_current_entrepreneur())


@bp.get("/what-if")
@login_required
def what_if():
    """Net, cost and remaining margin for other hours, another gross or more revenue: the
    fragment for htmx as the entrepreneur types, the full page without JavaScript."""
    member = _current_entrepreneur()
    form = WhatIfForm(formdata=request.args)
    projection = None
    if request.args and form.validate():
        # Read once for all the figures the member tries, until a write changes them.
        basis = kept_value("what-if", lambda: what_if_basis(db.session, member, paris_today()))
        projection = project_what_if(basis, form.what_if())
    return render(
        "projection/what_if.html",
        "projection/_what_if.html",
        member=member,
        form=form,
        projection=projection,
    )


@bp.get("/how-it-is-computed")
@login_required
def explain():
    member = _current_entrepreneur()
    projection = projection_for(db.session, member, paris_today(), with_activities=False)
    return render("projection/explain.html", member=member, projection=projection)


@bp.get("/staff/entrepreneurs")
@staff_required
def runways():
    """Every entrepreneur by runway, shortest first: who needs help first."""
    return render("projection/runways.html", rows=coop_runways(db.session, paris_today()))


@bp.get("/staff/entrepreneurs/<int:member_id>")
@staff_required
def member_home(member_id: int):
    return home_page(_entrepreneur_or_404(member_id), staff_view=True)


@bp.get("/staff/entrepreneurs/<int:member_id>/details")
@staff_required
def member_details(member_id: int):
    return _details(_entrepreneur_or_404(member_id), staff_view=True)


@bp.get("/staff/entrepreneurs/<int:member_id>/how-it-is-computed")
@staff_required
def member_explain(member_id: int):
    member = _entrepreneur_or_404(member_id)
    projection = projection_for(db.session, member, paris_today(), with_activities=False)
    return render("projection/explain.html", member=member, projection=projection, staff_view=True)
