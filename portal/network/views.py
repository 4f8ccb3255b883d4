"""Asking the network: the URL map.

/network/                       open requests, the member's own, their conversations
/network/new                    post a request
/network/<id>                   a request: its answers for its author, else one's thread
/network/<id>/answer            answer it privately (opens or continues one's thread)
/network/threads/<id>           a conversation: its two members only (others: 404)
/network/activity               the support team: the network's activity
"""

from datetime import timedelta

from flask import Blueprint, abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.dates import paris_today
from portal.db import db
from portal.directory import queries as directory
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.network import services
from portal.network.activity import SECTIONS
from portal.network.forms import MessageForm, RequestForm
from portal.network.models import NetworkRequest, NetworkThread
from portal.web.access import staff_required
from portal.web.confirm import asks, unconfirmed
from portal.web.forms import flash_outcome, form_error
from portal.web.htmx import redirect_after_post, render

bp = Blueprint("network", __name__, url_prefix="/network")

DEFAULT_DAYS_OPEN = 14


def request_or_404(request_id: int) -> NetworkRequest:
    """Requests are open to every member, like a notice board; their answers are not."""
    found = db.session.get(NetworkRequest, request_id)
    if found is None:
        abort(404)
    return found


def thread_or_404(thread_id: int) -> NetworkThread:
    """A conversation exists only for its two members: for anyone else, staff included, 404."""
    thread = db.session.get(NetworkThread, thread_id)
    if thread is None or not thread.is_between(current_user):
        abort(404)
    return thread


@bp.get("/")
@login_required
def index():
    today = paris_today()
    requests = services.open_requests(db.session, today)
    return render(
        "network/index.html",
        requests=requests,
        mine=services.requests_of(db.session, current_user),
        threads=services.my_threads(db.session, current_user),
        counts=services.answer_counts(db.session, [r.id for r in requests]),
        today=today,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = RequestForm()
    today = paris_today()
    if not form.is_submitted():
        form.ends_on.data = today + timedelta(days=DEFAULT_DAYS_OPEN)
    if form.validate_on_submit():
        data = services.RequestInput(
            title=form.title.data or "",
            details=form.details.data or "",
            place=form.place.data or "",
            ends_on=form.ends_on.data,
            tags=form.tags.data or "",
        )
        try:
            posted = services.post_request(db.session, current_user, data, today)
        except DomainError as error:
            form_error(form, error)
        else:
            flash(_("Your request is sent to the network."), "success")
            return redirect_after_post(url_for("network.detail", request_id=posted.id))
    return render("network/new.html", form=form)


@bp.get("/<int:request_id>")
@login_required
def detail(request_id: int):
    found = request_or_404(request_id)
    today = paris_today()
    own = found.member_id == current_user.id
    return render(
        "network/detail.html",
        request_=found,
        own=own,
        threads=services.threads_on(db.session, found) if own else [],
        thread=None if own else services.thread_of(db.session, found, current_user),
        refusal=found.refusal_to_answer(current_user, today),
        form=MessageForm(),
        today=today,
    )


@bp.post("/<int:request_id>/close")
@login_required
@asks(
    _l("Close this request?"),
    _l("Close it"),
    _l("Members can no longer answer it; the conversations already begun stay."),
)
def close(request_id: int):
    found = request_or_404(request_id)
    back = url_for("network.detail", request_id=found.id)
    if asked := unconfirmed(back, subject=found.title):
        return asked
    flash_outcome(
        lambda: services.close_request(db.session, found, current_user, paris_today()),
        _("Your request is closed."),
    )
    return redirect_after_post(back)


@bp.post("/<int:request_id>/answer")
@login_required
def answer(request_id: int):
    found = request_or_404(request_id)
    form = MessageForm()
    today = paris_today()
    if form.validate_on_submit():
        try:
            thread = services.answer_request(db.session, found, current_user, form.body.data, today)
        except DomainError as error:
            form_error(form, error, form.body)
        else:
            flash(_("Your answer is sent. Only the two of you can read it."), "success")
            return redirect_after_post(url_for("network.thread", thread_id=thread.id))
    return render(
        "network/detail.html",
        request_=found,
        own=False,
        threads=[],
        thread=services.thread_of(db.session, found, current_user),
        refusal=found.refusal_to_answer(current_user, today),
        form=form,
        today=today,
    )


@bp.route("/threads/<int:thread_id>", methods=["GET", "POST"])
@login_required
def thread(thread_id: int):
    found = thread_or_404(thread_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.reply(db.session, found, current_user, form.body.data)
        except DomainError as error:
            form_error(form, error, form.body)
        else:
            flash(_("Message sent."), "success")
            return redirect_after_post(url_for("network.thread", thread_id=found.id))
    return render(
        "network/thread.html",
        thread=found,
        other=found.other_than(current_user),
        form=form,
        today=paris_today(),
    )


@bp.get("/activity")
@staff_required
def activity():
    today = paris_today()
    requests = services.open_requests(db.session, today)
    return render(
        "network/activity.html",
        requests=requests,
        counts=services.answer_counts(db.session, [r.id for r in requests]),
        skills=directory.skill_counts(db.session),
        cards=directory.listed_cards(db.session),
        # Other modules' sections (portal.network.activity), each rendered with its context.
        sections=[render_template(s.template, **s.load(db.session)) for s in SECTIONS],
        today=today,
    )
