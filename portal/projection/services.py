"""Payslips and balances from the back office, the coop's contribution scheme, and the
projection of each entrepreneur, computed from SQL aggregates on every request."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.functions import FunctionElement

from portal.coop.models import ContributionScheme
from portal.coop.services import contribution_bands, fixed_fees, get_coop_settings
from portal.dates import PARIS
from portal.errors import DomainError
from portal.expenses.models import Receipt, ReceiptStatus
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member, MemberStatus, Role
from portal.money import MAX_AMOUNT_CENTS, from_cents
from portal.payroll import EmployerSettings, PayrollError
from portal.payroll import Payslip as PayslipFigures
from portal.projection import compute
from portal.projection.models import BalanceSnapshot, Payslip
from portal.salary.services import payroll_settings
from portal.sales.models import (
    ISSUED_STATUSES,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
)
from portal.sync.services import record_change

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Business dates the projection can place on its monthly calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _entrepreneur(member: Member) -> None:
    if not member.is_entrepreneur:
        raise DomainError(_l("Only entrepreneurs have payslips and balances."), field="member")


def _amount(cents: int, field: str, allow_negative: bool = False) -> int:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise DomainError(_l("An amount must be a whole number of cents."), field=field)
    if abs(cents) > MAX_AMOUNT_CENTS:
        raise DomainError(_l("This amount is too large (10 M€ at most)."), field=field)
    if cents < 0 and not allow_negative:
        raise DomainError(_l("This amount cannot be negative."), field=field)
    return cents


def _business_date(value: date, field: str, not_a_date) -> date:
    if not isinstance(value, date):
        raise DomainError(not_a_date, field=field)
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise DomainError(_l("The date must fall between the years 2000 and 2099."), field=field)
    return value


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
    second one for the same month replaces the first (the payroll's correction). Net ≤ gross
    ≤ employer cost; the period and the payment date fall between 2000 and 2099."""
    _entrepreneur(member)
    match = PERIOD.match(period) if isinstance(period, str) else None
    if match is None or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise DomainError(_l("The period must be a month written YYYY-MM."), field="period")
    _business_date(paid_on, "paid_on", _l("The payment date is not a date."))
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


