"""`portal simulate-salary`: a month's pay on the command line."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import click
from flask import Blueprint, current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from portal.cli import CommandError, in_transaction
from portal.dates import paris_today
from portal.db import db
from portal.salary.services import coop_payroll_settings, payroll_settings
from portal.salary.services import simulate_salary as simulate
from portal.web.fields import parse_decimal

bp = Blueprint("salary_commands", __name__, cli_group=None)


def _amount_option(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_decimal(value)
    except ValueError:
        raise CommandError(
            _("%(option)s must be a number, for example 2500 or 2500.50.", option=option)
        ) from None


def _payroll_date(value: str | None):
    if value is None:
        return paris_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--date must be a date written YYYY-MM-DD, not %(value)s.", value=value)
        ) from None


def _coop_payroll_settings_if_reachable(headcount: int | None):
    """The coop's settings, or the defaults when there is no database to read them from."""
    url = make_url(current_app.config["DATABASE_URL"])
    # Connecting to a missing SQLite file would create an empty one.
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return payroll_settings(None, headcount)
    try:
        return coop_payroll_settings(db.session, headcount)
    except SQLAlchemyError:
        db.session.rollback()
        return payroll_settings(None, headcount)


@bp.cli.command("simulate-salary")
@click.option("--gross", help="Monthly gross salary in euros.")
@click.option("--budget", help="Monthly budget (total employer cost) in euros, instead of --gross.")
@click.option(
    "--hours-per-week", default="35", show_default=True, help="Contract hours a week, 1 to 48."
)
@click.option("--date", "on", help="Payroll date, YYYY-MM-DD.  [default: today in Paris]")
@click.option(
    "--headcount",
    type=click.IntRange(min=1),
    help="Staff count, for the rates that depend on size.  [default: the coop settings' "
    "headcount if the database is reachable, else 20]",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (money as decimal strings).")
@in_transaction
def simulate_salary(gross, budget, hours_per_week, on, headcount, as_json):
    """Show a month's pay for a gross salary, or the highest gross a budget pays for.

    The work-accident and mobility-levy rates come from the coop settings when the database
    is reachable; otherwise the national average and no levy. Nothing is written.
    """
    if (gross is None) == (budget is None):
        raise CommandError(_("Give exactly one of --gross and --budget."))
    gross_amount = _amount_option(gross, "--gross")
    budget_amount = _amount_option(budget, "--budget")
    hours = _amount_option(hours_per_week, "--hours-per-week")
    day = _payroll_date(on)
    employer = _coop_payroll_settings_if_reachable(headcount)
    simulation = simulate(
        employer, gross=gross_amount, budget=budget_amount, hours_per_week=hours, on=day
    )
    if as_json:
        click.echo(json.dumps(simulation_as_json(simulation), ensure_ascii=False, indent=2))
    else:
        click.echo(simulation_as_text(simulation))


def _money_text(value: Decimal) -> str:
    return f"{value:.2f}"


def simulation_as_json(simulation) -> dict:
    payslip = simulation.payslip
    return {
        "gross": _money_text(payslip.gross),
        "net_before_tax": _money_text(payslip.net_before_tax),
        "taxable_net": _money_text(payslip.taxable_net),
        "employer_cost": _money_text(payslip.employer_cost),
        "employee_contributions": _money_text(payslip.employee_contributions),
        "employer_contributions": _money_text(payslip.employer_contributions),
        "general_reduction": _money_text(payslip.general_reduction),
        "hours_per_week": str(payslip.hours_per_week),
        "minimum_wage": _money_text(payslip.minimum_wage),
        "below_minimum_wage": payslip.below_minimum_wage,
        "date": payslip.on.isoformat(),
        "headcount": simulation.employer.headcount,
        "budget": _money_text(simulation.budget) if simulation.budget is not None else None,
        "lines": [
            {
                "code": line.code,
                "label": line.label,
                "payer": line.payer,
                "base": _money_text(line.base),
                "rate": str(line.rate),
                "amount": _money_text(line.amount),
            }
            for line in payslip.lines
        ],
    }


def simulation_as_text(simulation) -> str:
    """A plain table in the CLI's language (French by default), amounts right-aligned."""
    payslip = simulation.payslip

    def euros(value: Decimal) -> str:
        return format_decimal(value, format="#,##0.00").replace("\u202f", " ") + " €"

    def percent(rate: Decimal) -> str:
        return format_decimal(rate * 100, format="#,##0.####") + " %"

    rows = []
    if simulation.budget is not None:
        rows.append((_("Monthly budget (employer cost)"), euros(simulation.budget)))
    rows += [
        (_("Gross salary"), euros(payslip.gross)),
        (_("Employee contributions"), euros(-payslip.employee_contributions)),
        (_("Net salary before tax"), euros(payslip.net_before_tax)),
        (_("Taxable net"), euros(payslip.taxable_net)),
        (_("Employer contributions"), euros(payslip.employer_contributions)),
        (_("General reduction (RGDU)"), euros(-payslip.general_reduction)),
        (_("Total employer cost"), euros(payslip.employer_cost)),
    ]
    width = max(len(label) for label, _value in rows)
    lines = [
        _(
            "Rules of %(date)s, %(hours)s h a week, headcount %(headcount)s",
            date=payslip.on.isoformat(),
            hours=format_decimal(payslip.hours_per_week),
            headcount=simulation.employer.headcount,
        ),
        "",
    ]
    lines += [f"{label:<{width}}  {value:>14}" for label, value in rows]
    if payslip.below_minimum_wage:
        lines += [
            "",
            _(
                "Below the minimum wage: %(minimum)s for %(hours)s h a week.",
                minimum=euros(payslip.minimum_wage),
                hours=format_decimal(payslip.hours_per_week),
            ),
        ]
    label_width = max(len(line.label) for line in payslip.lines)
    for payer, title in (
        ("employee", _("Employee contributions")),
        ("employer", _("Employer contributions")),
    ):
        lines += ["", title]
        for line in payslip.lines:
            if line.payer == payer:
                lines.append(
                    f"  {line.label:<{label_width}}  {euros(line.base):>14}"
                    f"  {percent(line.rate):>9}  {euros(line.amount):>12}"
                )
    return "\n".join(lines)
