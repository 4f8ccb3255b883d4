"""What the meetings module tells members; its emails are in templates/emails/meetings/."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.meetings.models import Meeting, MeetingInvitation
from portal.members.models import Member
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify_all


def _facts(meeting: Meeting) -> tuple[str, dict]:
    link = portal_path("meetings.detail", ref=meeting.ref)
    return link, {"title": meeting.title, "starts_at": meeting.starts_at.isoformat()}


def meeting_invitation(session: Session, meeting: Meeting, members: Iterable[Member]) -> None:
    link, facts = _facts(meeting)
    notify_all(session, members, Kind.MEETING_INVITATION, link, **facts)


def meeting_reminder(session: Session, meeting: Meeting, members: Iterable[Member]) -> None:
    link, facts = _facts(meeting)
    notify_all(session, members, Kind.MEETING_REMINDER, link, **facts)


def meeting_notes(session: Session, meeting: Meeting) -> None:
    """The notes are published: every invited, active member is told."""
    invited = session.scalars(
        select(Member)
        .join(MeetingInvitation, MeetingInvitation.member_id == Member.id)
        .where(MeetingInvitation.meeting_id == meeting.id, Member.active.is_(True))
        .order_by(Member.id)
    )
    link, facts = _facts(meeting)
    notify_all(session, invited, Kind.MEETING_NOTES, link, **facts)
