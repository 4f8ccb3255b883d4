"""`portal send-digest`."""

import click
from flask import Blueprint

from portal.db import db, utcnow
from portal.notifications.services import send_digests
from portal.outbox.services import deliver_pending, queued_mail
from portal.transaction import write_transaction

bp = Blueprint("notifications_commands", __name__, cli_group=None)


@bp.cli.command("send-digest")
def send_digest():
    """Email each member the summary of what waits for their daily email (by default the
    support team's new items to validate and check). Run it once a day, from cron or a
    systemd timer; run again the same day, it sends nothing more."""
    with write_transaction(db.session):  # on SQLite: what it reads stays true until its commit
        count = send_digests(db.session, utcnow())
        queued = queued_mail(db.session)
    # What cannot leave now stays in the outbox for `portal deliver-mail`.
    sent = deliver_pending(db.session, queued) if queued else 0
    click.echo(f"{count} summary email(s) queued, {sent} sent.")
