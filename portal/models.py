"""Every model, imported once so that Alembic and the tests see the whole schema."""

from portal.auth.models import LoginFailure, LoginSession, PasswordResetToken
from portal.coop.models import CoopSettings
from portal.db import Base
from portal.meetings.models import Meeting, MeetingAttachment, MeetingInvitation, MeetingRsvp
from portal.members.models import Activity, Member
from portal.outbox.models import OutboxMessage
from portal.sync.models import Change

__all__ = [
    "Activity",
    "Base",
    "Change",
    "CoopSettings",
    "LoginFailure",
    "LoginSession",
    "Meeting",
    "MeetingAttachment",
    "MeetingInvitation",
    "MeetingRsvp",
    "Member",
    "OutboxMessage",
    "PasswordResetToken",
]
