"""Sales' daily work, run by the worker: the coop's automatic reminders of overdue invoices."""

from portal.dates import paris_today
from portal.db import db, utcnow
from portal.outbox.services import queued_mail
from portal.outbox.tasks import deliver_messages
from portal.sales.sending import send_automatic_reminders
from portal.tasks import periodic, say


@periodic(minute=0, hour=8)
def send_reminders() -> None:
    """Every morning at 08:00 (and when the worker starts): the reminders due today, as
    `portal send-reminders` does; run again, or twice at once, it sends nothing more."""
    queued = send_automatic_reminders(db.session, paris_today(), utcnow())
    ids = queued_mail(db.session)
    say("reminders_queued", queued=queued)
    if ids:
        deliver_messages.enqueue(ids)
