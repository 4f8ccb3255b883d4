"""Tell members what happened: a notification in the app, always, and an email as each
member chose for its kind (at once, in a daily summary, or none).

Modules call `notify` (or `notify_staff`) from their own `notifications.py`, inside the
transaction of the change: a rolled back change tells nobody, and the email, queued in the
outbox, leaves after the commit."""

from collections.abc import Iterable
from datetime import datetime

from flask_babel import force_locale, ngettext
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from portal.db import Page, insert_rows, utcnow
from portal.links import absolute_url, portal_path
from portal.members.models import Member, Role
from portal.notifications.models import (
    EMAIL_COMPOSER,
    Audience,
    EmailDelivery,
    Notification,
    NotificationKind,
    NotificationSetting,
    display_params,
)
from portal.outbox.services import (
    Email,
    composer,
    queue_composed_emails,
    queue_email,
    render_email,
)

PER_PAGE = 30
UNREAD_SHOWN = 99  # more shows as "99+"


def notify(session: Session, member: Member, kind: NotificationKind, link: str, /, **params) -> int:
    """Tell `member` about `kind` in the app, and by email as they chose. `link` is a path
    in the portal (`portal.links.portal_path`); `params` are JSON values the kind's text
    and email templates name. Returns the notification's id."""
    [notification_id] = notify_all(session, [member], kind, link, **params)
    return notification_id


def notify_staff(session: Session, kind: NotificationKind, link: str, /, **params) -> None:
    """Tell every active member of the support team (staff and admins)."""
    team = session.scalars(
        select(Member).where(Member.role.in_([Role.STAFF, Role.ADMIN]), Member.active.is_(True))
    ).all()
    notify_all(session, team, kind, link, **params)


def notify_all(
    session: Session, members: Iterable[Member], kind: NotificationKind, link: str, /, **params
) -> list[int]:
    """`notify` for several members at once: one read of their email settings, one
    statement writing the notifications, one queueing their emails (a booking's request
    pays for rows, not for the ORM's unit of work). Returns the notifications' ids."""
    members = list(members)
    if not members:
        return []
    if any(member.id is None for member in members):
        session.flush()  # a member created by this transaction
    settings = _deliveries(session, [member.id for member in members], kind)
    deliveries = [settings.get(member.id, kind.default_delivery) for member in members]
    now = utcnow()
    rows = [
        {
            "member_id": member.id,
            "kind": kind,
            "params": params,
            "link": link,
            "created_at": now,
            "awaits_digest": delivery is EmailDelivery.DAILY,
        }
        for member, delivery in zip(members, deliveries, strict=True)
    ]
    ids = insert_rows(session, Notification, rows)
    # Written when it is delivered (`_notification_email`), not by this request.
    emails = [
        (member.email, notification_id)
        for member, delivery, notification_id in zip(members, deliveries, ids, strict=True)
        if delivery is EmailDelivery.AT_ONCE
    ]
    queue_composed_emails(session, EMAIL_COMPOSER, emails)
    return ids


# --- A document's validation (an invoice, a quote) ------------------------------------------
# Each kind names its own notifications; what they say and whom they tell is the same.


def document_submitted(session: Session, kind: NotificationKind, link: str, document, /) -> None:
    """A new item in the support team's validation queue."""
    notify_staff(
        session,
        kind,
        link,
        member=document.member.full_name,
        customer=document.customer.name,
        amount_cents=document.total_incl_vat_cents,
    )


def document_validated(
    session: Session, kind: NotificationKind, link: str, document, by: Member, /
) -> None:
    """Unless its author validated it (a trusted entrepreneur): they know."""
    if by.id == document.member_id:
        return
    notify(
        session,
        document.member,
        kind,
        link,
        number=document.number,
        customer=document.customer.name,
    )


def document_returned(session: Session, kind: NotificationKind, link: str, document, /) -> None:
    notify(
        session,
        document.member,
        kind,
        link,
        customer=document.customer.name,
        comment=document.return_comment,
    )


# Built once: every notifying request reads it, on the session's connection (plain rows, no
# objects: the ORM's layer would cost as much as the read), so without flushing the change
# that notifies first (settings are flushed when they change).
_EMAIL_SETTINGS = select(NotificationSetting.member_id, NotificationSetting.email).where(
    NotificationSetting.kind == bindparam("kind"),
    NotificationSetting.member_id.in_(bindparam("member_ids", expanding=True)),
)


def _deliveries(
    session: Session, member_ids: list[int], kind: NotificationKind
) -> dict[int, EmailDelivery]:
    if not member_ids:
        return {}
    rows = session.connection().execute(_EMAIL_SETTINGS, {"kind": kind, "member_ids": member_ids})
    return dict(rows.all())


