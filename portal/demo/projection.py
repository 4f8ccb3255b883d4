"""What the back office pushes: Camille's payslips and the balances of the margin."""

import calendar
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.members.services import member_by_email
from portal.money import to_cents
from portal.payroll import compute_payslip, effective_dates
from portal.projection.models import Payslip
from portal.projection.months import add_months, first_of_month
from portal.projection.records import record_balance, record_payslip


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def seed_demo_payroll(session: Session) -> Iterator[str]:
    """Camille's payslips for the eleven months before this one, as the back office would
    push them, and the balance it sent at the end of the month four months ago; a balance
    for Léo, still supported, whose page shows what his activity could pay him."""
    camille = member_by_email(session, "camille@demo.coop")
    leo = member_by_email(session, "leo@demo.coop")
    if camille is None or leo is None:
        return
    if session.scalar(select(Payslip.id).where(Payslip.member_id == camille.id)):
        return
    this_month = first_of_month(paris_today())
    earliest_rates = effective_dates()[0]
    for back in range(11, 0, -1):
        period = add_months(this_month, -back)
        payslip = compute_payslip(Decimal("1508.00"), 24, max(period, earliest_rates))
        record_payslip(
            session,
            camille,
            period=f"{period:%Y-%m}",
            gross_cents=to_cents(payslip.gross),
            net_cents=to_cents(payslip.net_before_tax),
            employer_cost_cents=to_cents(payslip.employer_cost),
            paid_on=_month_end(period),
        )
    last_month_end = _month_end(add_months(this_month, -1))
    record_balance(
        session,
        camille,
        on=_month_end(add_months(this_month, -4)),
        amount_cents=9_820_00,
        today=paris_today(),
    )
    # Léo's three invoices, paid, less the 10 % contribution.
    record_balance(session, leo, on=last_month_end, amount_cents=5_085_00, today=paris_today())
    yield "Payslips and balances: camille@demo.coop (11 months), leo@demo.coop"
