import enum
from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, str_enum, utcnow


class ChangeOp(enum.StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class Change(Base):
    """One write the back office cares about, appended in the same transaction as the write.

    The back office reads them in `seq` order through the API's change feed; `seq` is
    monotonic and, because writers take a lock before appending (see `record_change`),
    changes commit in `seq` order, so a cursor never skips a change committed later."""

    __tablename__ = "changes"

    # SQLite only autoincrements an INTEGER primary key.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[ChangeOp] = mapped_column(str_enum(ChangeOp, "change_op", length=10))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FeedDocument(Base):
    """An entity's representation in the feed, written as JSON by the transaction of every
    write that changes it (`portal/sync/documents.py`), so that reading a page of the feed
    costs no more than reading its rows. Only for the entities that keep one; the others are
    built on each read."""

    __tablename__ = "feed_documents"

    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
