"""Payslips and balances from the back office, the coop's contribution scheme, and the
projection of each entrepreneur, computed from SQL aggregates on every request."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    case,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.coop.models import ContributionScheme
from portal.coop.services import contribution_bands, get_coop_settings
from portal.errors import DomainError
from portal.members.models import Member, MemberStatus, Role
from portal.money import from_cents
from portal.payroll import EmployerSettings
from portal.projection import compute
from portal.projection.models import BalanceSnapshot, Payslip
from portal.salary.services import payroll_settings
from portal.sync.services import record_change

PARIS = ZoneInfo("Europe/Paris")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MAX_AMOUNT_CENTS = 100_000_000_00  # a hundred million euros: beyond it, a typo


def paris_today() -> date:
    return datetime.now(PARIS).date()


def _entrepreneur(member: Member) -> None:
    if not member.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs have payslips and balances."), field="member")


def _amount(cents: int, field: str, allow_negative: bool = False) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise DomainError(_l("An amount must be a whole number of cents."), field=field)
    if abs(cents) > MAX_AMOUNT_CENTS:
        raise DomainError(_l("This amount is too large."), field=field)
    if cents < 0 and not allow_negative:
        raise DomainError(_l("This amount cannot be negative."), field=field)
    return cents


def record_payslip(
    session: Session,
    member: Member,
    *,
    period: str,
    gross_cents: int,
    net_cents: int,
    employer_cost_cents: int,
    paid_on: date,
) -> Payslip:
    """A payslip as the back office's payroll computed it: one per member and month, a
    second one for the same month replaces the first. Net ≤ gross ≤ employer cost."""
    _entrepreneur(member)
    if not isinstance(period, str) or not PERIOD.match(period):
        raise DomainError(_l("The period must be a month written YYYY-MM."), field="period")
    if not isinstance(paid_on, date):
        raise DomainError(_l("The payment date is not a date."), field="paid_on")
    gross = _amount(gross_cents, "gross")
    net = _amount(net_cents, "net")
    cost = _amount(employer_cost_cents, "employer_cost")
    if net > gross:
        raise DomainError(_l("The net salary cannot exceed the gross salary."), field="net")
    if cost < gross:
        raise DomainError(
            _l("The employer cost cannot be less than the gross salary."), field="employer_cost"
        )
    values = dict(gross_cents=gross, net_cents=net, employer_cost_cents=cost, paid_on=paid_on)
    payslip = _upsert(session, Payslip, dict(member_id=member.id, period=period), values)
    record_change(session, "payslip", payslip.id)
    return payslip


def record_balance(session: Session, member: Member, *, on: date, amount_cents: int):
    """The authoritative margin at the end of `on`: it includes every movement dated on or
    before that day, and the projection adds only later ones. The latest date wins; the
    same date again replaces the amount."""
    _entrepreneur(member)
    if not isinstance(on, date):
        raise DomainError(_l("The balance date is not a date."), field="date")
    amount = _amount(amount_cents, "amount", allow_negative=True)
    snapshot = _upsert(
        session, BalanceSnapshot, dict(member_id=member.id, date=on), dict(amount_cents=amount)
    )
    record_change(session, "balance", snapshot.id)
    return snapshot


def _upsert(session: Session, model, key: dict, values: dict):
    """Insert, or update the row with this unique key. Two writers racing on the same key
    both succeed: the loser's insert fails on the unique index inside a savepoint, and it
    updates the winner's row instead."""
    existing = session.scalar(select(model).filter_by(**key))
    if existing is None:
        try:
            with session.begin_nested():
                row = model(**key, **values)
                session.add(row)
                session.flush()
            return row
        except IntegrityError:
            existing = session.scalar(select(model).filter_by(**key))
            if existing is None:
                raise
    for name, value in values.items():
        setattr(existing, name, value)
    session.flush()
    return existing


# --- The coop's contribution scheme -------------------------------------------------------


@dataclass(frozen=True)
class CoopTerms:
    """What every projection of the coop shares, loaded once per request."""

    scheme: compute.Scheme
    default_rate: Decimal
    banded: bool
    employer: EmployerSettings

    def scheme_for(self, member: Member) -> compute.Scheme:
        """A member's own negotiated rate replaces the coop's scheme with that flat rate."""
        if member.contribution_rate is None:
            return self.scheme
        band = compute.Band(Decimal(0), member.contribution_rate)
        return compute.Scheme(
            (band,), self.scheme.basis, self.scheme.yearly_minimum, self.scheme.fixed_monthly_fees
        )


