"""The projection in the sync API: payslips and balances pushed by the back office, through
the same `record_payslip` and `record_balance` as everything else, both in the feed; and an
entrepreneur's projection, the figures of their home page."""

import calendar
import re
from datetime import date

from flask import Blueprint, jsonify
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from portal.api import inputs
from portal.api.errors import ApiError
from portal.api.idempotency import idempotent
from portal.api.serializers import (
    decimal_string,
    iso,
    money,
    register_batch,
    register_rows,
    rows_with_ids,
)
from portal.dates import paris_today
from portal.db import db
from portal.members.models import Member
from portal.members.services import member_by_ref
from portal.money import to_cents
from portal.projection.models import BalanceSnapshot, Payslip
from portal.projection.records import FIRST_YEAR, LAST_YEAR, record_balance, record_payslip
from portal.projection.services import headline_for

# Nested under the API's blueprint: /api/v1 and its token check (portal/blueprints.py).
bp = Blueprint("projection", __name__)

PERIOD_FORMAT = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# The next salary as the home page shows it: the contract's, or, for an entrepreneur
# without one, the salary the activity sustains each month.
SALARY_SOURCES = {"fixed": "contract", "hours": "contract", "fundable": "potential"}


def payslip_representation(payslip: Payslip) -> dict:
    return {
        "id": payslip.id,
        "member_id": payslip.member_id,
        "member": payslip.member.email,
        "period": payslip.period,
        "gross": money(cents=payslip.gross_cents),
        "net": money(cents=payslip.net_cents),
        "employer_cost": money(cents=payslip.employer_cost_cents),
        "paid_on": iso(payslip.paid_on),
        "recorded_at": iso(payslip.recorded_at),
    }


def balance_representation(snapshot: BalanceSnapshot, in_effect: bool) -> dict:
    return {
        "id": snapshot.id,
        "member_id": snapshot.member_id,
        "member": snapshot.member.email,
        "date": iso(snapshot.date),
        "amount": money(cents=snapshot.amount_cents),
        "year_to_date_base": (
            None
            if snapshot.year_to_date_base_cents is None
            else money(cents=snapshot.year_to_date_base_cents)
        ),
        "in_effect": in_effect,
        "recorded_at": iso(snapshot.recorded_at),
    }


register_rows("payslip", Payslip, payslip_representation, joinedload(Payslip.member))


@register_batch("balance")
def balances_data(session: Session, entity_ids: list[str]) -> dict[str, dict]:
    snapshots = rows_with_ids(
        session, BalanceSnapshot, entity_ids, joinedload(BalanceSnapshot.member)
    )
    latest = _latest_dates(session, {snapshot.member_id for snapshot in snapshots})
    return {
        str(s.id): balance_representation(s, s.date == latest.get(s.member_id)) for s in snapshots
    }


def _latest_dates(session: Session, member_ids: set[int]) -> dict[int, date]:
    rows = session.execute(
        select(BalanceSnapshot.member_id, func.max(BalanceSnapshot.date))
        .where(BalanceSnapshot.member_id.in_(member_ids))
        .group_by(BalanceSnapshot.member_id)
    )
    return {member_id: latest for member_id, latest in rows}


def _entrepreneur_or_404(ref: str, field: str | None = None) -> Member:
    """Payslips, balances and projections are an entrepreneur's; a support-team account is
    not found here, like a member that does not exist."""
    member = member_by_ref(db.session, ref)
    if member is None or not member.is_entrepreneur:
        raise ApiError(404, "not_found", "No entrepreneur has this id or email.", field=field)
    return member


PAYSLIP_FIELDS = ("member", "period", "gross", "net", "employer_cost", "paid_on")


@bp.post("/payslips")
@idempotent
def create_payslip():
    """A salary actually paid. One per entrepreneur and month: sending another for the same
    month replaces it (the payroll's correction) and answers 200 instead of 201."""
    body = inputs.json_body()
    inputs.only_fields(body, PAYSLIP_FIELDS)
    ref = inputs.text(body, "member", 254, required=True)
    period = body.get("period")
    if not isinstance(period, str) or not PERIOD_FORMAT.match(period):
        raise inputs.invalid("period", '`period` is required: a month written "YYYY-MM".')
    year, month = int(period[:4]), int(period[5:])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise inputs.invalid("period", "`period` falls between the years 2000 and 2099.")
    gross = inputs.money(body, "gross", required=True)
    net = inputs.money(body, "net", required=True)
    employer_cost = inputs.money(body, "employer_cost", required=True)
    last_day = date(year, month, calendar.monthrange(year, month)[1])
    paid_on = inputs.iso_date(body, "paid_on") or last_day
    member = _entrepreneur_or_404(ref, field="member")
    existed = db.session.scalar(
        select(Payslip.id).where(Payslip.member_id == member.id, Payslip.period == period)
    )
    payslip = record_payslip(
        db.session,
        member,
        period=period,
        gross_cents=to_cents(gross),
        net_cents=to_cents(net),
        employer_cost_cents=to_cents(employer_cost),
        paid_on=paid_on,
    )
    response = jsonify(payslip_representation(payslip))
    response.status_code = 200 if existed else 201
    return response


