"""Passwords, login sessions, throttling of guesses, password reset.

Failed logins slow the address they come from, never the account: a lock on the account
would let anyone lock its owner out from anywhere. Counts live in the database, so every
app process sees the same ones."""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session, aliased

from portal.audit.services import record
from portal.auth.models import (
    LoginFailure,
    LoginSession,
    PasswordResetRequest,
    PasswordResetToken,
)
from portal.auth.notifications import email_password_reset
from portal.credentials import hash_password, normalise_email
from portal.credentials import hasher as _hasher
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.page_versions import COOP, PageVersion

# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not a real password")


@dataclass(frozen=True)
class LockoutPolicy:
    """`max_failures` for one account from one address, or `max_failures_per_address` from
    one address for any accounts, within `window`: that address waits."""

    max_failures: int = 10
    max_failures_per_address: int = 50
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class ResetPolicy:
    """Links mailed per account, and requests per address, within `window`."""

    max_per_account: int = 3
    max_per_address: int = 10
    window: timedelta = timedelta(hours=1)


class LoginLocked(DomainError):
    def __init__(self, until: datetime, now: datetime) -> None:
        minutes = max(1, math.ceil((until - now).total_seconds() / 60))
        super().__init__(
            _l(
                "Too many failed attempts: login is locked. Try again in "
                "%(minutes)d minutes, or reset your password.",
                minutes=minutes,
            )
        )
        self.until = until


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(
    session: Session,
    email: str,
    password: str,
    ip: str,
    now: datetime,
    policy: LockoutPolicy = LockoutPolicy(),
) -> Member:
    """The member with these credentials, or a DomainError with one message for both an
    unknown email and a wrong password.

    After `policy.max_failures` failures for this email from this address, or
    `policy.max_failures_per_address` from this address, within `policy.window`, this
    address is refused for `policy.window` after the last of them, even with the right
    password. The owner logging in from elsewhere is never refused."""
    email = normalise_email(email)
    member = session.scalar(select(Member).where(Member.email == email))
    locked_until = _locked_until(session, email, ip, now, policy)
    if locked_until is not None:
        record(session, "login_throttled", subject=member, subject_label=email, ip=ip, at=now)
        raise LoginLocked(locked_until, now)

    stored_hash = member.password_hash if member and member.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored_hash, password)
        valid = member is not None and member.password_hash is not None and member.active
    except (VerificationError, InvalidHashError):
        valid = False
    if not valid:
        session.add(LoginFailure(email=email[:254], ip=ip[:45], at=now))
        record(session, "login_failed", subject=member, subject_label=email, ip=ip, at=now)
        session.flush()
        raise DomainError(_l("Wrong email or password."))

    if _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = _hasher.hash(password)
    # A success clears this account's count from this address; the address's count stays.
    session.execute(
        delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip[:45])
    )
    record(session, "login", actor=member, subject=member, ip=ip, at=now)
    return member


def _locked_until(
    session: Session, email: str, ip: str, now: datetime, policy: LockoutPolicy
) -> datetime | None:
    """When enough failures for the email from this address, or from this address in all,
    fall within one window, the address waits one window from the last of them. Refused
    attempts are not recorded, so hammering does not extend the wait forever."""
    ip = ip[:45]
    counts = (
        ((LoginFailure.email == email, LoginFailure.ip == ip), policy.max_failures),
        ((LoginFailure.ip == ip,), policy.max_failures_per_address),
    )
    for conditions, limit in counts:
        latest = session.scalars(
            select(LoginFailure.at)
            .where(*conditions, LoginFailure.at > now - 2 * policy.window)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
        ).all()
        if len(latest) == limit and latest[0] - latest[-1] <= policy.window:
            until = latest[0] + policy.window
            if until > now:
                return until
    return None


