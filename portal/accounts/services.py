"""Accounts: what joins a member (portal.members) to their logins (portal.auth). The support
team invites, deactivates and reactivates members; each member signs their other devices
out."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.auth.services import (
    end_every_login_session,
    end_other_login_sessions,
    issue_password_token,
)
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member, MemberStatus, Role
from portal.members.notifications import email_invitation
from portal.members.services import active_admins, create_member
from portal.sync.services import record_change


def invite_member(
    session: Session,
    by: Member,
    *,
    email: str,
    full_name: str,
    role: Role,
    status: MemberStatus | None,
    locale: str,
    now: datetime,
    lifetime: timedelta,
    link_for: Callable[[str], str],
) -> Member:
    """A new member without a password, mailed a single-use link to choose one (valid for
    `lifetime`, voided like a reset link's). Only admins invite the support team."""
    if role is not Role.ENTREPRENEUR and not by.is_admin:
        raise DomainError(_l("Only an admin can invite a member of the support team."), "role")
    member = create_member(
        session,
        email=email,
        full_name=full_name,
        role=role,
        status=status if role is Role.ENTREPRENEUR else None,
        by=by,
    )
    member.locale = locale
    record(session, "member_invited", actor=by, subject=member, detail=str(role))
    _mail_invitation(session, member, by, now, lifetime, link_for)
    return member


def resend_invitation(
    session: Session,
    member: Member,
    by: Member,
    now: datetime,
    lifetime: timedelta,
    link_for: Callable[[str], str],
) -> None:
    """A new link for a member who has not chosen a password yet; the earlier one is void."""
    refusal = member.refusal_to_manage(by)
    if refusal is not None:
        raise DomainError(refusal)
    if member.has_password or not member.active:
        raise DomainError(_l("Only an active member who has not logged in yet is invited."))
    record(session, "member_invited", actor=by, subject=member, detail="again")
    _mail_invitation(session, member, by, now, lifetime, link_for)


def _mail_invitation(session, member, by, now, lifetime, link_for) -> None:
    token = issue_password_token(session, member, now, lifetime)
    email_invitation(session, member, by, link_for(token), lifetime.days)


def deactivate_member(session: Session, member: Member, by: Member) -> None:
    """The member can no longer log in: every session of theirs ends at once, their links to
    choose a password are void. Their data stays. Never oneself, never the last admin."""
    refusal = member.refusal_to_deactivate(by)
    if refusal is not None:
        raise DomainError(refusal)
    if member.is_admin and active_admins(session) <= 1:
        raise DomainError(_l("The last admin cannot be deactivated."))
    member.active = False
    end_every_login_session(session, member)
    record(session, "member_deactivated", actor=by, subject=member)
    session.flush()
    record_change(session, "member", member.id)


def reactivate_member(session: Session, member: Member, by: Member) -> None:
    """The member can log in again, with their password (or a reset link)."""
    refusal = member.refusal_to_manage(by)
    if refusal is not None:
        raise DomainError(refusal)
    if member.active:
        raise DomainError(_l("This account is already active."))
    member.active = True
    record(session, "member_reactivated", actor=by, subject=member)
    session.flush()
    record_change(session, "member", member.id)


def sign_out_other_devices(session: Session, member: Member, keep_token: str) -> int:
    """Every login of the member but this browser's ends; the number ended."""
    ended = end_other_login_sessions(session, member, keep_token)
    record(session, "sessions_ended", actor=member, subject=member, detail=str(ended))
    return ended
