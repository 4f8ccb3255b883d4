"""Meetings: scheduling, invitations, answers, reminders, notes, attendance, calendar."""

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.dates import PARIS, paris_to_utc
from portal.db import utcnow
from portal.errors import DomainError, refuse
from portal.i18n import lazy_gettext as _l
from portal.ical import CalendarEvent, to_ical
from portal.meetings import notifications
from portal.meetings.models import (
    Meeting,
    MeetingAttachment,
    MeetingInvitation,
    MeetingRsvp,
    RsvpAnswer,
)
from portal.meetings.search import search_notes
from portal.members.models import Member, MemberStatus, Role
from portal.storage import new_key, save_with_transaction
from portal.sync.services import record_change
from portal.uploads import check_upload

REF_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed
REF_LENGTH = 8
MAX_ATTACHMENTS_PER_UPLOAD = 5
MAX_FILENAME = 120


# --- time ---------------------------------------------------------------------------------


def paris_time(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


# --- scheduling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingDetails:
    title: str
    day: date
    start: time
    end: time
    location: str = ""
    video_url: str = ""
    agenda: str = ""
    general_assembly: bool = False
    statuses: tuple[MemberStatus, ...] = tuple(MemberStatus)


def _audience(details: MeetingDetails) -> list[str]:
    # A general assembly is the associés' vote: nobody else is invited, whatever was ticked.
    if details.general_assembly:
        return [MemberStatus.ASSOCIATE.value]
    statuses = [status.value for status in MemberStatus if status in details.statuses]
    if not statuses:
        raise DomainError(_l("Choose at least one status to invite."), field="statuses")
    return statuses


def _times(details: MeetingDetails, now: datetime) -> tuple[datetime, datetime]:
    starts_at = paris_to_utc(details.day, details.start)
    ends_at = paris_to_utc(details.day, details.end)
    if ends_at <= starts_at:
        raise DomainError(_l("The meeting must end after it starts."), field="end")
    if starts_at <= now:
        raise DomainError(_l("The meeting must start in the future."), field="day")
    return starts_at, ends_at


def _check_place(details: MeetingDetails) -> None:
    if not details.location.strip() and not details.video_url.strip():
        raise DomainError(_l("Give a place or a video link (or both)."), field="location")
    # Shown as a link to every member: only web links, never javascript: or data:.
    scheme = details.video_url.strip().split("://", 1)[0].lower()
    if details.video_url.strip() and scheme not in ("http", "https"):
        raise DomainError(_l("Enter a link starting with https://."), field="video_url")


def new_ref(session: Session) -> str:
    while True:
        ref = "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
        if session.scalar(select(Meeting.id).where(Meeting.ref == ref)) is None:
            return ref


def schedule_meeting(session: Session, details: MeetingDetails, now: datetime) -> Meeting:
    """A meeting in the future, with a place or a video link, and one invitation for each
    active entrepreneur of the chosen statuses (associés only for a general assembly)."""
    _check_place(details)
    starts_at, ends_at = _times(details, now)
    meeting = Meeting(
        ref=new_ref(session),
        title=details.title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        location=details.location.strip(),
        video_url=details.video_url.strip(),
        agenda=details.agenda.strip(),
        is_general_assembly=details.general_assembly,
        audience=",".join(_audience(details)),
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    _invite_audience(session, meeting, now)
    record_change(session, "meeting", meeting.id)
    return meeting


def update_meeting(
    session: Session, meeting: Meeting, details: MeetingDetails, now: datetime
) -> Meeting:
    """Change the time, place, title or agenda of a meeting that has not started. The
    audience stays as invited: nobody who already answered is dropped."""
    refuse(meeting.refusal_to_change(now))
    _check_place(details)
    meeting.starts_at, meeting.ends_at = _times(details, now)
    meeting.title = details.title.strip()
    meeting.location = details.location.strip()
    meeting.video_url = details.video_url.strip()
    meeting.agenda = details.agenda.strip()
    session.flush()
    record_change(session, "meeting", meeting.id)
    return meeting


def _invite_audience(session: Session, meeting: Meeting, now: datetime) -> int:
    already = select(MeetingInvitation.id).where(
        MeetingInvitation.meeting_id == meeting.id,
        MeetingInvitation.member_id == Member.id,
    )
    members = session.scalars(
        select(Member).where(
            Member.role == Role.ENTREPRENEUR,
            Member.active.is_(True),
            Member.status.in_([MemberStatus(s) for s in meeting.audience_statuses]),
            ~exists(already),
        )
    ).all()
    session.add_all(
        MeetingInvitation(meeting_id=meeting.id, member_id=member.id, invited_at=now)
        for member in members
    )
    session.flush()
    notifications.meeting_invitation(session, meeting, members)
    return len(members)


def invite_newcomers(session: Session, meeting: Meeting, now: datetime) -> int:
    """Invite the members of the meeting's audience who were not invited yet (they joined
    or changed status since). Nobody is uninvited. Returns how many were added."""
    refuse(meeting.refusal_to_invite(now))
    added = _invite_audience(session, meeting, now)
    if added:
        record_change(session, "meeting", meeting.id)
    return added


# --- answers ------------------------------------------------------------------------------


def invitation_for(session: Session, meeting: Meeting, member: Member) -> MeetingInvitation | None:
    return session.scalar(
        select(MeetingInvitation).where(
            MeetingInvitation.meeting_id == meeting.id, MeetingInvitation.member_id == member.id
        )
    )


def rsvp_for(session: Session, meeting: Meeting, member: Member) -> MeetingRsvp | None:
    return session.scalar(
        select(MeetingRsvp).where(
            MeetingRsvp.meeting_id == meeting.id, MeetingRsvp.member_id == member.id
        )
    )


def answer_invitation(
    session: Session,
    meeting: Meeting,
    member: Member,
    answer: RsvpAnswer | str,
    comment: str,
    now: datetime,
) -> MeetingRsvp:
    """Yes, no or maybe, with an optional comment, from an invited member, until the meeting
    starts; answering again replaces the answer (one answer per member, in the database)."""
    try:
        answer = RsvpAnswer(answer)
    except ValueError:
        raise DomainError(_l("Answer yes, no or maybe."), field="answer") from None
    comment = (comment or "").strip()
    if len(comment) > 200:
        raise DomainError(_l("Keep the comment under 200 characters."), field="comment")
    if invitation_for(session, meeting, member) is None:
        raise DomainError(_l("You are not invited to this meeting."))
    refuse(meeting.refusal_to_answer(now))
    rsvp = rsvp_for(session, meeting, member)
    if rsvp is None:
        try:
            # Two taps at once from two tabs: the second insert loses and updates instead.
            with session.begin_nested():
                rsvp = MeetingRsvp(
                    meeting_id=meeting.id,
                    member_id=member.id,
                    answer=answer,
                    comment=comment,
                    answered_at=now,
                )
                session.add(rsvp)
        except IntegrityError:
            rsvp = rsvp_for(session, meeting, member)
    rsvp.answer, rsvp.comment, rsvp.answered_at = answer, comment, now
    session.flush()
    record_change(session, "rsvp", rsvp.id)
    return rsvp


@dataclass(frozen=True)
class AnswerRow:
    invitation: MeetingInvitation
    rsvp: MeetingRsvp | None

    @property
    def member(self) -> Member:
        return self.invitation.member


@dataclass(frozen=True)
class AnswersOverview:
    rows: list[AnswerRow]

    def with_answer(self, answer: RsvpAnswer) -> list[AnswerRow]:
        return [row for row in self.rows if row.rsvp and row.rsvp.answer is answer]

    @property
    def unanswered(self) -> list[AnswerRow]:
        return [row for row in self.rows if row.rsvp is None]

    def count(self, answer: RsvpAnswer) -> int:
        return len(self.with_answer(answer))


def answers_overview(session: Session, meeting: Meeting) -> AnswersOverview:
    """Every invited member with their answer (or none), by name: two queries whatever the
    number of members."""
    invitations = session.scalars(
        select(MeetingInvitation)
        .options(joinedload(MeetingInvitation.member))
        .join(Member, Member.id == MeetingInvitation.member_id)
        .where(MeetingInvitation.meeting_id == meeting.id)
        .order_by(Member.full_name, Member.id)
    ).all()
    rsvps = {
        rsvp.member_id: rsvp
        for rsvp in session.scalars(select(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting.id))
    }
    return AnswersOverview([AnswerRow(i, rsvps.get(i.member_id)) for i in invitations])


ANSWERS_HEADER = (_l("Name"), _l("Email"), _l("Answer"), _l("Comment"), _l("Attendance"))


def answer_rows(overview: AnswersOverview) -> Iterator[tuple]:
    """The answers for a spreadsheet: a row per invited member, under `ANSWERS_HEADER`."""
    attendance = {True: _l("Present"), False: _l("Absent"), None: None}
    for row in overview.rows:
        yield (
            row.member.full_name,
            row.member.email,
            row.rsvp.answer.label if row.rsvp else _l("Not answered"),
            row.rsvp.comment if row.rsvp else None,
            attendance[row.invitation.attended],
        )


def send_reminder(session: Session, meeting: Meeting, now: datetime) -> int:
    """Remind every invited, active member who has not answered (in the app, and by email
    in their language). Returns how many (none once the meeting has started)."""
    refuse(meeting.refusal_to_remind(now))
    members = session.scalars(
        select(Member)
        .join(MeetingInvitation, MeetingInvitation.member_id == Member.id)
        .where(
            MeetingInvitation.meeting_id == meeting.id,
            Member.active.is_(True),
            ~exists().where(
                MeetingRsvp.meeting_id == meeting.id, MeetingRsvp.member_id == Member.id
            ),
        )
        .order_by(Member.id)
    ).all()
    notifications.meeting_reminder(session, meeting, members)
    meeting.reminder_sent_at = now
    session.flush()
    return len(members)


# --- after the meeting --------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def publish_notes(
    session: Session, meeting: Meeting, notes: str, uploads: list[Upload], now: datetime
) -> Meeting:
    """Notes (Markdown, rendered sanitised) and attachments, once the meeting has started.
    Every file is checked before anything is written: one bad file and nothing is stored."""
    refuse(meeting.refusal_to_publish_notes(now))
    notes = (notes or "").strip()
    if not notes:
        raise DomainError(_l("Write the notes before publishing them."), field="notes")
    if len(uploads) > MAX_ATTACHMENTS_PER_UPLOAD:
        raise DomainError(_l("Send at most 5 files at once."), field="attachments")
    checked = []
    for upload in uploads:
        try:
            checked.append((upload, check_upload(upload.data, allow_pdf=True)))
        except DomainError as error:
            # Which of several files is wrong, and why, in the user's language.
            message = f"{_display_name(upload.filename)}: {error}"
            raise DomainError(message, field="attachments") from None
    meeting.notes = notes
    meeting.notes_updated_at = now
    if meeting.notes_published_at is None:
        meeting.notes_published_at = now
        notifications.meeting_notes(session, meeting)
    for upload, file in checked:
        key = save_with_transaction(session, new_key("meetings", file.suffix), file.content)
        name = _display_name(upload.filename)
        if file.kind == "image":
            # Re-encoded as JPEG: the name should say so.
            name = name.rsplit(".", 1)[0] + ".jpg"
        meeting.attachments.append(
            MeetingAttachment(
                filename=name,
                kind=file.kind,
                content_type=file.content_type,
                storage_key=key,
                size=len(file.content),
                created_at=now,
            )
        )
    session.flush()
    record_change(session, "meeting", meeting.id)
    return meeting


def _display_name(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(char for char in name if char.isprintable())
    return (name or "document")[:MAX_FILENAME]


def set_attendance(
    session: Session, meeting: Meeting, attended_member_ids: set[int], now: datetime
) -> None:
    """Mark who came, once the meeting has started; every invited member not ticked is
    marked absent. Ids of members who were not invited are ignored."""
    refuse(meeting.refusal_to_mark_attendance(now))
    for invitation in meeting.invitations:
        invitation.attended = invitation.member_id in attended_member_ids
    session.flush()
    record_change(session, "meeting", meeting.id)


def mark_notes_read(session: Session, invitation: MeetingInvitation, now: datetime) -> None:
    meeting = invitation.meeting
    if meeting.notes_updated_at is None:
        return
    if invitation.notes_read_at is None or invitation.notes_read_at < meeting.notes_updated_at:
        invitation.notes_read_at = now
        session.flush()


# --- what a member sees -------------------------------------------------------------------


@dataclass(frozen=True)
class MemberMeeting:
    meeting: Meeting
    invitation: MeetingInvitation
    rsvp: MeetingRsvp | None

    @property
    def notes_unread(self) -> bool:
        updated = self.meeting.notes_updated_at
        read = self.invitation.notes_read_at
        return updated is not None and (read is None or read < updated)


def _member_meetings(session: Session, member: Member, *conditions, order, limit=None):
    rows = session.execute(
        select(Meeting, MeetingInvitation, MeetingRsvp)
        .join(MeetingInvitation, MeetingInvitation.meeting_id == Meeting.id)
        .outerjoin(
            MeetingRsvp,
            (MeetingRsvp.meeting_id == Meeting.id) & (MeetingRsvp.member_id == member.id),
        )
        .where(MeetingInvitation.member_id == member.id, *conditions)
        .order_by(*order)
        .limit(limit)
    ).all()
    return [MemberMeeting(*row) for row in rows]


def upcoming_for(session: Session, member: Member, now: datetime) -> list[MemberMeeting]:
    """The member's meetings that have not ended, soonest first."""
    return _member_meetings(session, member, Meeting.ends_at > now, order=[Meeting.starts_at])


def next_meeting_for(session: Session, member: Member, now: datetime) -> MemberMeeting | None:
    found = _member_meetings(
        session, member, Meeting.ends_at > now, order=[Meeting.starts_at], limit=1
    )
    return found[0] if found else None


def notes_archive_for(
    session: Session, member: Member, query: str = "", limit: int = 100
) -> tuple[list[MemberMeeting], dict[int, object]]:
    """Published notes of the meetings the member was invited to, newest first, or the best
    matches of `query`; with a highlighted snippet per match."""
    published = Meeting.notes_published_at.is_not(None)
    if not query.strip():
        return (
            _member_meetings(
                session, member, published, order=[Meeting.starts_at.desc()], limit=limit
            ),
            {},
        )
    hits = search_notes(session, query, member.id, limit)
    snippets = {hit.meeting_id: hit.snippet for hit in hits}
    found = _member_meetings(session, member, Meeting.id.in_(snippets), order=[Meeting.id])
    rank = {meeting_id: index for index, meeting_id in enumerate(snippets)}
    return sorted(found, key=lambda item: rank[item.meeting.id]), snippets


def staff_meetings(session: Session, now: datetime, upcoming: bool) -> list[Meeting]:
    if upcoming:
        return list(
            session.scalars(
                select(Meeting).where(Meeting.ends_at > now).order_by(Meeting.starts_at)
            )
        )
    return list(
        session.scalars(
            select(Meeting).where(Meeting.ends_at <= now).order_by(Meeting.starts_at.desc())
        )
    )


def staff_notes_archive(
    session: Session, query: str = "", limit: int = 100
) -> tuple[list[Meeting], dict[int, object]]:
    """Every meeting's published notes, newest first, or the best matches of `query`."""
    if not query.strip():
        published = (
            select(Meeting)
            .where(Meeting.notes_published_at.is_not(None))
            .order_by(Meeting.starts_at.desc())
            .limit(limit)
        )
        return list(session.scalars(published)), {}
    hits = search_notes(session, query, None, limit)
    ids = [hit.meeting_id for hit in hits]
    meetings = {m.id: m for m in session.scalars(select(Meeting).where(Meeting.id.in_(ids)))}
    return [meetings[i] for i in ids], {hit.meeting_id: hit.snippet for hit in hits}


def answer_counts(session: Session, meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """{meeting id: {"yes": n, "no": n, "maybe": n, "invited": n}} in two queries."""
    counts = {i: {"yes": 0, "no": 0, "maybe": 0, "invited": 0} for i in meeting_ids}
    if not meeting_ids:
        return counts
    for meeting_id, answer, number in session.execute(
        select(MeetingRsvp.meeting_id, MeetingRsvp.answer, func.count())
        .where(MeetingRsvp.meeting_id.in_(meeting_ids))
        .group_by(MeetingRsvp.meeting_id, MeetingRsvp.answer)
    ):
        counts[meeting_id][answer.value] = number
    for meeting_id, number in session.execute(
        select(MeetingInvitation.meeting_id, func.count())
        .where(MeetingInvitation.meeting_id.in_(meeting_ids))
        .group_by(MeetingInvitation.meeting_id)
    ):
        counts[meeting_id]["invited"] = number
    return counts


def member_meeting(
    session: Session, meeting: Meeting, member: Member, now: datetime, mark_read: bool = False
) -> MemberMeeting | None:
    """The member's view of one meeting; opening published notes marks them read."""
    invitation = invitation_for(session, meeting, member)
    if invitation is None:
        return None
    item = MemberMeeting(meeting, invitation, rsvp_for(session, meeting, member))
    if mark_read and item.notes_unread:
        mark_notes_read(session, invitation, now)
    return item


# --- calendar -----------------------------------------------------------------------------


def meeting_event(meeting: Meeting, base_url: str = "") -> CalendarEvent:
    url = f"{base_url.rstrip('/')}/meetings/{meeting.ref}"
    location = ", ".join(part for part in (meeting.location, meeting.video_url) if part)
    return CalendarEvent(
        uid=f"meeting-{meeting.ref}@cae-portal",
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        updated_at=meeting.notes_updated_at or meeting.created_at,
        description=meeting.agenda,
        location=location,
        url=url,
    )


def calendar_events_for(
    session: Session, member: Member, now: datetime | None = None, base_url: str = ""
) -> list[CalendarEvent]:
    """The member's upcoming meetings (not ended; declined ones included, as invitations) as
    calendar events. `url` is site-relative unless `base_url` ("https://portal.example") is
    given; times are UTC-aware."""
    now = now or utcnow()
    return [meeting_event(item.meeting, base_url) for item in upcoming_for(session, member, now)]


def meeting_ics(meeting: Meeting, base_url: str) -> bytes:
    return to_ical([meeting_event(meeting, base_url)], meeting.title)