def coop_terms(session: Session) -> CoopTerms:
    settings = get_coop_settings(session)
    banded = settings.contribution_scheme is ContributionScheme.BANDED
    bands = contribution_bands(session) if banded else []
    if bands:
        scheme_bands = tuple(
            compute.Band(from_cents(band.start_cents), band.rate) for band in bands
        )
    else:
        scheme_bands = (compute.Band(Decimal(0), settings.default_contribution_rate),)
    scheme = compute.Scheme(
        bands=scheme_bands,
        basis=compute.Basis(settings.contribution_basis.value),
        yearly_minimum=from_cents(settings.contribution_yearly_minimum_cents),
        fixed_monthly_fees=from_cents(settings.fixed_monthly_fees_cents),
    )
    return CoopTerms(
        scheme=scheme,
        default_rate=settings.default_contribution_rate,
        banded=bool(bands),
        employer=payroll_settings(settings),
    )


# --- Aggregates: one query per source, whatever the history ------------------------------


# Statements are built once, at import: building them costs more than running them on a
# long history. Each takes the list of member ids as the expanding parameter `member_ids`.
MEMBER_IDS = bindparam("member_ids", expanding=True)


def _latest_snapshots():
    latest = (
        select(BalanceSnapshot.member_id, func.max(BalanceSnapshot.date).label("date"))
        .where(BalanceSnapshot.member_id.in_(MEMBER_IDS))
        .group_by(BalanceSnapshot.member_id)
        .subquery("latest")
    )
    return (
        select(BalanceSnapshot.member_id, BalanceSnapshot.date, BalanceSnapshot.amount_cents)
        .join(
            latest,
            and_(
                BalanceSnapshot.member_id == latest.c.member_id,
                BalanceSnapshot.date == latest.c.date,
            ),
        )
        .subquery("opening")
    )


OPENINGS = select(_latest_snapshots())


def monthly_sums(member_column, date_column, sums: dict, where=(), joins=()):
    """SELECT member, year, month, after-the-opening flag, SUM(...) per group, for the
    members in `member_ids`.

    A movement dated on or before its member's latest balance snapshot is already in that
    balance: the flag tells the computation to keep it for history only."""
    snapshots = _latest_snapshots()
    after = case(
        (snapshots.c.date.is_(None), 1), (date_column > snapshots.c.date, 1), else_=0
    ).label("after")
    year = extract("year", date_column).cast(Integer).label("year")
    month = extract("month", date_column).cast(Integer).label("month")
    columns = [func.coalesce(func.sum(expr), 0).label(name) for name, expr in sums.items()]
    query = select(member_column.label("member_id"), year, month, after, *columns)
    for target, condition in joins:
        query = query.join(target, condition)
    query = query.outerjoin(snapshots, snapshots.c.member_id == member_column)
    return query.where(member_column.in_(MEMBER_IDS), *where).group_by(
        member_column, year, month, after
    )


PAYSLIP_FLOWS = monthly_sums(
    Payslip.member_id, Payslip.paid_on, {"salary_cost": Payslip.employer_cost_cents}
)
LAST_PAID_PERIODS = (
    select(Payslip.member_id, func.max(Payslip.period))
    .where(Payslip.member_id.in_(MEMBER_IDS))
    .group_by(Payslip.member_id)
)
# One statement per source of movements; each sums some of the MonthFlows fields (cents).
FLOW_SOURCES = (PAYSLIP_FLOWS,)
NOT_AMOUNTS = frozenset({"member_id", "year", "month", "after"})


def openings(session: Session, member_ids: list[int]) -> dict[int, compute.Opening]:
    rows = session.execute(OPENINGS, {"member_ids": member_ids})
    return {
        member_id: compute.Opening(on=on, amount=from_cents(amount))
        for member_id, on, amount in rows
    }


def _flows(session: Session, member_ids: list[int]) -> dict[int, list[compute.MonthFlows]]:
    flows: dict[int, list[compute.MonthFlows]] = {member_id: [] for member_id in member_ids}
    for statement in FLOW_SOURCES:
        for row in session.execute(statement, {"member_ids": member_ids}).mappings():
            amounts = {
                name: from_cents(int(value))
                for name, value in row.items()
                if name not in NOT_AMOUNTS
            }
            flows[row["member_id"]].append(
                compute.MonthFlows(
                    month=date(row["year"], row["month"], 1),
                    after_opening=bool(row["after"]),
                    **amounts,
                )
            )
    return flows


