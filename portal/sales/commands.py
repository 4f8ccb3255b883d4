"""`portal send-reminders`."""

import click
from flask import Blueprint

from portal.dates import paris_today
from portal.db import db, utcnow
from portal.outbox.services import deliver_pending, queued_mail
from portal.sales.sending import send_automatic_reminders

bp = Blueprint("sales_commands", __name__, cli_group=None)


@bp.cli.command("send-reminders")
def send_reminders():
    """Remind customers of their overdue invoices on the days the coop set (its settings,
    "Automatic reminders"); nothing when none are set. Run it once a day (the worker does);
    run again, or twice at once, it never sends the same reminder twice."""
    count = send_automatic_reminders(db.session, paris_today(), utcnow())
    queued = queued_mail(db.session)
    # What cannot leave now stays in the outbox for `portal deliver-mail`.
    sent = deliver_pending(db.session, queued) if queued else 0
    click.echo(f"{count} reminder(s) queued, {sent} email(s) sent.")
