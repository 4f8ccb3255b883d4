"""`portal seed-demo`."""

import click
from flask import Blueprint

from portal.cli import in_transaction
from portal.db import db
from portal.demo import DEMO_PASSWORD, seed_demo_data

bp = Blueprint("demo_commands", __name__, cli_group=None)


@bp.cli.command("seed-demo")
@in_transaction
def seed_demo():
    """Add the demo coop and its members (safe to run again)."""
    for line in seed_demo_data(db.session):
        click.echo(line)
    click.echo(f"Demo accounts use the password: {DEMO_PASSWORD}")