def record_balance(
    session: Session,
    member: Member,
    *,
    on: date,
    amount_cents: int,
    today: date,
    year_to_date_base_cents: int | None = None,
):
    """The authoritative margin at the end of `on`: it includes every movement dated on or
    before that day, and the projection adds only later ones. The latest date wins; the
    same date again replaces the amount. The date falls between 2000 and 2099 and is not
    after `today` (the Paris date): the end of a day to come has no known margin yet, and
    such a balance would hide every movement until then. `year_to_date_base_cents`, when
    sent: the contribution base of that year up to `on`, where its bands go on from."""
    _entrepreneur(member)
    _business_date(on, "date", _l("The balance date is not a date."))
    if on > today:
        raise DomainError(
            _l("A balance is the margin at the end of a past day or today, not a future one."),
            field="date",
        )
    amount = _amount(amount_cents, "amount", allow_negative=True)
    year_base = year_to_date_base_cents
    if year_base is not None:
        year_base = _amount(year_base, "year_to_date_base", allow_negative=True)
    snapshot = _upsert(
        session,
        BalanceSnapshot,
        dict(member_id=member.id, date=on),
        dict(amount_cents=amount, year_to_date_base_cents=year_base),
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
    provisions: compute.Provisions
    yearly_minimum_cape: Decimal

    def scheme_for(self, member: Member) -> compute.Scheme:
        """The coop's scheme with the yearly minimum of the member's contract (CAPE for a
        supported entrepreneur, CESA otherwise); a member's own negotiated rate replaces the
        coop's rates with that flat rate."""
        scheme = self.scheme
        if member.status is MemberStatus.SUPPORTED:
            scheme = replace(
                scheme, yearly_minimum=self.yearly_minimum_cape, minimum_contract="cape"
            )
        if member.contribution_rate is not None:
            scheme = replace(scheme, bands=(compute.Band(Decimal(0), member.contribution_rate),))
        return scheme


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
    fees = tuple(
        compute.Fee(fee.label, from_cents(fee.monthly_cents)) for fee in fixed_fees(session)
    )
    scheme = compute.Scheme(
        bands=scheme_bands,
        basis=compute.Basis(settings.contribution_basis.value),
        yearly_minimum=from_cents(settings.contribution_yearly_minimum_cents),
        fixed_monthly_fees=sum((fee.monthly for fee in fees), Decimal(0)),
        fixed_fees=fees,
        minimum_contract="cesa",
    )
    return CoopTerms(
        scheme=scheme,
        default_rate=settings.default_contribution_rate,
        banded=bool(bands),
        employer=payroll_settings(settings),
        provisions=compute.Provisions(
            reserve_rate=settings.reserve_rate,
            reserve_amount=from_cents(settings.reserve_amount_cents),
            paid_leave_rate=settings.paid_leave_rate,
            meal_vouchers=from_cents(settings.meal_vouchers_cents),
        ),
        yearly_minimum_cape=from_cents(settings.contribution_yearly_minimum_cape_cents),
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
        select(
            BalanceSnapshot.member_id,
            BalanceSnapshot.date,
            BalanceSnapshot.amount_cents,
            BalanceSnapshot.year_to_date_base_cents,
        )
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


class month_of(FunctionElement):
    """The "YYYY-MM" of a date, the cheapest way each database has: grouping a long history
    by month costs a string slice per row on SQLite instead of two date conversions."""

    type = String()
    inherit_cache = True


@compiles(month_of)
def _month_of(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    # SQLite keeps dates as ISO "YYYY-MM-DD" text.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


# The amounts of compute.MonthFlows, in the order of its fields (after month and side).
FLOW_FIELDS = tuple(field.name for field in fields(compute.MonthFlows))[2:]
SINCE = bindparam("since")
MEMBER_ID = bindparam("member_id")


@dataclass(frozen=True)
class FlowSource:
    """One source of movements summed per month, as two statements: for any members, with
    the side of their balance snapshot; and for one member without a snapshot, whose whole
    history is summed (the heaviest case, on the home page and at each what-if keystroke),
    grouped by month alone: SQLite sorts one key a third faster than member, month and side.
    `amounts` are the MonthFlows fields its sums go to, by their position in FLOW_FIELDS.
    `by_base_year`: each row has, after the side, the earlier calendar year whose
    contribution base its sums belong to, or NULL for their own month's year."""

    for_members: Select
    for_one_without_balance: Select
    amounts: tuple[int, ...]
    by_base_year: bool = False


def monthly_sums(
    member_column, date_column, sums: dict, where=(), joins=(), base_year=None
) -> FlowSource:
    """SELECT member, "YYYY-MM", after-the-opening flag, SUM(...) per group, for the
    members in `member_ids`, of movements dated `since` or later; or SELECT "YYYY-MM", 1,
    SUM(...) for the one member `member_id`, who has no balance snapshot. `joins` are
    (target, condition, outer) triples; `base_year`, an expression grouped on too.

    A movement dated on or before its member's latest balance snapshot is already in that
    balance: the flag tells the computation to keep it for history only."""
    snapshots = _latest_snapshots()
    after = case(
        (snapshots.c.date.is_(None), 1), (date_column > snapshots.c.date, 1), else_=0
    ).label("after")
    month = month_of(date_column).label("month")
    columns = [func.coalesce(func.sum(expr), 0).label(name) for name, expr in sums.items()]
    split = () if base_year is None else (base_year.label("base_year"),)
    query = select(member_column.label("member_id"), month, after, *split, *columns)
    one = select(month, literal_column("1").label("after"), *split, *columns)
    for target, condition, outer in joins:
        query = query.join(target, condition, isouter=outer)
        one = one.join(target, condition, isouter=outer)
    query = query.outerjoin(snapshots, snapshots.c.member_id == member_column)
    return FlowSource(
        for_members=query.where(
            member_column.in_(MEMBER_IDS), date_column >= SINCE, *where
        ).group_by(member_column, month, after, *split),
        for_one_without_balance=one.where(
            member_column == MEMBER_ID, date_column >= SINCE, *where
        ).group_by(month, *split),
        amounts=tuple(FLOW_FIELDS.index(name) for name in sums),
        by_base_year=base_year is not None,
    )


PAYSLIP_FLOWS = monthly_sums(
    Payslip.member_id, Payslip.paid_on, {"salary_cost": Payslip.employer_cost_cents}
)
LAST_PAID_PERIODS = (
    select(Payslip.member_id, func.max(Payslip.period))
    .where(Payslip.member_id.in_(MEMBER_IDS))
    .group_by(Payslip.member_id)
)
# Receipts that reach the margin: approved, whether reimbursed yet or not.
COUNTED_RECEIPTS = (ReceiptStatus.APPROVED, ReceiptStatus.REIMBURSED)


def _signed(cents_column):
    """A credit note's amounts are stored positive: they count negative."""
    return case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -cents_column), else_=cents_column)


def _excl_vat_part(cents_incl_vat):
    """portal.money.excl_vat_part in SQL, per row: the excl. VAT part of an amount incl. VAT
    in its invoice's proportion, half-up to the cent, in integers: (2·a·ht + ttc) div
    (2·ttc). Floor division: `/` would be a true division, in floats on SQLite."""
    incl = func.nullif(Invoice.total_incl_vat_cents, 0)
    scaled = cast(cents_incl_vat, BigInteger) * Invoice.total_excl_vat_cents
    return (2 * scaled + incl) // (2 * incl)


CREDITED = aliased(Invoice, name="credited")


def _year_of(date_column):
    return func.substr(month_of(date_column), 1, 4)


INVOICE_FLOWS = monthly_sums(
    Invoice.member_id,
    Invoice.issue_date,
    {
        "invoiced": _signed(Invoice.total_excl_vat_cents),
        "vat_invoiced": _signed(Invoice.vat_cents),
        # A credit note of money already received owes it back: it leaves what was
        # collected when the credit note is issued (zero on an invoice).
        "collected": -_excl_vat_part(Invoice.refund_due_cents),
    },
    where=[Invoice.status.in_(ISSUED_STATUSES)],
    joins=[(CREDITED, CREDITED.id == Invoice.credited_invoice_id, True)],
    # A credit note of an invoice of an earlier year gives back that year's contribution.
    base_year=case(
        (
            _year_of(CREDITED.issue_date) < _year_of(Invoice.issue_date),
            _year_of(CREDITED.issue_date),
        ),
        else_=None,
    ),
)
PAYMENT_FLOWS = monthly_sums(
    Invoice.member_id,
    Payment.received_on,
    {"collected": Payment.amount_excl_vat_cents},
    joins=[(Invoice, Invoice.id == Payment.invoice_id, False)],
)
RECEIPT_FLOWS = monthly_sums(
    Receipt.member_id,
    Receipt.spent_on,
    {
        # What reaches the margin: the amount incl. VAT less the VAT the coop recovers.
        "expenses": Receipt.amount_cents - Receipt.vat_recoverable_cents,
        "vat_recoverable": Receipt.vat_recoverable_cents,
    },
    where=[Receipt.status.in_(COUNTED_RECEIPTS)],
)
# One statement pair per source of movements.
FLOW_SOURCES = (INVOICE_FLOWS, PAYMENT_FLOWS, RECEIPT_FLOWS, PAYSLIP_FLOWS)

_OUTSTANDING_CENTS = Invoice.total_incl_vat_cents - Invoice.paid_cents - Invoice.credited_cents
# What the payments still to come will bring excl. VAT: the part of all the invoice will
# have been paid less the part already paid, the way each payment's part is recorded.
_OUTSTANDING_EXCL_VAT = _excl_vat_part(
    Invoice.total_incl_vat_cents - Invoice.credited_cents
) - _excl_vat_part(Invoice.paid_cents)
OUTSTANDING = (
    select(Invoice.member_id, func.sum(_OUTSTANDING_EXCL_VAT))
    .where(
        Invoice.member_id.in_(MEMBER_IDS),
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.status.in_(ISSUED_STATUSES),
        _OUTSTANDING_CENTS > 0,
    )
    .group_by(Invoice.member_id)
)
YEAR_START, YEAR_END = bindparam("year_start"), bindparam("year_end")
ACTIVITY_INVOICED = (
    select(Invoice.member_id, Invoice.activity_id, func.sum(_signed(Invoice.total_excl_vat_cents)))
    .where(
        Invoice.member_id.in_(MEMBER_IDS),
        Invoice.status.in_(ISSUED_STATUSES),
        Invoice.issue_date.between(YEAR_START, YEAR_END),
    )
    .group_by(Invoice.member_id, Invoice.activity_id)
)
ACTIVITY_EXPENSES = (
    select(
        Receipt.member_id,
        Receipt.activity_id,
        func.sum(Receipt.amount_cents - Receipt.vat_recoverable_cents),
    )
    .where(
        Receipt.member_id.in_(MEMBER_IDS),
        Receipt.status.in_(COUNTED_RECEIPTS),
        Receipt.spent_on.between(YEAR_START, YEAR_END),
    )
    .group_by(Receipt.member_id, Receipt.activity_id)
)


def openings(session: Session, member_ids: list[int]) -> dict[int, compute.Opening]:
    rows = session.execute(OPENINGS, {"member_ids": member_ids})
    return {
        member_id: compute.Opening(
            on=on,
            amount=from_cents(amount),
            year_base=None if year_base is None else from_cents(year_base),
        )
        for member_id, on, amount, year_base in rows
    }


INVOICED, COLLECTED = FLOW_FIELDS.index("invoiced"), FLOW_FIELDS.index("collected")


def _flows(
    session: Session, member_ids: list[int], since: date, without_balance: bool
) -> tuple[dict[int, list[compute.MonthFlows]], dict[int, list[compute.EarlierYearCredit]]]:
    """Each member's months, one MonthFlows per month and side of the opening balance: the
    four sources' sums are added up in integer cents, then turned into euros once; and the
    credit notes in them whose invoices are of an earlier year, by that year.
    `without_balance`: none of the members has a balance snapshot."""
    cents: dict[tuple[int, str, int], list[int]] = {}
    earlier_cents: dict[tuple[int, str, int, str], list[int]] = {}
    one = member_ids[0] if len(member_ids) == 1 and without_balance else None
    params = {"member_ids": member_ids, "member_id": one, "since": since}
    for source in FLOW_SOURCES:
        if one is None:
            rows = session.execute(source.for_members, params)
        else:
            rows = ((one, *row) for row in session.execute(source.for_one_without_balance, params))
        for member_id, month, after, *sums in rows:
            base_year = sums.pop(0) if source.by_base_year else None
            totals = cents.get((member_id, month, after))
            if totals is None:
                totals = cents[member_id, month, after] = [0] * len(FLOW_FIELDS)
            for position, value in zip(source.amounts, sums, strict=True):
                totals[position] += int(value)
            if base_year is not None:
                moved = earlier_cents.setdefault((member_id, month, after, base_year), [0, 0])
                for position, value in zip(source.amounts, sums, strict=True):
                    if position in (INVOICED, COLLECTED):
                        moved[position == COLLECTED] += int(value)
    flows: dict[int, list[compute.MonthFlows]] = {member_id: [] for member_id in member_ids}
    for (member_id, month, after), totals in cents.items():
        flows[member_id].append(
            compute.MonthFlows(
                date(int(month[:4]), int(month[5:7]), 1),
                bool(after),
                *(from_cents(value) for value in totals),
            )
        )
    earlier: dict[int, list[compute.EarlierYearCredit]] = {}
    for (member_id, month, after, year), (invoiced, collected) in earlier_cents.items():
        earlier.setdefault(member_id, []).append(
            compute.EarlierYearCredit(
                date(int(month[:4]), int(month[5:7]), 1),
                bool(after),
                int(year),
                from_cents(invoiced),
                from_cents(collected),
            )
        )
    return flows, earlier


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
    with_activities: bool = True,
    with_outstanding: bool = True,
) -> dict[int, compute.Projection]:
    """The projection of each member, from a fixed number of aggregate queries whatever
    their history. The per-activity breakdown, only the home page shows, is optional; so
    are the outstanding invoices, which a what-if does not show (without them the "if every
    outstanding invoice is paid" figures are the plain ones)."""
    member_ids = [member.id for member in members]
    opening_by_member = openings(session, member_ids)
    since = _history_needed_since(members, opening_by_member, today, history=what_if is None)
    flows, earlier = _flows(session, member_ids, since, without_balance=not opening_by_member)
    last_paid = _last_paid_periods(session, member_ids)
    outstanding = _outstanding(session, member_ids) if with_outstanding else {}
    activities = _activity_totals(session, members, today.year) if with_activities else {}
    result = {}
    for member in members:
        result[member.id] = compute.project(
            compute.Inputs(
                today=today,
                start=_start(member),
                contract=contract_of(member),
                scheme=terms.scheme_for(member),
                flows=tuple(flows[member.id]),
                earlier_year_credits=tuple(earlier.get(member.id, ())),
                opening=opening_by_member.get(member.id),
                outstanding=outstanding.get(member.id, Decimal(0)),
                activities=tuple(activities.get(member.id, ())),
                last_paid_period=last_paid.get(member.id),
                employer=terms.employer,
                what_if=what_if or compute.WhatIf(),
                provisions=terms.provisions,
            )
        )
    return result