def start_login_session(
    session: Session,
    member: Member,
    now: datetime,
    remember: bool,
    lifetime: timedelta,
    user_agent: str = "",
) -> str:
    """Record a new logged-in browser and return the token its cookie will carry."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_digest(token),
            member=member,
            created_at=now,
            expires_at=now + lifetime,
            remember=remember,
            user_agent=user_agent[:200],
        )
    )
    session.flush()
    member.login_token = token
    return token


# Every logged-in request runs it: built once, as building a statement costs as much as
# running this one.
# The tokens naming what the member's pages show come with it (portal/page_versions.py).
_OWN, _COOP = aliased(PageVersion), aliased(PageVersion)
_MEMBER_FOR_TOKEN = (
    select(Member, LoginSession.expires_at, _OWN.version, _COOP.version)
    .join(LoginSession, LoginSession.member_id == Member.id)
    .outerjoin(_OWN, _OWN.scope == Member.id)
    .outerjoin(_COOP, _COOP.scope == COOP)
    .where(LoginSession.token_hash == bindparam("token_hash"))
)


def member_for_token(session: Session, token: str, now: datetime) -> Member | None:
    """The active member logged in with this token, if the login session still exists.

    Every logged-in request asks this first: one statement loads the member with their
    login session's expiry."""
    found = session.execute(_MEMBER_FOR_TOKEN, {"token_hash": _digest(token)}).first()
    if found is None:
        return None
    member, expires_at, own_version, coop_version = found
    if expires_at <= now or not member.active:
        return None
    member.login_token = token
    member.page_versions = (own_version, coop_version)
    return member


# What the throttles count is kept at least this long, and never less than twice their window.
THROTTLE_RECORDS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    failures: int
    reset_requests: int
    sessions: int
    reset_tokens: int


def purge_expired(session: Session, now: datetime, login_window: timedelta) -> Purged:
    """Delete what no longer serves: failed logins and reset requests the throttles no
    longer count (emails and addresses typed by anyone, kept no longer than needed), ended
    login sessions and expired reset or invitation links."""
    failures_since = now - max(THROTTLE_RECORDS_KEPT, 2 * login_window)
    requests_since = now - max(THROTTLE_RECORDS_KEPT, 2 * ResetPolicy.window)
    statements = (
        delete(LoginFailure).where(LoginFailure.at < failures_since),
        delete(PasswordResetRequest).where(PasswordResetRequest.at < requests_since),
        delete(LoginSession).where(LoginSession.expires_at < now),
        delete(PasswordResetToken).where(PasswordResetToken.expires_at < now),
    )
    return Purged(*(session.execute(statement).rowcount for statement in statements))


def end_login_session(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))


def end_login_session_of(session: Session, member: Member, token: str) -> None:
    """Log `member` out of this browser, and say so in the audit trail."""
    end_login_session(session, token)
    record(session, "logout", actor=member, subject=member)


def request_password_reset(
    session: Session,
    email: str,
    now: datetime,
    lifetime: timedelta,
    link_for,
    ip: str = "",
    policy: ResetPolicy = ResetPolicy(),
) -> None:
    """Email a single-use reset link if the account exists; say nothing either way.

    The new link voids every earlier one of the member. Requests are throttled per account
    and per address (`policy`): beyond, nothing is sent, and the caller answers the same.
    `link_for(token)` makes the absolute URL: the web layer knows the portal's public
    address."""
    email = normalise_email(email)[:254]
    ip = ip[:45]
    since = now - policy.window
    per_address = session.scalar(
        select(func.count())
        .select_from(PasswordResetRequest)
        .where(PasswordResetRequest.ip == ip, PasswordResetRequest.at > since)
    )
    per_account = session.scalar(
        select(func.count())
        .select_from(PasswordResetRequest)
        .where(PasswordResetRequest.email == email, PasswordResetRequest.at > since)
    )
    if per_address >= policy.max_per_address or per_account >= policy.max_per_account:
        return
    session.add(PasswordResetRequest(email=email, ip=ip, at=now))
    member = session.scalar(select(Member).where(Member.email == email, Member.active.is_(True)))
    if member is None:
        return
    token = issue_password_token(session, member, now, lifetime)
    record(session, "password_reset_requested", subject=member, ip=ip, at=now)
    minutes = int(lifetime.total_seconds() // 60)
    email_password_reset(session, member, link_for(token), minutes)


def issue_password_token(
    session: Session, member: Member, now: datetime, lifetime: timedelta
) -> str:
    """A new single-use link's token to choose a password, valid for `lifetime`: for a reset
    and for an invitation alike. It voids every earlier one of the member."""
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.member_id == member.id))
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordResetToken(
            token_hash=_digest(token), member=member, created_at=now, expires_at=now + lifetime
        )
    )
    return token


