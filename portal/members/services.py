"""Members of the coop: entrepreneurs and the support team."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from flask_babel.speaklater import LazyString
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.audit.services import record
from portal.credentials import hash_password, normalise_email
from portal.dates import paris_today
from portal.db import Page, id_from_text
from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.identifiers import compact, is_valid_iban
from portal.members.models import (
    Activity,
    AssociateDecision,
    AssociateRequest,
    Member,
    MemberStatus,
    Role,
    StatusChange,
)
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
    by: Member | None = None,
) -> Member:
    """A new member. Entrepreneurs have a status (default: supported), the first step of
    their dated history; staff have none."""
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
    if status is not None:
        _add_status_change(session, member, None, status, paris_today(), by)
    record_change(session, "member", member.id)
    return member


def _add_status_change(
    session: Session,
    member: Member,
    from_status: MemberStatus | None,
    to_status: MemberStatus,
    effective_on: date,
    by: Member | None,
    note: str = "",
) -> None:
    session.add(
        StatusChange(
            member_id=member.id,
            from_status=from_status,
            to_status=to_status,
            effective_on=effective_on,
            recorded_by_id=by.id if by else None,
            note=note,
        )
    )


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
    status = changes.get("status")
    if not created and status is not None and status != member.status:
        detail = f"{member.status.value if member.status else '-'} → {status.value}"
        record(session, "status_changed", actor_label=by, subject=member, detail=detail)
        _add_status_change(session, member, member.status, status, paris_today(), None, by)
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


# --- the support team's pages ----------------------------------------------------------------

MEMBERS_PAGE_SIZE = 50


@dataclass(frozen=True)
class MemberRow:
    """One line of the members' list."""

    id: int
    full_name: str
    email: str
    role: Role
    status: MemberStatus | None
    active: bool
    invited: bool  # no password chosen yet
    asks_to_become_associate: bool


class MemberFilter:
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    ASKING = "asking"  # a request to become associate waits for a decision
    ALL = "all"


def search_members(
    session: Session, query: str = "", which: str = MemberFilter.ACTIVE, page: int = 1
) -> Page:
    """Members whose name or email holds `query`, by name, one page at a time: two queries
    whatever the number of members (a count, then the page's rows)."""
    conditions = []
    words = query.strip()[:100]
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            or_(
                Member.full_name.ilike(pattern, escape="\\"),
                Member.email.ilike(pattern, escape="\\"),
            )
        )
    asking = exists().where(
        AssociateRequest.member_id == Member.id, AssociateRequest.decision.is_(None)
    )
    if which == MemberFilter.ACTIVE:
        conditions.append(Member.active.is_(True))
    elif which == MemberFilter.DEACTIVATED:
        conditions.append(Member.active.is_(False))
    elif which == MemberFilter.ASKING:
        conditions.append(asking)
    total = session.scalar(select(func.count()).select_from(Member).where(*conditions))
    page = Page.number(page, total, MEMBERS_PAGE_SIZE)
    statement = (
        select(
            Member.id,
            Member.full_name,
            Member.email,
            Member.role,
            Member.status,
            Member.active,
            Member.password_hash.is_(None),
            asking,
        )
        .where(*conditions)
        .order_by(func.lower(Member.full_name), Member.id)
        .limit(MEMBERS_PAGE_SIZE)
        .offset((page - 1) * MEMBERS_PAGE_SIZE)
    )
    rows = [MemberRow(*row) for row in session.execute(statement)]
    return Page(rows, total, page, MEMBERS_PAGE_SIZE)


def status_history(session: Session, member: Member) -> list[StatusChange]:
    """The member's steps, latest first."""
    return list(
        session.scalars(
            select(StatusChange)
            .where(StatusChange.member_id == member.id)
            .options(selectinload(StatusChange.recorded_by))
            .order_by(StatusChange.effective_on.desc(), StatusChange.id.desc())
        )
    )


def _check_manage(member: Member, by: Member) -> None:
    refusal = member.refusal_to_manage(by)
    if refusal is not None:
        raise DomainError(refusal)


def change_status(
    session: Session,
    member: Member,
    to_status: MemberStatus,
    effective_on: date,
    by: Member,
    note: str = "",
) -> None:
    """Move an entrepreneur to another step of their journey, from `effective_on`; the step
    joins their dated history."""
    _check_manage(member, by)
    if not member.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs have a status."), field="status")
    if to_status == member.status:
        raise DomainError(_l("The member already has this status."), field="status")
    _add_status_change(session, member, member.status, to_status, effective_on, by, note.strip())
    detail = f"{member.status.value if member.status else '-'} → {to_status.value}"
    record(session, "status_changed", actor=by, subject=member, detail=detail)
    member.status = to_status
    session.flush()
    record_change(session, "member", member.id)


