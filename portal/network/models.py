"""A request to the network ("looking for a photographer in Lyon on 12 March"), and the
private threads its answers open: one per request and answerer, read by those two only.

A request is open until the end of its end date (Paris): computed when asked, so no job has
to close it."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.errors import Refusal
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member

MAX_TAGS = 8
MAX_DETAILS_LENGTH = 2000
MAX_MESSAGE_LENGTH = 2000
# How far ahead a request may run: long enough for an event months away, short enough that
# the list of open requests stays current.
MAX_DAYS_OPEN = 180


class NetworkRequest(Base):
    __tablename__ = "network_requests"
    __table_args__ = (
        CheckConstraint(f"length(details) <= {MAX_DETAILS_LENGTH}", name="details_length"),
        # The open requests: those whose end date is not past.
        Index("ix_network_requests_ends_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    details: Mapped[str] = mapped_column(Text, default="")  # plain text
    place: Mapped[str] = mapped_column(String(120), default="")
    ends_on: Mapped[date] = mapped_column(Date)  # last day it is open, in Paris
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    tags: Mapped[list["RequestTag"]] = relationship(
        cascade="all, delete-orphan", order_by="RequestTag.tag", lazy="selectin"
    )

    @property
    def tag_names(self) -> list[str]:
        return [tag.tag for tag in self.tags]

    def is_open(self, today: date) -> bool:
        return today <= self.ends_on

    def refusal_to_close(self, member: Member, today: date) -> Refusal:
        """Whether `member` may close the request before its end date: its author, once."""
        if member.id != self.member_id:
            return _l("Only the member who asked can close this request.")
        if not self.is_open(today):
            return _l("This request is already closed.")
        return None

    def refusal_to_answer(self, member: Member, today: date) -> Refusal:
        """Why `member` may not open a thread on this request, or None."""
        if member.id == self.member_id:
            return _l("This is your own request: answers come from the other members.")
        if not self.is_open(today):
            return _l("This request is closed: it no longer takes answers.")
        return None


class RequestTag(Base):
    """A skill a request looks for: members with this skill on their listed card are told."""

    __tablename__ = "network_request_tags"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("network_requests.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class NetworkThread(Base):
    """The private conversation between a request's author and one member who answered."""

    __tablename__ = "network_threads"
    __table_args__ = (UniqueConstraint("request_id", "answerer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("network_requests.id", ondelete="CASCADE"))
    answerer_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[NetworkRequest] = relationship(lazy="joined", innerjoin=True)
    answerer: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    messages: Mapped[list["NetworkMessage"]] = relationship(
        cascade="all, delete-orphan", order_by="NetworkMessage.id", lazy="selectin"
    )

    def is_between(self, member: Member) -> bool:
        """Only the request's author and the answerer read or write in it."""
        return member.id in (self.answerer_id, self.request.member_id)

    def other_than(self, member: Member) -> Member:
        return self.request.member if member.id == self.answerer_id else self.answerer


class NetworkMessage(Base):
    __tablename__ = "network_messages"
    __table_args__ = (CheckConstraint(f"length(body) <= {MAX_MESSAGE_LENGTH}", name="body_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("network_threads.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)  # plain text, escaped when shown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
