"""The outbox's background work: the delivery a request asks for once it has committed, and
the sweep that retries what failed or was left behind."""

from portal.db import db
from portal.outbox.services import deliver_pending
from portal.tasks import periodic, say, task


@task()
def deliver_messages(ids: list[int]) -> None:
    """Send these messages (queued by a request or a task that has committed). Each is
    claimed before it is sent: a message is never sent twice, whoever else delivers it."""
    sent = deliver_pending(db.session, ids)
    say("mail_delivered", sent=sent, queued=len(ids))


@periodic(minute="*")
def retry_deliveries() -> None:
    """Every minute: whatever waits in the outbox — a failed attempt (up to MAX_ATTEMPTS),
    mail whose delivery was never queued (the queue was down) or was lost with a worker."""
    sent = deliver_pending(db.session)
    if sent:
        say("mail_delivered", sent=sent, swept=True)