BALANCE_FIELDS = ("date", "amount", "year_to_date_base")


@bp.put("/members/<ref>/balance")
@idempotent
def put_balance(ref: str):
    """The authoritative margin at the end of `date`: every movement dated on or before it
    is in it, and the projection adds only later ones."""
    member = _entrepreneur_or_404(ref)
    body = inputs.json_body()
    inputs.only_fields(body, BALANCE_FIELDS)
    on = inputs.iso_date(body, "date", required=True)
    amount = inputs.money(body, "amount", required=True)
    year_base = inputs.money(body, "year_to_date_base")
    snapshot = record_balance(
        db.session,
        member,
        on=on,
        amount_cents=to_cents(amount),
        today=paris_today(),
        year_to_date_base_cents=None if year_base is None else to_cents(year_base),
    )
    latest = _latest_dates(db.session, {member.id})[member.id]
    return balance_representation(snapshot, in_effect=snapshot.date == latest)


@bp.get("/members/<ref>/projection")
def projection(ref: str):
    member = _entrepreneur_or_404(ref)
    headline = headline_for(db.session, member, paris_today())
    figures = headline.projection
    salary, payslip = figures.salary, figures.salary.payslip
    source = SALARY_SOURCES.get(salary.source) if payslip else None
    sustainable = figures.sustainable
    sustained = sustainable.payslip if sustainable else None

    def fundable_gross(largest) -> str | None:
        if not headline.payroll_available:
            return None
        return money(largest.gross) if largest else "0.00"

    def fundable_hours(largest) -> str | None:
        return decimal_string(largest.hours_per_week) if largest else None

    def runway(figure) -> dict:
        return {
            "runway_months": figure.months if figure else None,
            "runway_beyond_horizon": figure.beyond if figure else False,
        }

    # Past the period of the latest payroll rates, the figures are estimates on those rates.
    computed = (payslip, headline.max_fundable, headline.max_fundable_if_paid)
    stale = next((p for p in computed if p is not None and p.stale_rates), None)
    return {
        "member_id": member.id,
        "member": member.email,
        "date": iso(figures.today),
        "stale_rates": (
            {"valid_from": iso(stale.rates_from), "valid_until": iso(stale.rates_until)}
            if stale
            else None
        ),
        "balance": (
            {"date": iso(figures.opening.on), "amount": money(figures.opening.amount)}
            if figures.opening
            else None
        ),
        "margin": money(figures.margin),
        "next_salary": (
            {
                "period": f"{salary.period:%Y-%m}",
                "source": source,
                "hours_per_week": decimal_string(salary.hours_per_week),
                "gross": money(payslip.gross),
                "net_before_tax": money(payslip.net_before_tax),
                "employer_cost": money(payslip.employer_cost),
                "fundable": figures.fundable,
                "due_periods": [f"{due.on:%Y-%m}" for due in salary.due],
                "due_employer_cost": money(salary.due_cost) if salary.due else None,
            }
            if payslip
            else None
        ),
        "sustainable_salary": (
            {
                "months": sustainable.months,
                "since": f"{sustainable.first:%Y-%m}",
                "average_monthly_margin": money(sustainable.average),
                "reserve": money(sustainable.reserve),
                "budget": money(sustainable.budget),
                "hours_per_week": fundable_hours(sustained),
                "gross": money(sustained.gross) if sustained else None,
                "net_before_tax": money(sustained.net_before_tax) if sustained else None,
                "employer_cost": money(sustained.employer_cost) if sustained else None,
            }
            if sustainable
            else None
        ),
        "remaining_margin": money(figures.remaining),
        **runway(figures.runway),
        "max_fundable_gross": fundable_gross(headline.max_fundable),
        "max_fundable_hours_per_week": fundable_hours(headline.max_fundable),
        "outstanding": money(figures.outstanding),
        "if_outstanding_paid": {
            "margin": money(figures.margin_if_paid),
            "remaining_margin": money(figures.remaining_if_paid),
            **runway(figures.runway_if_paid),
            "max_fundable_gross": fundable_gross(headline.max_fundable_if_paid),
            "max_fundable_hours_per_week": fundable_hours(headline.max_fundable_if_paid),
        },
    }
