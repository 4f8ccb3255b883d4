"""`portal create-user`."""

from decimal import Decimal, InvalidOperation

import click
from flask import Blueprint

from portal.audit.services import record
from portal.cli import CommandError, in_transaction
from portal.db import db
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from portal.money import to_cents

# Commands only: `cli_group=None` keeps them at the top of `portal`, as users type them.
bp = Blueprint("members_commands", __name__, cli_group=None)


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise CommandError(f"Not a number: {value}") from None


@bp.cli.command("create-user")
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
@in_transaction
def create_user(
    email, full_name, role, status, password, hours_per_week, hourly_rate, monthly_gross, activities
):
    """Create a member who can log in."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    hours = _decimal(hours_per_week) or Decimal(0)
    rate = _decimal(hourly_rate) or Decimal(0)
    fixed_gross = _decimal(monthly_gross)
    member = create_member(
        db.session,
        email=email,
        full_name=full_name,
        role=Role(role),
        status=MemberStatus(status) if status else None,
        password=password,
        contract_hours_per_week=hours,
        hourly_gross_rate_cents=to_cents(rate),
        contract_monthly_gross_cents=to_cents(fixed_gross) if fixed_gross is not None else None,
        activities=activities,
    )
    record(db.session, "account_created", actor_label="command line", subject=member, detail=role)
    click.echo(f"Created {member.role} {member.email}.")