def reset_token_member(session: Session, token: str, now: datetime) -> PasswordResetToken:
    """The unused, unexpired reset token, or a DomainError."""
    reset = session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _digest(token))
    )
    if (
        reset is None
        or reset.used_at is not None
        or reset.expires_at <= now
        or not reset.member.active
    ):
        raise DomainError(_l("This reset link is invalid or has expired. Ask for a new one."))
    return reset


def reset_password(session: Session, token: str, new_password: str, now: datetime) -> Member:
    """Set a new password with a reset token. Every reset link of the member is then void,
    this one included, and every login session ends, since whoever asked for a reset may
    not trust them."""
    reset = reset_token_member(session, token, now)
    member = reset.member
    member.password_hash = hash_password(new_password)
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.member_id == member.id))
    session.execute(delete(LoginSession).where(LoginSession.member_id == member.id))
    session.execute(delete(LoginFailure).where(LoginFailure.email == member.email))
    record(session, "password_reset", actor=member, subject=member, at=now)
    session.flush()
    return member


def change_password(
    session: Session,
    member: Member,
    current_password: str,
    new_password: str,
    keep_token: str,
    ip: str,
    now: datetime,
    policy: LockoutPolicy = LockoutPolicy(),
) -> None:
    """Set a new password for whoever knows the current one. A wrong current password counts
    as a failed login from this address (so a left-open session cannot be used to guess
    it); every other login session ends, this browser's (`keep_token`) stays."""
    locked_until = _locked_until(session, member.email, ip, now, policy)
    if locked_until is not None:
        raise LoginLocked(locked_until, now)
    try:
        _hasher.verify(member.password_hash or _DUMMY_HASH, current_password)
    except (VerificationError, InvalidHashError):
        session.add(LoginFailure(email=member.email, ip=ip[:45], at=now))
        record(session, "password_change_failed", actor=member, subject=member, ip=ip, at=now)
        session.flush()
        raise DomainError(_l("The current password is wrong."), field="current_password") from None
    member.password_hash = hash_password(new_password)
    end_other_login_sessions(session, member, keep_token)
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.member_id == member.id))
    record(session, "password_changed", actor=member, subject=member, ip=ip, at=now)


def login_sessions_of(session: Session, member: Member, now: datetime) -> list[LoginSession]:
    """The member's logged-in browsers, newest first."""
    return list(
        session.scalars(
            select(LoginSession)
            .where(LoginSession.member_id == member.id, LoginSession.expires_at > now)
            .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
        )
    )


def is_token_of(login_session: LoginSession, token: str) -> bool:
    return login_session.token_hash == _digest(token)


def end_other_login_sessions(session: Session, member: Member, keep_token: str) -> int:
    """Log the member out of every browser but this one; the number ended."""
    result = session.execute(
        delete(LoginSession).where(
            LoginSession.member_id == member.id, LoginSession.token_hash != _digest(keep_token)
        )
    )
    return result.rowcount


def end_every_login_session(session: Session, member: Member) -> None:
    """Every browser of the member is logged out, and no link to choose a password works."""
    session.execute(delete(LoginSession).where(LoginSession.member_id == member.id))
    session.execute(delete(PasswordResetToken).where(PasswordResetToken.member_id == member.id))
