from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who did what, when and from where: security events and staff decisions.

    Rows are only added (and purged once older than the retention). `actor_label` and
    `subject_label` hold "Name <email>" as it was then, or what was typed for an email nobody
    owns (a failed login), or a program ("API cae_…"): the page and its search read them, so
    the trail stays readable whatever becomes of the member (the ids are for joins)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_event_at", "event", "at"),
        Index("ix_audit_events_subject_at", "subject_id", "at"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    event: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    subject_label: Mapped[str] = mapped_column(String(254), default="")
    # What the event is about beyond a member ("invoice 2026-0042", "client cae_…").
    target: Mapped[str] = mapped_column(String(120), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