def update_contract(
    session: Session,
    member: Member,
    by: Member,
    *,
    hours_per_week: Decimal,
    hourly_gross_rate_cents: int,
    monthly_gross_cents: int | None,
    contribution_rate: Decimal | None,
) -> None:
    """The entrepreneur's employment contract: hours a week and hourly gross, or a fixed
    monthly gross, and their own contribution rate (None: the coop's)."""
    _check_manage(member, by)
    if not member.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs have a contract."))
    check_contract(
        contract_hours_per_week=hours_per_week,
        hourly_gross_rate_cents=hourly_gross_rate_cents,
        contract_monthly_gross_cents=monthly_gross_cents,
    )
    if contribution_rate is not None and not 0 <= contribution_rate < 1:
        raise DomainError(
            _l("The contribution rate is a fraction of revenue, from 0 to below 1."),
            field="contribution_rate",
        )
    member.contract_hours_per_week = hours_per_week
    member.hourly_gross_rate_cents = hourly_gross_rate_cents
    member.contract_monthly_gross_cents = monthly_gross_cents
    member.contribution_rate = contribution_rate
    detail = (
        f"{hours_per_week} h, {hourly_gross_rate_cents} c/h, "
        f"monthly {monthly_gross_cents}, rate {contribution_rate}"
    )
    record(session, "contract_changed", actor=by, subject=member, detail=detail)
    session.flush()
    record_change(session, "member", member.id)


def set_activities(session: Session, member: Member, names: list[str], by: Member) -> None:
    """The entrepreneur's activities, by name (an invoice keeps none of a removed one)."""
    _check_manage(member, by)
    if not member.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs have activities."), field="activities")
    names = [name.strip() for name in names if name.strip()]
    if any(len(name) > 120 for name in names):
        raise DomainError(_l("An activity's name has at most 120 characters."), field="activities")
    if len(set(names)) > 20:
        raise DomainError(_l("An entrepreneur has at most 20 activities."), field="activities")
    _replace_activities(member, names)
    record(session, "activities_changed", actor=by, subject=member, detail=", ".join(names))
    session.flush()
    record_change(session, "member", member.id)


def active_admins(session: Session) -> int:
    """The active admins, their rows locked until the commit: two admins deactivating each
    other at once are counted one after the other, and the second is refused."""
    admins = select(Member.id).where(Member.role == Role.ADMIN, Member.active.is_(True))
    return len(session.scalars(admins.with_for_update()).all())


# --- the member's own profile ----------------------------------------------------------------


def update_profile(
    session: Session, member: Member, *, full_name: str, phone: str, address: str
) -> None:
    """What the member says of themselves: name, phone, postal address."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise DomainError(_l("Your name cannot be empty."), field="full_name")
    member.full_name = full_name[:120]
    member.phone = phone.strip()[:30]
    member.address = address.strip()[:500]
    session.flush()
    record_change(session, "member", member.id)


def set_iban(session: Session, member: Member, iban: str) -> None:
    """The account the coop reimburses receipts to: a valid IBAN (mod 97), kept compact."""
    iban = compact(iban)
    if not is_valid_iban(iban):
        raise DomainError(_l("This IBAN is not valid: check the digits you typed."), field="iban")
    member.iban = iban
    record(session, "iban_changed", actor=member, subject=member, detail=member.masked_iban)
    session.flush()


def pending_associate_request(session: Session, member: Member) -> AssociateRequest | None:
    return session.scalar(
        select(AssociateRequest).where(
            AssociateRequest.member_id == member.id, AssociateRequest.decision.is_(None)
        )
    )


def associate_requests(session: Session, member: Member) -> list[AssociateRequest]:
    """Every request of the member, latest first."""
    return list(
        session.scalars(
            select(AssociateRequest)
            .where(AssociateRequest.member_id == member.id)
            .options(selectinload(AssociateRequest.decided_by))
            .order_by(AssociateRequest.asked_at.desc(), AssociateRequest.id.desc())
        )
    )


def ask_to_become_associate(
    session: Session, member: Member, message: str, now: datetime
) -> AssociateRequest:
    """An entrepreneur asks to become an associate; one request waits at a time."""
    if not member.can_ask_to_become_associate:
        raise DomainError(_l("Only an entrepreneur who is not yet an associate can ask."))
    if pending_associate_request(session, member) is not None:
        raise DomainError(_l("Your request is already waiting for the team's decision."))
    request = AssociateRequest(member_id=member.id, asked_at=now, message=message.strip()[:1000])
    session.add(request)
    record(session, "associate_requested", actor=member, subject=member)
    session.flush()
    return request


def decide_associate_request(
    session: Session,
    request: AssociateRequest,
    decision: AssociateDecision,
    decided_on: date,
    by: Member,
) -> None:
    """The team's answer, dated. Accepted, the member becomes an associate from that day."""
    member = request.member
    _check_manage(member, by)
    if not request.pending:
        raise DomainError(_l("This request already has a decision."))
    if decision is AssociateDecision.ACCEPTED and member.status is not MemberStatus.ASSOCIATE:
        # First: it may refuse, and a refusal must leave the request undecided.
        change_status(session, member, MemberStatus.ASSOCIATE, decided_on, by)
    request.decision = decision
    request.decided_on = decided_on
    request.decided_by_id = by.id
    record(session, "associate_decided", actor=by, subject=member, detail=decision.value)
    session.flush()
