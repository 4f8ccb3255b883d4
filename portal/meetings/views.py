"""Meetings: the list, one meeting, answers, notes archive; scheduling and notes for staff."""

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.db import db, id_from_text, utcnow
from portal.errors import DomainError
from portal.links import public_base_url
from portal.meetings import services
from portal.meetings.forms import ActionForm, MeetingForm, NotesForm, RsvpForm
from portal.meetings.models import Meeting, MeetingAttachment, RsvpAnswer
from portal.members.models import MemberStatus
from portal.storage import storage
from portal.transaction import transaction
from portal.web.access import staff_required
from portal.web.csv import csv_response
from portal.web.files import uploaded_file
from portal.web.forms import form_error
from portal.web.htmx import redirect_after_post, render, wants_fragment
from portal.web.page_cache import holds_until, kept
from portal.web.redirects import safe_next

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.context_processor
def answer_choices():
    return {"answers": RsvpAnswer}


def meeting_or_404(ref: str) -> Meeting:
    """The meeting if the current member was invited to it (staff see every meeting);
    otherwise 404, so that an uninvited member learns nothing about it."""
    meeting = db.session.scalar(select(Meeting).where(Meeting.ref == ref))
    if meeting is None:
        abort(404)
    if not current_user.is_staff and not services.invitation_for(db.session, meeting, current_user):
        abort(404)
    return meeting


@bp.get("/")
@login_required
@kept
def index():
    now = utcnow()
    if current_user.is_staff:
        upcoming = services.staff_meetings(db.session, now, upcoming=True)
        past = services.staff_meetings(db.session, now, upcoming=False)
        return render(
            "meetings/staff_index.html",
            upcoming=upcoming,
            past=past,
            counts=services.answer_counts(db.session, [m.id for m in upcoming]),
        )
    upcoming = services.upcoming_for(db.session, current_user, now)
    # Answers close as a meeting starts; it leaves the list as it ends.
    holds_until(*(moment for m in upcoming for moment in (m.meeting.starts_at, m.meeting.ends_at)))
    return render(
        "meetings/index.html",
        upcoming=upcoming,
        form=RsvpForm(),
        now=now,
    )


