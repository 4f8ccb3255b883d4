"""`portal deliver-mail`."""

import click
from flask import Blueprint

from portal.db import db
from portal.outbox.services import deliver_pending

bp = Blueprint("outbox_commands", __name__, cli_group=None)


@bp.cli.command("deliver-mail")
def deliver_mail():
    """Send the mail still waiting in the outbox (failed or interrupted deliveries), the
    oldest 100 a run; run it every few minutes, from cron or a systemd timer."""
    sent = deliver_pending(db.session)
    click.echo(f"{sent} message(s) sent.")
