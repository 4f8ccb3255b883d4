from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """An email written in the same transaction as the change that caused it.

    Delivered after the commit (SMTP when configured, else written to the log), so a rolled
    back request never sends mail and a failed delivery can be retried. A message may be
    written when it is claimed for delivery rather than when it is queued (`composer`): a
    notification's, whose words the request that causes it need not pay for. A deliverer marks
    the message `claimed_at` before sending, so that two never send it twice; a claim older
    than `CLAIM_LAPSES_AFTER` (a deliverer that died) no longer counts."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    # None until its composer writes them, in the transaction that claims it.
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    # The same message in HTML, sent beside the text as its alternative.
    html: Mapped[str | None] = mapped_column(Text)
    # Where the reader's answer goes, when not to the portal's own address (an
    # entrepreneur's, on an invoice mailed to their customer).
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # What writes the message at delivery (`portal.outbox.services.composer`), from which
    # row (a notification's id); None for a message written when queued.
    composer: Mapped[str | None] = mapped_column(String(40))
    composer_key: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))

    attachments: Mapped[list["OutboxAttachment"]] = relationship(
        order_by="OutboxAttachment.id", cascade="all, delete-orphan", passive_deletes=True
    )


class OutboxAttachment(Base):
    """A file mailed with its message (an invoice's PDF): a row written in the same
    transaction, so a rolled back request leaves no file behind and a retry sends the
    same bytes."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
