"""The audit trail: security events and staff decisions, with who, when and from where.

Other modules call `record(session, "invoice_validated", actor=staff, subject=member, ...)`
in the transaction of the change itself, so an event is kept exactly when its change is.
The address the request came from is set by the web layer (`set_origin`), never read here
from a request: services stay free of HTTP, and a command records no address."""

import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent
from portal.dates import paris_to_utc
from portal.i18n import lazy_gettext as _l

# Every kind of event, with its label on the admin's page. Security first, then decisions.
EVENTS = {
    "login": _l("Login"),
    "login_failed": _l("Failed login"),
    "login_throttled": _l("Login refused: too many failures"),
    "logout": _l("Logout"),
    "password_reset_requested": _l("Password reset asked"),
    "password_reset": _l("Password reset"),
    "email_changed": _l("Email changed"),
    "password_changed": _l("Password changed"),
    "password_change_failed": _l("Password change refused: wrong current password"),
    "sessions_ended": _l("Signed out of other devices"),
    "iban_changed": _l("IBAN changed"),
    "account_created": _l("Account created"),
    "member_invited": _l("Member invited"),
    "member_deactivated": _l("Member deactivated"),
    "member_reactivated": _l("Member reactivated"),
    "api_client_created": _l("API client created"),
    "api_client_revoked": _l("API client revoked"),
    "export": _l("Export"),
    "invoice_validated": _l("Invoice validated"),
    "invoice_returned": _l("Invoice returned"),
    "quote_validated": _l("Quote validated"),
    "quote_returned": _l("Quote returned"),
    "quote_signed_on_paper": _l("Quote signed on paper recorded"),
    "receipt_approved": _l("Receipt approved"),
    "receipt_rejected": _l("Receipt rejected"),
    "payment_recorded": _l("Payment recorded"),
    "transfer_validated": _l("Internal transfer validated"),
    "status_changed": _l("Status changed"),
    "contract_changed": _l("Contract changed"),
    "activities_changed": _l("Activities changed"),
    "associate_requested": _l("Asked to become an associate"),
    "associate_decided": _l("Associate request decided"),
}

PAGE_SIZE = 50


class Person(Protocol):
    """A member as the trail names them (the audit sits below the members module)."""

    id: int
    email: str
    full_name: str


def label(person: Person) -> str:
    return f"{person.full_name} <{person.email}>"


_origin: ContextVar[str] = ContextVar("audit_origin", default="")


def set_origin(ip: str) -> None:
    """The web layer names the address of the request being served ("" once it is done)."""
    _origin.set(ip or "")


def record(
    session: Session,
    event: str,
    *,
    actor: Person | None = None,
    actor_label: str = "",
    subject: Person | None = None,
    subject_label: str = "",
    target: str = "",
    detail: str = "",
    ip: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event to the trail, in the caller's transaction. `ip` defaults to the address
    of the request being served, if any."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    row = AuditEvent(
        event=event,
        actor_id=actor.id if actor else None,
        actor_label=(actor_label or (label(actor) if actor else ""))[:254],
        subject_id=subject.id if subject else None,
        subject_label=(subject_label or (label(subject) if subject else ""))[:254],
        target=str(target)[:120],
        detail=str(detail)[:500],
        ip=(_origin.get() if ip is None else ip)[:45],
    )
    if at is not None:
        row.at = at
    session.add(row)
    return row


@dataclass(frozen=True)
class AuditFilters:
    event: str = ""
    member: str = ""  # part of an email or a name, as actor or subject
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class AuditPage:
    items: list[AuditEvent]
    total: int
    page: int
    per_page: int = PAGE_SIZE
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, math.ceil(self.total / self.per_page))


def search(session: Session, filters: AuditFilters, page: int = 1) -> AuditPage:
    """The events matching `filters`, newest first, one page at a time. Dates are the
    coop's calendar days (Paris), both ends included."""
    conditions = []
    if filters.event:
        conditions.append(AuditEvent.event == filters.event)
    if filters.member:
        pattern = f"%{_escape_like(filters.member.strip().lower())}%"
        conditions.append(
            or_(
                func.lower(AuditEvent.actor_label).like(pattern, escape="\\"),
                func.lower(AuditEvent.subject_label).like(pattern, escape="\\"),
            )
        )
    if filters.date_from:
        conditions.append(AuditEvent.at >= paris_to_utc(filters.date_from, time(0)))
    if filters.date_to:
        next_day = filters.date_to + timedelta(days=1)
        conditions.append(AuditEvent.at < paris_to_utc(next_day, time(0)))
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    last_page = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(1, page), last_page)
    items = session.scalars(
        select(AuditEvent)
        .where(*conditions)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return AuditPage(list(items), total, page)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def retention_cutoff(now: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months before `now` (the last day of the
    month when that month is shorter)."""
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(now.day, 0, -1):
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def purge(session: Session, now: datetime, months: int) -> int:
    """Delete the events older than the retention; how many went."""
    if months < 1:
        raise ValueError("the audit trail is kept at least one month")
    result = session.execute(
        delete(AuditEvent).where(AuditEvent.at < retention_cutoff(now, months))
    )
    return result.rowcount
