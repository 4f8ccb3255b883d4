"""What every module's commands share (exit code 2 on bad input, one transaction per command)
and the app's own `portal init-db`. Each module registers its commands through a blueprint
(`portal/<module>/commands.py`); `portal.main` is the `portal` program."""

from functools import wraps
from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import Flask, current_app
from flask.cli import with_appcontext

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
    """The app's own commands; each module registers its own through a blueprint."""
    app.cli.add_command(init_db)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema to the latest migration."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")
