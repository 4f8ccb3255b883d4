"""Monthly meetings and general assemblies: who is invited, who answers, who came, what was said.

Invitations are written once, when the meeting is scheduled, for the audience of that day
(every active entrepreneur, or only some statuses; associés only for a general assembly).
A member who joins later is not invited silently: staff add newcomers with one button
(`invite_newcomers`), which never removes anyone who was invited."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, LabelledEnum, UTCDateTime, str_enum, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member


class RsvpAnswer(LabelledEnum):
    YES = "yes", _l("Yes")
    NO = "no", _l("No")
    MAYBE = "maybe", _l("Maybe")


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable short identifier for URLs and the back-office API (/meetings/{ref}/rsvps).
    ref: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    is_general_assembly: Mapped[bool] = mapped_column(Boolean, default=False)
    # Member statuses invited, comma-separated ("accompagne,salarie,associe").
    audience: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    notes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitations: Mapped[list["MeetingInvitation"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["MeetingAttachment"]] = relationship(
        back_populates="meeting", order_by="MeetingAttachment.id", cascade="all, delete-orphan"
    )

    @property
    def audience_statuses(self) -> list[str]:
        return [status for status in self.audience.split(",") if status]

    def has_started(self, now: datetime) -> bool:
        return now >= self.starts_at

    # What may be done with it: each predicate gives the reason for a refusal (None: allowed).
    # Before it starts it is organised and answered; once started, attendance and notes.

    def refusal_to_change(self, now: datetime) -> Refusal:
        if self.has_started(now):
            return _l("This meeting has started: it can no longer be changed.")
        return None

    def refusal_to_invite(self, now: datetime) -> Refusal:
        if self.has_started(now):
            return _l("This meeting has started: invitations are closed.")
        return None

    def refusal_to_answer(self, now: datetime) -> Refusal:
        """Whether an invited member may answer or change their answer."""
        if self.has_started(now):
            return _l("This meeting has started: answers are closed.")
        return None

    def refusal_to_remind(self, now: datetime) -> Refusal:
        if self.has_started(now):
            return _l("This meeting has started: no more reminders.")
        return None

    def refusal_to_publish_notes(self, now: datetime) -> Refusal:
        if not self.has_started(now):
            return _l("Notes can be published once the meeting has started.")
        return None

    def refusal_to_mark_attendance(self, now: datetime) -> Refusal:
        if not self.has_started(now):
            return _l("Attendance can be marked once the meeting has started.")
        return None


class MeetingInvitation(Base):
    """One invited member: attendance and "notes read" are kept here."""

    __tablename__ = "meeting_invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None until staff mark attendance after the meeting.
    attended: Mapped[bool | None] = mapped_column(Boolean)
    notes_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    member: Mapped[Member] = relationship()


class MeetingRsvp(Base):
    """An invited member's answer. The composite foreign key makes the database refuse an
    answer from someone who was not invited; the unique constraint, a second answer."""

    __tablename__ = "meeting_rsvps"
    __table_args__ = (
        UniqueConstraint("meeting_id", "member_id"),
        ForeignKeyConstraint(
            ["meeting_id", "member_id"],
            ["meeting_invitations.meeting_id", "meeting_invitations.member_id"],
            name="fk_meeting_rsvps_invitation",
            ondelete="CASCADE",
        ),
        CheckConstraint("length(comment) <= 200", name="comment_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(str_enum(RsvpAnswer, "rsvp_answer", length=10))
    comment: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()


class MeetingAttachment(Base):
    """A file published with the notes (a PDF, a photo of the whiteboard)."""

    __tablename__ = "meeting_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # "image" or "pdf"
    content_type: Mapped[str] = mapped_column(String(50))
    storage_key: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="attachments")
