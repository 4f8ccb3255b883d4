"""Demo data: a coop with its support team and three entrepreneurs. Safe to run twice."""

import calendar
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.coop.services import get_coop_settings
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member, member_by_email
from portal.money import to_cents
from portal.payroll import compute_payslip, effective_dates
from portal.projection.compute import add_months, first_of_month
from portal.projection.models import Payslip
from portal.projection.services import paris_today, record_balance, record_payslip

DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed by `make run`, demo only)

DEMO_MEMBERS = (
    dict(email="admin@demo.coop", full_name="Alex Martin", role=Role.ADMIN),
    dict(email="equipe@demo.coop", full_name="Nadia Benali", role=Role.STAFF),
    dict(
        email="camille@demo.coop",
        full_name="Camille Durand",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.EMPLOYEE,
        contract_hours_per_week=Decimal(24),
        hourly_gross_rate_cents=1450,
        activities=("Traduction", "Cours d'anglais"),
    ),
    dict(
        email="leo@demo.coop",
        full_name="Léo Petit",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.SUPPORTED,
        activities=("Jardinage",),
    ),
    dict(
        email="sam@demo.coop",
        full_name="Sam Moreau",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.ASSOCIATE,
        contract_hours_per_week=Decimal(35),
        hourly_gross_rate_cents=1800,
        activities=("Conception web",),
    ),
)


def seed_demo_data(session: Session) -> Iterator[str]:
    settings = get_coop_settings(session)
    if not settings.legal_name:
        settings.legal_name = "Coopérative Démo"
        settings.address = "12 rue de la Coopération\n69001 Lyon"
        settings.siren = "732829320"
        settings.siret = "73282932000074"
        settings.vat_number = "FR44732829320"
        settings.rcs = "RCS Lyon 732 829 320"
        settings.share_capital_cents = 1_500_000
        settings.headcount = 20
        yield "Coop settings: Coopérative Démo"
    for fields in DEMO_MEMBERS:
        if member_by_email(session, fields["email"]) is None:
            create_member(session, password=DEMO_PASSWORD, **fields)
            yield f"Member: {fields['email']} ({fields['role']})"

    yield from seed_demo_payroll(session)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def seed_demo_payroll(session: Session) -> Iterator[str]:
    """Camille's payslips for the eleven months before this one, as the back office would
    push them, and the balance it sent at the end of the month four months ago; a balance
    for Léo, still supported, so his page shows what his activity could pay him."""
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
        session, camille, on=_month_end(add_months(this_month, -4)), amount_cents=9_820_00
    )
    record_balance(session, leo, on=last_month_end, amount_cents=2_450_00)
    yield "Payslips and balances: camille@demo.coop (11 months), leo@demo.coop"
