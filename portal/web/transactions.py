"""One commit per request, here and nowhere else in the web layer.

Services flush; a response below 400 commits what they did, anything else rolls back. A
view declared `@transaction("write", commit="early")` (portal/transaction.py) commits as
soon as its writing is done, so that the lock is not held while its page renders.
Mail queued in the outbox is handed to the worker once the commit has succeeded and the
response has gone: the member does not wait for the mail server, nor the app server."""

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g

from portal.db import db
from portal.outbox.services import queued_mail
from portal.outbox.tasks import deliver_messages
from portal.transaction import writing_done

log = logging.getLogger("portal.mail")
# Ids of the messages the request's committed transactions queued.
MAIL_TO_DELIVER = "portal_mail_to_deliver"


@writing_done.connect
def commit_early(_app) -> None:
    """Commit the request's writes before its response is built: the seats of a workshop,
    locked by a booking, are then free for the next one while this page renders."""
    _commit(db.session)


def commit_or_roll_back(response: Response) -> Response:
    if db.session.registry.has():  # a static file never opens one: nothing to end
        if response.status_code >= 400:
            db.session.rollback()
        else:
            _commit(db.session)
    committed_mail = g.pop(MAIL_TO_DELIVER, None)
    if committed_mail:
        response.call_on_close(_delivery(current_app._get_current_object(), committed_mail))
    return response


def _commit(session) -> None:
    session.commit()
    queued = queued_mail(session)
    if queued:
        g.setdefault(MAIL_TO_DELIVER, []).extend(queued)


def _delivery(app: Flask, ids: list[int]) -> Callable[[], None]:
    """Queue the delivery of the request's mail when the server closes the response, after
    the last byte went to the browser; in its own application context, the request's being
    gone. The worker sends it (portal/outbox/tasks.py)."""

    def hand_over() -> None:
        with app.app_context():
            try:
                deliver_messages.enqueue(ids)
            except Exception:
                # The queue is down: the mail waits in the outbox for the worker's sweep.
                log.exception("queueing the delivery of the request's mail failed")

    return hand_over
