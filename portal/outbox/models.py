from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """An email written in the same transaction as the change that caused it.

    Delivered after the commit (SMTP when configured, else written to the log), so a rolled
    back request never sends mail and a failed delivery can be retried. A deliverer marks
    the message `claimed_at` before sending, so that two never send it twice; a claim older
    than `CLAIM_LAPSES_AFTER` (a deliverer that died) no longer counts."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The same message in HTML, sent beside the text as its alternative.
    html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