def _history_needed_since(
    members: Sequence[Member], opening_by_member: dict, today: date, history: bool
) -> date:
    """The oldest movement date the projections need. Once the back office has sent a
    balance, older movements are in it: only the chart's twelve months and the twelve
    complete months a sustainable salary averages (not for a what-if), and the calendar
    years whose cumulative revenue sets a banded contribution matter. A member without a
    balance needs everything."""
    months_back = max(compute.CHART_MONTHS - 1, compute.AVERAGE_MONTHS)
    window = compute.add_months(compute.first_of_month(today), -months_back)
    needed = []
    for member in members:
        opening = opening_by_member.get(member.id)
        if opening is None:
            return date.min
        oldest = min(opening.on, window) if history else opening.on
        needed.append(date(min(oldest.year, today.year), 1, 1))
    return min(needed, default=date.min)


def _outstanding(session: Session, member_ids: list[int]) -> dict[int, Decimal]:
    rows = session.execute(OUTSTANDING, {"member_ids": member_ids})
    return {member_id: from_cents(int(cents)) for member_id, cents in rows}


def _activity_totals(
    session: Session, members: Sequence[Member], year: int
) -> dict[int, list[compute.ActivityTotals]]:
    """This year's revenue and expenses per activity, the activities with none included;
    movements without an activity come last."""
    member_ids = [member.id for member in members]
    params = {
        "member_ids": member_ids,
        "year_start": date(year, 1, 1),
        "year_end": date(year, 12, 31),
    }
    sums: dict[tuple[int, int | None], list[int]] = {}
    for column, statement in enumerate((ACTIVITY_INVOICED, ACTIVITY_EXPENSES)):
        for member_id, activity_id, cents in session.execute(statement, params):
            sums.setdefault((member_id, activity_id), [0, 0])[column] = int(cents)
    result: dict[int, list[compute.ActivityTotals]] = {}
    for member in members:
        # Invoices and receipts only take the member's own activities (their services
        # check it); a deleted activity leaves them without one.
        named = [(activity.id, activity.name) for activity in member.activities]
        rows = []
        for activity_id, name in [*named, (None, None)]:
            invoiced, expenses = sums.get((member.id, activity_id), (0, 0))
            if activity_id is None and not (invoiced or expenses):
                continue
            rows.append(
                compute.ActivityTotals(
                    name=name, invoiced=from_cents(invoiced), expenses=from_cents(expenses)
                )
            )
        if any(row.invoiced or row.expenses for row in rows):
            result[member.id] = rows
    return result