@composer(EMAIL_COMPOSER)
def _notification_email(session: Session, notification_id: int) -> Email | None:
    """A notification's email, in its member's language; None once the notification is gone
    (with its member)."""
    notification = session.get(Notification, notification_id)
    if notification is None:
        return None
    member = session.get(Member, notification.member_id)
    locale = member.locale or "fr"
    with force_locale(locale):
        subject = notification.text()
        shown = display_params(notification.params)
    return render_email(
        notification.kind.template,
        locale,
        subject,
        member=member,
        params=shown,
        link=absolute_url(notification.link),
        settings_link=absolute_url(portal_path("notifications.settings")),
    )


# --- the member's list --------------------------------------------------------------------


def unread_count(session: Session, member_id: int) -> int:
    """For the header of every page: one count in the (member, read_at) index, which stops
    at UNREAD_SHOWN + 1 (the header says "99+"), so a long backlog costs no more."""
    unread = (
        select(Notification.id)
        .where(Notification.member_id == member_id, Notification.read_at.is_(None))
        .limit(UNREAD_SHOWN + 1)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(unread))


def notifications_page(session: Session, member: Member, page: int) -> Page:
    """The member's notifications, newest first."""
    total = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.member_id == member.id)
    )
    page = Page.number(page, total, PER_PAGE)
    items = session.scalars(
        select(Notification)
        .where(Notification.member_id == member.id)
        .order_by(Notification.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Page(list(items), total, page, PER_PAGE)


def notification_for(session: Session, member: Member, notification_id: int) -> Notification | None:
    """The member's own notification, or None: another member's is not theirs to see."""
    return session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.member_id == member.id
        )
    )


def mark_read(notification: Notification, now: datetime) -> None:
    if notification.read_at is None:
        notification.read_at = now


def mark_all_read(session: Session, member: Member, now: datetime) -> int:
    """Returns how many were unread."""
    result = session.execute(
        update(Notification)
        .where(Notification.member_id == member.id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return result.rowcount


# --- email settings -----------------------------------------------------------------------


def audience_of(member: Member) -> Audience:
    return Audience.STAFF if member.is_staff else Audience.MEMBER


def email_settings(session: Session, member: Member) -> dict[NotificationKind, EmailDelivery]:
    """How the member gets each kind meant for them by email (defaults filled in)."""
    chosen = dict(
        session.execute(
            select(NotificationSetting.kind, NotificationSetting.email).where(
                NotificationSetting.member_id == member.id
            )
        ).all()
    )
    return {
        kind: chosen.get(kind, kind.default_delivery)
        for kind in NotificationKind.for_audience(audience_of(member))
    }


def save_email_settings(
    session: Session, member: Member, choices: dict[NotificationKind, EmailDelivery]
) -> None:
    """Keep a row only where the choice differs from the kind's default. The app's list
    cannot be turned off: these settings are for email only."""
    existing = {
        row.kind: row
        for row in session.scalars(
            select(NotificationSetting).where(NotificationSetting.member_id == member.id)
        )
    }
    for kind, delivery in choices.items():
        row = existing.get(kind)
        if delivery is kind.default_delivery:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(NotificationSetting(member_id=member.id, kind=kind, email=delivery))
        else:
            row.email = delivery
    session.flush()


# --- the daily summary --------------------------------------------------------------------


def send_digests(session: Session, now: datetime) -> int:
    """Email each member one summary of what waits for it (kinds set to a daily summary),
    newest first, and take those out of the wait. A kind turned off since is dropped from
    the wait without email. Returns how many summaries were queued; run again, it sends
    nothing more, and two runs at once (two workers) never send one twice: on PostgreSQL
    each takes the rows it reads, skipping those another run holds; SQLite's write lock (the
    caller's `write_transaction`) runs them one after the other."""
    waiting = session.scalars(
        select(Notification)
        .where(Notification.awaits_digest.is_(True), Notification.created_at <= now)
        .order_by(Notification.member_id, Notification.id.desc())
        .with_for_update(skip_locked=True)
    ).all()
    by_member: dict[int, list[Notification]] = {}
    for notification in waiting:
        notification.awaits_digest = False
        by_member.setdefault(notification.member_id, []).append(notification)
    members = session.scalars(
        select(Member).where(Member.id.in_(by_member), Member.active.is_(True))
    ).all()
    sent = 0
    for member in members:
        settings = email_settings(session, member)
        items = [
            n
            for n in by_member[member.id]
            if settings.get(n.kind, n.kind.default_delivery) is EmailDelivery.DAILY
        ]
        if items:
            _email_digest(session, member, items)
            sent += 1
    session.flush()
    return sent


def _email_digest(session: Session, member: Member, items: list[Notification]) -> None:
    locale = member.locale or "fr"
    with force_locale(locale):
        subject = ngettext(
            "Your daily summary: %(num)d new item",
            "Your daily summary: %(num)d new items",
            len(items),
        )
        lines = [(n.text(), absolute_url(n.link)) for n in items]
    email = render_email(
        "notifications/digest",
        locale,
        subject,
        member=member,
        items=lines,
        list_link=absolute_url(portal_path("notifications.index")),
        settings_link=absolute_url(portal_path("notifications.settings")),
    )
    queue_email(session, member.email, email.subject, email.text, email.html)
