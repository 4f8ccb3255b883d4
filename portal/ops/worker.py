"""The worker: the portal's background work in one long-running process
(deploy/portal-worker.service runs `portal worker`). Every round it delivers the mail the
outbox still holds (a request delivers its own mail after answering; this retries failures
and mail a stopped app server left behind), and once a day it purges the audit trail past
its retention, queues the daily summaries of notifications (sent once a day whatever
runs them) and the coop's automatic reminders of overdue invoices (each sent once).
Several workers may run: a message is claimed before it is sent."""

import json
import signal
import sys
import threading
import time
from datetime import UTC, datetime

from flask import Flask

from portal.audit.services import purge
from portal.dates import paris_today
from portal.db import db, utcnow
from portal.notifications.services import send_digests
from portal.outbox.services import deliver_pending
from portal.sales.sending import send_automatic_reminders
from portal.transaction import write_transaction

PURGE_EVERY_S = 24 * 3600


def run_worker(app: Flask, interval: float, once: bool = False) -> None:
    """Rounds every `interval` seconds until SIGTERM or SIGINT (the round under way ends
    first), or one round with `once`. A failing round (the database restarting) is logged
    and the next one tries again."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    next_purge = time.monotonic()
    _say("worker_started", interval=interval)
    while True:
        with app.app_context():
            try:
                sent = deliver_pending(db.session)
                if sent:
                    _say("mail_delivered", sent=sent)
                if time.monotonic() >= next_purge:
                    months = app.config["AUDIT_RETENTION_MONTHS"]
                    purged = purge(db.session, utcnow(), months)
                    db.session.commit()
                    with write_transaction(db.session):
                        digests = send_digests(db.session, utcnow())
                    reminders = send_automatic_reminders(db.session, paris_today(), utcnow())
                    next_purge = time.monotonic() + PURGE_EVERY_S
                    _say("audit_purged", deleted=purged, months=months)
                    _say("digests_queued", queued=digests)
                    _say("reminders_queued", queued=reminders)
            except Exception as error:
                db.session.rollback()
                _say("round_failed", error=f"{type(error).__name__}: {error}"[:500])
        if once or stop.wait(interval):
            break
    _say("worker_stopped")


def _say(event: str, **fields) -> None:
    """One JSON line on stderr, like the app servers' request lines."""
    line = {"time": datetime.now(UTC).isoformat(timespec="milliseconds"), "event": event}
    print(json.dumps({**line, **fields}, separators=(",", ":")), file=sys.stderr, flush=True)
