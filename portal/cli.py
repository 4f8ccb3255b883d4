"""The `portal` command: Flask's own commands (run, shell, routes) plus ours."""

from decimal import Decimal, InvalidOperation
from functools import wraps
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from portal.db import db
from portal.errors import DomainError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class CommandError(click.ClickException):
    """Bad input on the command line: a clear message and exit code 2."""

    exit_code = 2


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def in_transaction(function):
    """Run a command as one transaction: committed if it ends well, else rolled back, with a
    DomainError shown as a plain message (exit code 2)."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        try:
            result = function(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as error:
            db.session.rollback()
            raise CommandError(str(error)) from None

    return wrapper


def register_commands(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(simulate_salary)
    app.cli.add_command(deliver_mail)
    from portal.api.commands import COMMANDS as api_commands

    for api_command in api_commands:
        app.cli.add_command(api_command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema to the latest migration."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@click.command("seed-demo")
@with_appcontext
@in_transaction
def seed_demo():
    """Add the demo coop and its members (safe to run again)."""
    from portal.demo import DEMO_PASSWORD, seed_demo_data

    for line in seed_demo_data(db.session):
        click.echo(line)
    click.echo(f"Demo accounts use the password: {DEMO_PASSWORD}")


@click.command("deliver-mail")
@with_appcontext
def deliver_mail():
    """Send the mail still waiting in the outbox (failed or interrupted deliveries); run it
    every few minutes, from cron or a systemd timer."""
    from portal.outbox.services import deliver_pending

    sent = deliver_pending(db.session)
    click.echo(f"{sent} message(s) sent.")


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CommandError(f"Not a number: {value}") from None


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", default="", help="Full name (defaults to the email).")
@click.option(
    "--role",
    type=click.Choice(["entrepreneur", "staff", "admin"]),
    default="entrepreneur",
    show_default=True,
)
@click.option(
    "--status",
    type=click.Choice(["accompagne", "salarie", "associe"]),
    help="Entrepreneurs only (default: accompagne).",
)
@click.option("--password", help="Prompted for when omitted.")
@click.option("--hours-per-week", help="Contract hours per week, 0 to 48.")
@click.option("--hourly-rate", help="Hourly gross rate in euros.")
@click.option("--monthly-gross", help="A fixed monthly gross in euros, instead of hours × rate.")
@click.option("--activity", "activities", multiple=True, help="An activity name (repeatable).")
@with_appcontext
@in_transaction
def create_user(
    email, full_name, role, status, password, hours_per_week, hourly_rate, monthly_gross, activities
):
    """Create a member who can log in."""
    from portal.members.models import MemberStatus, Role
    from portal.members.services import create_member
    from portal.money import to_cents

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    hours = _decimal(hours_per_week) or Decimal(0)
    rate = _decimal(hourly_rate) or Decimal(0)
    if not 0 <= hours <= 48:
        raise CommandError("--hours-per-week must be between 0 and 48.")
    if not 0 <= rate <= 1000:
        raise CommandError("--hourly-rate must be between 0 and 1000 euros.")
    fixed_gross = _decimal(monthly_gross)
    if fixed_gross is not None and not 0 < fixed_gross <= 100_000:
        raise CommandError("--monthly-gross must be between 0 and 100000 euros.")
    member = create_member(
        db.session,
        email=email,
        full_name=full_name,
        role=Role(role),
        status=MemberStatus(status) if status else None,
        password=password,
        contract_hours_per_week=hours,
        hourly_gross_rate_cents=to_cents(rate),
        contract_monthly_gross_cents=to_cents(fixed_gross) if fixed_gross else None,
        activities=activities,
    )
    click.echo(f"Created {member.role} {member.email}.")


def _amount_option(value: str | None, option: str) -> Decimal | None:
    from flask_babel import gettext as _

    from portal.web.fields import parse_decimal

    if value is None:
        return None
    try:
        return parse_decimal(value)
    except ValueError:
        raise CommandError(
            _("%(option)s must be a number, for example 2500 or 2500.50.", option=option)
        ) from None


def _payroll_date(value: str | None):
    from datetime import date

    from flask_babel import gettext as _

    from portal.dates import paris_today

    if value is None:
        return paris_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("--date must be a date written YYYY-MM-DD, not %(value)s.", value=value)
        ) from None


def _refuse_stale_rates(day) -> None:
    """A payslip past the period of the latest rates file would be computed on old rates."""
    from flask_babel import gettext as _

    from portal.payroll import PayrollError, rates_on

    try:
        rates = rates_on(day)
    except PayrollError:
        return  # a date before the first file: the simulation says so
    if not rates.covers(day):
        raise CommandError(
            _(
                "No payroll rates cover %(date)s: the latest end on %(until)s. Add the new "
                "rates file (see the README), or pass --assume-latest-rates to estimate with "
                "the rates of %(since)s.",
                date=day.isoformat(),
                until=rates.valid_until.isoformat(),
                since=rates.effective_from.isoformat(),
            )
        )


def _coop_payroll_settings_if_reachable(headcount: int | None):
    """The coop's settings, or the defaults when there is no database to read them from."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from portal.salary.services import coop_payroll_settings, payroll_settings

    url = make_url(current_app.config["DATABASE_URL"])
    # Connecting to a missing SQLite file would create an empty one.
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return payroll_settings(None, headcount)
    try:
        return coop_payroll_settings(db.session, headcount)
    except SQLAlchemyError:
        db.session.rollback()
        return payroll_settings(None, headcount)


@click.command("simulate-salary")
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
@click.option(
    "--assume-latest-rates",
    is_flag=True,
    help="Past the period of the latest payroll rates file, estimate with its rates "
    "instead of refusing.",
)
@with_appcontext
@in_transaction
def simulate_salary(gross, budget, hours_per_week, on, headcount, as_json, assume_latest_rates):
    """Show a month's pay for a gross salary, or the highest gross a budget pays for.

    The work-accident and mobility-levy rates come from the coop settings when the database
    is reachable; otherwise the national average and no levy. Nothing is written.
    """
    import json

    from flask_babel import gettext as _

    from portal.salary.services import simulate_salary as simulate

    if (gross is None) == (budget is None):
        raise CommandError(_("Give exactly one of --gross and --budget."))
    gross_amount = _amount_option(gross, "--gross")
    budget_amount = _amount_option(budget, "--budget")
    hours = _amount_option(hours_per_week, "--hours-per-week")
    day = _payroll_date(on)
    if not assume_latest_rates:
        _refuse_stale_rates(day)
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
        "rates": {
            "valid_from": payslip.rates_from.isoformat(),
            "valid_until": payslip.rates_until.isoformat(),
            "stale": payslip.stale_rates,
        },
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
    from flask_babel import format_decimal
    from flask_babel import gettext as _

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
    if payslip.stale_rates:
        lines.insert(
            1,
            _(
                "Estimated with the rates of %(date)s, which end on %(until)s.",
                date=payslip.rates_from.isoformat(),
                until=payslip.rates_until.isoformat(),
            ),
        )
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


def main() -> None:
    from portal import create_app

    FlaskGroup(create_app=create_app, help="The CAE portal.")(prog_name="portal")