@bp.get("/notes")
@login_required
def notes():
    query = request.args.get("q", "")[:200]
    if current_user.is_staff:
        items, snippets = services.staff_notes_archive(db.session, query)
    else:
        items, snippets = services.notes_archive_for(db.session, current_user, query)
    return render(
        "meetings/notes.html",
        "meetings/_notes_results.html",
        items=items,
        snippets=snippets,
        query=query,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = services.schedule_meeting(db.session, _details(form), utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            flash(
                ngettext(
                    "Meeting scheduled; %(num)d member invited.",
                    "Meeting scheduled; %(num)d members invited.",
                    len(meeting.invitations),
                ),
                "success",
            )
            return redirect_after_post(url_for("meetings.detail", ref=meeting.ref))
    return render("meetings/edit.html", form=form, meeting=None)


@bp.route("/<ref>/edit", methods=["GET", "POST"])
@staff_required
def edit(ref: str):
    meeting = meeting_or_404(ref)
    form = MeetingForm(obj=meeting)
    if not form.is_submitted():
        start, end = services.paris_time(meeting.starts_at), services.paris_time(meeting.ends_at)
        form.day.data, form.start.data, form.end.data = start.date(), start.time(), end.time()
        form.general_assembly.data = meeting.is_general_assembly
        form.statuses.data = meeting.audience_statuses
    if form.validate_on_submit():
        try:
            services.update_meeting(db.session, meeting, _details(form), utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            flash(_("Meeting updated."), "success")
            return redirect_after_post(url_for("meetings.detail", ref=meeting.ref))
    return render("meetings/edit.html", form=form, meeting=meeting)


def _details(form: MeetingForm) -> services.MeetingDetails:
    return services.MeetingDetails(
        title=form.title.data,
        day=form.day.data,
        start=form.start.data,
        end=form.end.data,
        location=form.location.data or "",
        video_url=form.video_url.data or "",
        agenda=form.agenda.data or "",
        general_assembly=form.general_assembly.data,
        statuses=tuple(MemberStatus(value) for value in form.statuses.data or ()),
    )


@bp.get("/<ref>")
@login_required
def detail(ref: str):
    meeting = meeting_or_404(ref)
    return render("meetings/detail.html", **_detail_context(meeting, mark_read=True))


def _detail_context(
    meeting: Meeting, rsvp_form: RsvpForm | None = None, error=None, mark_read=False
) -> dict:
    now = utcnow()
    context = {"meeting": meeting, "now": now, "action_form": ActionForm()}
    if current_user.is_staff:
        context["overview"] = services.answers_overview(db.session, meeting)
        return context
    item = services.member_meeting(db.session, meeting, current_user, now, mark_read)
    context.update(item=item, form=rsvp_form or RsvpForm(), rsvp_error=error)
    return context


@bp.post("/<ref>/rsvp")
@login_required
def rsvp(ref: str):
    meeting = meeting_or_404(ref)
    form = RsvpForm()
    error = None
    if form.validate_on_submit():
        try:
            services.answer_invitation(
                db.session,
                meeting,
                current_user,
                form.answer.data or "",
                form.comment.data or "",
                utcnow(),
            )
        except DomainError as failure:
            error = str(failure)
    else:
        error = " ".join(message for messages in form.errors.values() for message in messages)
    if error is None and not wants_fragment():
        flash(_("Your answer is saved."), "success")
        return redirect_after_post(
            safe_next(request.form.get("next"), url_for("meetings.detail", ref=ref))
        )
    # htmx: the control replaces itself in its new state. Without JS, an error shows on the
    # meeting's page, in the form.
    return render(
        "meetings/detail.html",
        "meetings/_rsvp.html",
        **_detail_context(meeting, form, error),
        saved=error is None,
        next_url=request.form.get("next", ""),
    )


@bp.get("/<ref>/calendar.ics")
@login_required
def calendar(ref: str):
    meeting = meeting_or_404(ref)
    body = services.meeting_ics(meeting, public_base_url())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-{meeting.ref}.ics"'
    return response


@bp.get("/<ref>/answers")
@staff_required
def answers(ref: str):
    meeting = meeting_or_404(ref)
    return render(
        "meetings/answers.html",
        "meetings/_answers.html",
        meeting=meeting,
        overview=services.answers_overview(db.session, meeting),
        now=utcnow(),
        action_form=ActionForm(),
    )


@bp.get("/<ref>/answers.csv")
@staff_required
def export_answers(ref: str):
    meeting = meeting_or_404(ref)
    rows = services.answer_rows(services.answers_overview(db.session, meeting))
    return csv_response(f"answers-{meeting.ref}.csv", services.ANSWERS_HEADER, rows)


@bp.post("/<ref>/remind")
@staff_required
def remind(ref: str):
    meeting = meeting_or_404(ref)
    if ActionForm().validate_on_submit():
        try:
            count = services.send_reminder(db.session, meeting, utcnow())
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Reminder sent to %(count)s members.", count=count), "success")
    return redirect_after_post(url_for("meetings.detail", ref=ref))


@bp.post("/<ref>/invite")
@staff_required
def invite(ref: str):
    meeting = meeting_or_404(ref)
    if ActionForm().validate_on_submit():
        try:
            count = services.invite_newcomers(db.session, meeting, utcnow())
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(
                ngettext("%(num)d newcomer invited.", "%(num)d newcomers invited.", count),
                "success",
            )
    return redirect_after_post(url_for("meetings.detail", ref=ref))


@bp.route("/<ref>/notes", methods=["GET", "POST"])
@transaction("write", lock="late")  # attached photos are decoded before the write lock
@staff_required
def edit_notes(ref: str):
    meeting = meeting_or_404(ref)
    form = NotesForm(notes=meeting.notes)
    if form.validate_on_submit():
        uploads = []
        for file in request.files.getlist(form.attachments.name):
            if file and file.filename:
                uploads.append(services.Upload(file.filename, file.read()))
            file.close()
        try:
            services.publish_notes(db.session, meeting, form.notes.data, uploads, utcnow())
        except DomainError as error:
            form_error(form, error)
        else:
            flash(_("Notes published."), "success")
            return redirect_after_post(url_for("meetings.detail", ref=ref))
    return render("meetings/notes_form.html", form=form, meeting=meeting)


@bp.post("/<ref>/attendance")
@staff_required
def attendance(ref: str):
    meeting = meeting_or_404(ref)
    if ActionForm().validate_on_submit():
        present = set(filter(None, map(id_from_text, request.form.getlist("attended"))))
        try:
            services.set_attendance(db.session, meeting, present, utcnow())
        except DomainError as error:
            flash(str(error), "error")
        else:
            flash(_("Attendance saved."), "success")
    return redirect_after_post(url_for("meetings.detail", ref=ref))


@bp.get("/<ref>/attachments/<int:attachment_id>")
@login_required
def attachment(ref: str, attachment_id: int):
    meeting = meeting_or_404(ref)
    file = db.session.get(MeetingAttachment, attachment_id)
    if file is None or file.meeting_id != meeting.id:
        abort(404)
    return uploaded_file(storage().read(file.storage_key), file.content_type, file.filename)
