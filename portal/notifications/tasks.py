"""The daily summary of notifications, run by the worker."""

from portal.db import db, utcnow
from portal.notifications.services import send_digests
from portal.outbox.services import queued_mail
from portal.outbox.tasks import deliver_messages
from portal.tasks import periodic, say
from portal.transaction import write_transaction


@periodic(minute=0, hour=7)
def send_digest() -> None:
    """Every morning at 07:00 (and when the worker starts): each member's summary of what
    waits for their daily email, as `portal send-digest` does; run again the same day, it
    sends nothing more."""
    with write_transaction(db.session):  # on SQLite: what it reads stays true until its commit
        queued = send_digests(db.session, utcnow())
        ids = queued_mail(db.session)
    say("digests_queued", queued=queued)
    if ids:
        deliver_messages.enqueue(ids)
