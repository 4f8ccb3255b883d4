"""Members of the coop: entrepreneurs and the support team."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.services import hash_password, normalise_email
from portal.errors import DomainError
from portal.members.models import Activity, Member, MemberStatus, Role
from portal.sync.services import record_change


def create_member(
    session: Session,
    *,
    email: str,
    full_name: str,
    role: Role,
    status: MemberStatus | None = None,
    password: str | None = None,
    contract_hours_per_week: Decimal = Decimal(0),
    hourly_gross_rate_cents: int = 0,
    contract_monthly_gross_cents: int | None = None,
    activities: tuple[str, ...] = (),
) -> Member:
    """A new member. Entrepreneurs have a status (default: supported); staff have none."""
    email = normalise_email(email)
    if session.scalar(select(Member.id).where(Member.email == email)) is not None:
        raise DomainError(_l("A member with this email already exists."), field="email")
    if role is Role.ENTREPRENEUR:
        status = status or MemberStatus.SUPPORTED
    elif status is not None:
        raise DomainError(_l("Only entrepreneurs have a status."), field="status")
    member = Member(
        email=email,
        full_name=full_name.strip() or email,
        role=role,
        status=status,
        password_hash=hash_password(password) if password else None,
        contract_hours_per_week=contract_hours_per_week,
        hourly_gross_rate_cents=hourly_gross_rate_cents,
        contract_monthly_gross_cents=contract_monthly_gross_cents,
    )
    member.activities = [Activity(name=name) for name in dict.fromkeys(activities)]
    session.add(member)
    session.flush()
    record_change(session, "member", member.id)
    return member


def member_by_email(session: Session, email: str) -> Member | None:
    return session.scalar(select(Member).where(Member.email == normalise_email(email)))


def set_locale(member: Member, locale: str) -> None:
    """The member's language, kept for their next login on any device."""
    member.locale = locale
