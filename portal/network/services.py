"""The network's rules: posting a request, answering it privately, replying in a thread.

Requests and messages are plain text. Markup in a request (an HTML tag) is refused with a
message rather than silently escaped: a request is sent to many members by email and in the
app, and its author should see it as they will. Messages are escaped when shown, so a "<3"
in a conversation is kept as written."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.directory.services import parse_skills
from portal.errors import DomainError, refuse
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.network import notifications
from portal.network.models import (
    MAX_DAYS_OPEN,
    MAX_DETAILS_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_TAGS,
    NetworkMessage,
    NetworkRequest,
    NetworkThread,
    RequestTag,
)

# An HTML tag or comment: "<b>", "</a>", "<img ...>", "<!--"; not "a < b" nor "<3".
MARKUP = re.compile(r"<\s*(/\s*)?[a-zA-Z!?][^>]*>|<!--")


@dataclass(frozen=True)
class RequestInput:
    title: str
    details: str
    place: str
    ends_on: date
    tags: str  # as typed: skills separated by commas


def _refuse_markup(value: str, field: str) -> None:
    if MARKUP.search(value):
        raise DomainError(
            _l("Write plain text: HTML tags such as <b> are not accepted here."), field=field
        )


def post_request(
    session: Session, member: Member, data: RequestInput, today: date
) -> NetworkRequest:
    """Record the request and tell the members whose listed skills match its tags. It is
    open until its end date, which is neither past nor more than MAX_DAYS_OPEN days ahead."""
    title, details, place = data.title.strip(), data.details.strip(), data.place.strip()
    for value, field in ((title, "title"), (details, "details"), (place, "place")):
        _refuse_markup(value, field)
    if not title:
        raise DomainError(_l("Say what you are looking for."), field="title")
    if len(details) > MAX_DETAILS_LENGTH:
        raise DomainError(
            _l("The details are %(max)d characters at most.", max=MAX_DETAILS_LENGTH),
            field="details",
        )
    tags = parse_skills(data.tags, field="tags")
    if not tags:
        raise DomainError(_l("Name at least one skill: members with it are told."), field="tags")
    if len(tags) > MAX_TAGS:
        raise DomainError(_l("At most %(max)d skills.", max=MAX_TAGS), field="tags")
    if data.ends_on < today:
        raise DomainError(_l("The end date is already past."), field="ends_on")
    if data.ends_on > today + timedelta(days=MAX_DAYS_OPEN):
        raise DomainError(
            _l("A request stays open %(days)d days at most.", days=MAX_DAYS_OPEN),
            field="ends_on",
        )
    request = NetworkRequest(
        member=member, title=title, details=details, place=place, ends_on=data.ends_on
    )
    request.tags = [RequestTag(tag=tag) for tag in tags]
    session.add(request)
    session.flush()
    notifications.request_posted(session, request)
    return request


def close_request(
    session: Session, request: NetworkRequest, member: Member, today: date
) -> NetworkRequest:
    """The author found what they asked for: the request takes no more answers from today
    (it was open until the day before); the conversations already begun stay readable."""
    refuse(request.refusal_to_close(member, today))
    request.ends_on = today - timedelta(days=1)
    session.flush()
    return request


def _checked_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(_l("Write your message."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise DomainError(
            _l("A message is %(max)d characters at most.", max=MAX_MESSAGE_LENGTH), field="body"
        )
    return body


def answer_request(
    session: Session, request: NetworkRequest, member: Member, body: str, today: date
) -> NetworkThread:
    """Answer privately: the member's thread with the request's author (opened by the first
    answer, continued by the next). A closed request and one's own request take none."""
    refuse(request.refusal_to_answer(member, today))
    body = _checked_body(body)
    # The request's row locked (PostgreSQL; SQLite's writers queue already) before looking
    # for the thread: a double tap's second answer waits, then finds the thread the first
    # opened, instead of breaking the one-thread-per-answerer constraint.
    session.execute(
        select(NetworkRequest.id).where(NetworkRequest.id == request.id).with_for_update()
    )
    thread = thread_of(session, request, member)
    if thread is None:
        thread = NetworkThread(request=request, answerer=member)
        session.add(thread)
    return _write(session, thread, member, body)


def reply(session: Session, thread: NetworkThread, member: Member, body: str) -> NetworkThread:
    """A message in an existing thread, by one of its two members (the view 404s the others).
    A thread, once open, goes on after the request closes: the two arrange the work."""
    if not thread.is_between(member):
        raise DomainError(_l("This conversation is not yours."))
    return _write(session, thread, member, _checked_body(body))


def _write(session: Session, thread: NetworkThread, member: Member, body: str) -> NetworkThread:
    message = NetworkMessage(author=member, body=body)
    thread.messages.append(message)
    session.flush()
    notifications.message_written(session, thread, message)
    return thread


# --- reading ------------------------------------------------------------------------------


def thread_of(session: Session, request: NetworkRequest, member: Member) -> NetworkThread | None:
    return session.scalar(
        select(NetworkThread).where(
            NetworkThread.request_id == request.id, NetworkThread.answerer_id == member.id
        )
    )


def threads_on(session: Session, request: NetworkRequest) -> list[NetworkThread]:
    """The answers to a request, for its author: one thread per answerer, oldest first."""
    return list(
        session.scalars(
            select(NetworkThread)
            .where(NetworkThread.request_id == request.id)
            .order_by(NetworkThread.id)
        )
    )


def open_requests(session: Session, today: date, limit: int = 100) -> list[NetworkRequest]:
    """Requests still open, the soonest to close first."""
    return list(
        session.scalars(
            select(NetworkRequest)
            .where(NetworkRequest.ends_on >= today)
            .order_by(NetworkRequest.ends_on, NetworkRequest.id)
            .limit(limit)
        )
    )


def requests_of(session: Session, member: Member, limit: int = 50) -> list[NetworkRequest]:
    """The member's own requests, newest first, open or closed."""
    return list(
        session.scalars(
            select(NetworkRequest)
            .where(NetworkRequest.member_id == member.id)
            .order_by(NetworkRequest.id.desc())
            .limit(limit)
        )
    )


def my_threads(session: Session, member: Member, limit: int = 50) -> list[NetworkThread]:
    """The threads the member opened by answering others' requests, newest first."""
    return list(
        session.scalars(
            select(NetworkThread)
            .where(NetworkThread.answerer_id == member.id)
            .order_by(NetworkThread.id.desc())
            .limit(limit)
        )
    )


def answer_counts(session: Session, request_ids: list[int]) -> dict[int, int]:
    """How many members answered each request."""
    if not request_ids:
        return {}
    rows = session.execute(
        select(NetworkThread.request_id, func.count())
        .where(NetworkThread.request_id.in_(request_ids))
        .group_by(NetworkThread.request_id)
    )
    return dict(rows.all())