def projection_for(
    session: Session,
    member: Member,
    today: date,
    what_if: compute.WhatIf | None = None,
    with_activities: bool = True,
) -> compute.Projection:
    """One entrepreneur's projection; a what-if leaves out what its figures do not show:
    the per-activity breakdown and the outstanding invoices. `with_activities=False`
    leaves out the breakdown alone (the explanation does not show it)."""
    terms = coop_terms(session)
    complete = what_if is None
    return projections(
        session,
        [member],
        today,
        terms,
        what_if,
        with_activities=complete and with_activities,
        with_outstanding=complete,
    )[member.id]


@dataclass(frozen=True)
class Headline:
    """The home page's figures, with the largest gross the margin can fund, now and if every
    outstanding invoice is paid (None when payroll cannot compute one for the period)."""

    projection: compute.Projection
    max_fundable: PayslipFigures | None
    max_fundable_if_paid: PayslipFigures | None
    payroll_available: bool


def headline_for(session: Session, member: Member, today: date) -> Headline:
    """The figures the back office reads for an entrepreneur: the projection, and the largest
    legal salary its margin funds each month due at the next salary's hours (at the hours
    that pay stands for when there is no contract, or when it is below the minimum wage for
    the contract's), computed only here: the home page needs it only when the margin falls
    short, and the projection already has it then."""
    terms = coop_terms(session)
    projection = projections(session, [member], today, terms, with_activities=False)[member.id]
    salary = projection.salary
    hours = salary.hours_per_week if salary.source in ("fixed", "hours") else None
    months_due = len(salary.due) or 1
    # Each budget solved once in this request (the solver costs a dozen payslips): with
    # nothing outstanding both budgets are the margin, and the projection has already
    # solved it as the largest salary when the contract's is out of reach.
    solved: dict[Decimal, PayslipFigures | None] = {}
    if hours is not None and salary.payslip is not None and not projection.fundable:
        solved[projection.margin] = projection.largest_fundable

    def largest(margin):
        if margin not in solved:
            share = terms.provisions.salary_budget(compute.share_per_month(margin, months_due))
            solved[margin] = compute.largest_fundable(share, hours, salary.period, terms.employer)
        return solved[margin]

    try:
        return Headline(
            projection, largest(projection.margin), largest(projection.margin_if_paid), True
        )
    except PayrollError:
        return Headline(projection, None, None, False)


