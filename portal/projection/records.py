"""Payslips and balances as the back office records them: one payslip per member and month,
one balance per member and day, each a correction of the one before."""

import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.money import MAX_AMOUNT_CENTS
from portal.projection import notifications
from portal.projection.models import BalanceSnapshot, Payslip
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
    notifications.payslip_recorded(session, payslip)
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