def _last_paid_periods(session: Session, member_ids: list[int]) -> dict[int, date]:
    rows = session.execute(LAST_PAID_PERIODS, {"member_ids": member_ids})
    return {
        member_id: date(int(period[:4]), int(period[5:]), 1) for member_id, period in rows if period
    }


def contract_of(member: Member) -> compute.Contract:
    fixed = member.contract_monthly_gross_cents
    return compute.Contract(
        hours_per_week=Decimal(member.contract_hours_per_week or 0),
        hourly_rate=from_cents(member.hourly_gross_rate_cents or 0),
        fixed_gross=from_cents(fixed) if fixed else None,
        salaried=member.status is not MemberStatus.SUPPORTED,
    )


def _start(member: Member) -> date:
    return member.created_at.astimezone(PARIS).date()


def projections(
    session: Session,
    members: Sequence[Member],
    today: date,
    terms: CoopTerms,
    what_if: compute.WhatIf | None = None,
) -> dict[int, compute.Projection]:
    """The projection of each member, from a fixed number of aggregate queries."""
    member_ids = [member.id for member in members]
    opening_by_member = openings(session, member_ids)
    flows = _flows(session, member_ids)
    last_paid = _last_paid_periods(session, member_ids)
    outstanding = _outstanding(session, member_ids)
    activities = _activity_totals(session, member_ids, today.year)
    result = {}
    for member in members:
        result[member.id] = compute.project(
            compute.Inputs(
                today=today,
                start=_start(member),
                contract=contract_of(member),
                scheme=terms.scheme_for(member),
                flows=tuple(flows[member.id]),
                opening=opening_by_member.get(member.id),
                outstanding=outstanding.get(member.id, Decimal(0)),
                activities=tuple(activities.get(member.id, ())),
                last_paid_period=last_paid.get(member.id),
                employer=terms.employer,
                what_if=what_if or compute.WhatIf(),
            )
        )
    return result


def _outstanding(session: Session, member_ids: list[int]) -> dict[int, Decimal]:
    return {}


def _activity_totals(
    session: Session, member_ids: list[int], year: int
) -> dict[int, list[compute.ActivityTotals]]:
    return {}


def projection_for(
    session: Session, member: Member, today: date, what_if: compute.WhatIf | None = None
) -> compute.Projection:
    return projections(session, [member], today, coop_terms(session), what_if)[member.id]


@dataclass(frozen=True)
class RunwayRow:
    member: Member
    projection: compute.Projection


def coop_runways(session: Session, today: date) -> list[RunwayRow]:
    """Every active entrepreneur's projection, shortest runway first: who needs help first.
    Those with no salary to fund come after, then those with no data at all."""
    members = list(
        session.scalars(
            select(Member)
            .where(Member.role == Role.ENTREPRENEUR, Member.active.is_(True))
            .order_by(Member.full_name)
        )
    )
    by_member = projections(session, members, today, coop_terms(session))
    rows = [RunwayRow(member, by_member[member.id]) for member in members]

    def urgency(row: RunwayRow):
        projection = row.projection
        if not projection.has_data:
            return (2, 0, projection.margin)
        if projection.runway_months is None:
            return (1, 0, projection.margin)
        return (0, projection.runway_months, projection.margin)

    return sorted(rows, key=urgency)


@dataclass(frozen=True)
class LatestItem:
    kind: str  # "payslip", "invoice", "credit_note", "receipt"
    id: int
    on: date
    label: str
    amount_cents: int
    status: str | None = None


def latest_items(session: Session, member_id: int, limit: int = 3) -> list[LatestItem]:
    """The member's latest invoices, receipts and payslips, newest first, in one query."""
    payslips = select(
        literal("payslip").label("kind"),
        Payslip.id.label("id"),
        Payslip.paid_on.label("on"),
        Payslip.period.label("label"),
        Payslip.net_cents.label("amount_cents"),
        literal(None, String).label("status"),
    ).where(Payslip.member_id == member_id)
    union = union_all(*[part for part in (payslips, *_latest_queries(member_id))]).subquery()
    rows = session.execute(
        select(union).order_by(union.c.on.desc(), union.c.id.desc()).limit(limit)
    )
    return [LatestItem(**row) for row in rows.mappings()]


def _latest_queries(member_id: int) -> list:
    return []