@dataclass(frozen=True)
class RunwayRow:
    member: Member
    projection: compute.Projection


def coop_runways(session: Session, today: date) -> list[RunwayRow]:
    """Every active entrepreneur's projection, who may need help first: those with a salary
    to fund by runway, shortest first; then those without a contract salary (supported
    entrepreneurs, no contract figures), whose runway means nothing, by the salary their
    activity sustains, smallest first (none first); then those with no data at all."""
    members = list(
        session.scalars(
            select(Member)
            .where(Member.role == Role.ENTREPRENEUR, Member.active.is_(True))
            .order_by(Member.full_name)
        )
    )
    by_member = projections(session, members, today, coop_terms(session), with_activities=False)
    rows = [RunwayRow(member, by_member[member.id]) for member in members]

    def urgency(row: RunwayRow):
        projection = row.projection
        if not projection.has_data:
            return (2, 0, projection.margin)
        if projection.runway is None:
            sustained = projection.salary.payslip if projection.sustainable else None
            return (1, sustained.net_before_tax if sustained else -1, projection.margin)
        return (0, projection.runway.months + projection.runway.beyond, projection.margin)

    return sorted(rows, key=urgency)


@dataclass(frozen=True)
class LatestItem:
    kind: str  # "payslip", "invoice", "credit_note", "receipt"
    id: int
    on: date
    label: str
    amount_cents: int
    status: str | None = None

    @property
    def period(self) -> date:
        """A payslip's month (its label, "2026-11"), as a date to write in words."""
        return date.fromisoformat(f"{self.label}-01")

    @property
    def status_label(self) -> str:
        if self.kind == "receipt":
            return ReceiptStatus(self.status).label
        if self.status:
            return InvoiceStatus(self.status).label
        return ""


