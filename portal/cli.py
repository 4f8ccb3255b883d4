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
@click.option("--activity", "activities", multiple=True, help="An activity name (repeatable).")
@with_appcontext
@in_transaction
def create_user(email, full_name, role, status, password, hours_per_week, hourly_rate, activities):
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
    member = create_member(
        db.session,
        email=email,
        full_name=full_name,
        role=Role(role),
        status=MemberStatus(status) if status else None,
        password=password,
        contract_hours_per_week=hours,
        hourly_gross_rate_cents=to_cents(rate),
        activities=activities,
    )
    click.echo(f"Created {member.role} {member.email}.")


def main() -> None:
    from portal import create_app

    FlaskGroup(create_app=create_app, help="The CAE portal.")(prog_name="portal")
