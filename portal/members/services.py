"""Members of the coop: entrepreneurs and the support team."""

from decimal import Decimal
from typing import NamedTuple

from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.credentials import hash_password, normalise_email
from portal.db import id_from_text
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.members.models import Activity, Member, MemberStatus, Role
from portal.members.notifications import email_login_changed
from portal.payroll.engine import MAX_HOURS_PER_WEEK
from portal.sync.services import record_change


class Limit(NamedTuple):
    lowest: Decimal | int
    highest: Decimal | int
    refusal: LazyString
    field: str  # the form's or the API's


# A contract's limits, for every way one is written (the command line, the back office's API,
# `create_member`): the legal weekly maximum of hours, and amounts beyond which a figure is a
# typo.
CONTRACT_LIMITS = {
    "contract_hours_per_week": Limit(
        Decimal(0),
        MAX_HOURS_PER_WEEK,
        _l("Contract hours are between 0 and 48 a week."),
        "hours_per_week",
    ),
    "hourly_gross_rate_cents": Limit(
        0,
        1000_00,
        _l("The hourly rate is between 0 and 1000 € gross."),
        "hourly_rate",
    ),
    "contract_monthly_gross_cents": Limit(
        1,
        100_000_00,
        _l("A fixed monthly gross is between 0 and 100000 €."),
        "monthly_gross",
    ),
}


def check_contract(**figures) -> None:
    """Refuse a contract figure outside `CONTRACT_LIMITS`; one left out or None is not
    checked."""
    for name, value in figures.items():
        lowest, highest, refusal, field = CONTRACT_LIMITS[name]
        if value is not None and not lowest <= value <= highest:
            raise DomainError(refusal, field=field)


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
    check_contract(
        contract_hours_per_week=contract_hours_per_week,
        hourly_gross_rate_cents=hourly_gross_rate_cents,
        contract_monthly_gross_cents=contract_monthly_gross_cents,
    )
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


def member_by_ref(session: Session, ref: str) -> Member | None:
    """A member named by id ("42") or by email ("camille@example.org"), as the back office
    names them."""
    if ref.isascii() and ref.isdigit():
        member_id = id_from_text(ref)
        return session.get(Member, member_id) if member_id is not None else None
    if "@" in ref and len(ref) <= 254:
        return member_by_email(session, ref)
    return None


def put_entrepreneur(
    session: Session, member: Member | None, email: str, by: str = "", **changes
) -> tuple[Member, bool]:
    """Create the entrepreneur with this email, or update `member`: what the back office
    knows of who is in the coop. Fields not given keep their value (defaults on creation).

    `changes` may hold full_name, status, contract_hours_per_week, hourly_gross_rate_cents,
    contribution_rate (None: the coop's default) and activities (the full list of names).
    Staff accounts are not entrepreneurs and are refused; an email stays unique. A changed
    email is told to both the old and the new address (the login moves with it: its owner
    must know, and a mistyped one is noticed). `by` names who changed it in the audit trail."""
    created = member is None
    if created:
        member = create_member(
            session,
            email=email,
            full_name=changes.pop("full_name", None) or email,
            role=Role.ENTREPRENEUR,
            status=changes.pop("status", None),
            activities=tuple(changes.pop("activities", None) or ()),
        )
    elif not member.is_entrepreneur:
        raise DomainError(_l("This account belongs to the support team, not to an entrepreneur."))
    email = normalise_email(email)
    if email != member.email:
        if member_by_email(session, email) is not None:
            raise DomainError(_l("A member with this email already exists."), field="email")
        old_email, member.email = member.email, email
        _tell_email_changed(session, member, old_email, by)
    check_contract(
        contract_hours_per_week=changes.get("contract_hours_per_week"),
        hourly_gross_rate_cents=changes.get("hourly_gross_rate_cents"),
    )
    rate = changes.get("contribution_rate")
    if rate is not None and not 0 <= rate < 1:
        raise DomainError(
            _l("The contribution rate is a fraction of revenue, from 0 to below 1."),
            field="contribution_rate",
        )
    status = changes.get("status")
    if not created and status is not None and status != member.status:
        detail = f"{member.status.value if member.status else '-'} → {status.value}"
        record(session, "status_changed", actor_label=by, subject=member, detail=detail)
    for name in ("full_name", "status", "contract_hours_per_week", "hourly_gross_rate_cents"):
        if changes.get(name) is not None:
            setattr(member, name, changes[name])
    if "contribution_rate" in changes:
        member.contribution_rate = changes["contribution_rate"]
    if changes.get("activities") is not None:
        _replace_activities(member, changes["activities"])
    session.flush()
    if created:
        record(session, "account_created", actor_label=by, subject=member, detail=member.role)
    else:
        record_change(session, "member", member.id)
    return member, created


def _tell_email_changed(session: Session, member: Member, old_email: str, by: str) -> None:
    record(
        session,
        "email_changed",
        actor_label=by,
        subject=member,
        detail=f"{old_email} → {member.email}",
    )
    email_login_changed(session, member, old_email)


def _replace_activities(member: Member, names: list[str]) -> None:
    """Keep the rows of names that stay, so that no name is deleted and re-added at once."""
    wanted = list(dict.fromkeys(names))
    kept = [activity for activity in member.activities if activity.name in wanted]
    kept_names = {activity.name for activity in kept}
    member.activities = kept + [Activity(name=n) for n in wanted if n not in kept_names]