LATEST_MEMBER = bindparam("member_id")
LATEST_ITEMS = (
    union_all(
        select(
            cast(Invoice.kind, String).label("kind"),
            Invoice.id.label("id"),
            Invoice.issue_date.label("day"),
            func.coalesce(Invoice.number, Customer.name).label("label"),
            Invoice.total_incl_vat_cents.label("amount_cents"),
            cast(Invoice.status, String).label("status"),
            Invoice.created_at.label("at"),
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.member_id == LATEST_MEMBER),
        select(
            literal("receipt", String),
            Receipt.id,
            Receipt.spent_on,
            Receipt.supplier,
            Receipt.amount_cents,
            cast(Receipt.status, String),
            Receipt.created_at,
        ).where(Receipt.member_id == LATEST_MEMBER),
        select(
            literal("payslip", String),
            Payslip.id,
            Payslip.paid_on,
            Payslip.period,
            Payslip.net_cents,
            literal(None, String),
            Payslip.recorded_at,
        ).where(Payslip.member_id == LATEST_MEMBER),
    )
    .order_by(literal_column("day").desc(), literal_column("at").desc())
    .limit(bindparam("limit"))
)


def latest_items(session: Session, member_id: int, limit: int = 3) -> list[LatestItem]:
    """The member's latest invoices (drafts included), receipts and payslips, by their date,
    newest first, in one query."""
    rows = session.execute(LATEST_ITEMS, {"member_id": member_id, "limit": limit}).mappings()
    return [
        LatestItem(
            kind=str(row["kind"]),
            id=row["id"],
            on=row["day"],
            label=row["label"] or "",
            amount_cents=row["amount_cents"],
            status=row["status"],
        )
        for row in rows
    ]
