"""One commit per request, here and nowhere else in the web layer.

Services flush; a response below 400 commits what they did, anything else rolls back.
Mail queued in the outbox is delivered once the commit has succeeded and the response has
gone: the member does not wait for the mail server."""

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app

from portal.db import db
from portal.outbox.services import MAIL_QUEUED, deliver_pending

log = logging.getLogger("portal.mail")


def commit_or_roll_back(response: Response) -> Response:
    session = db.session
    if response.status_code >= 400:
        session.rollback()
        return response
    queued = session.info.pop(MAIL_QUEUED, None)
    session.commit()
    if queued:
        response.call_on_close(_delivery(current_app._get_current_object(), queued))
    return response


def _delivery(app: Flask, ids: list[int]) -> Callable[[], None]:
    """Deliver the request's mail when the server closes the response, after the last byte
    went to the browser; in its own application context, the request's being gone."""

    def deliver() -> None:
        with app.app_context():
            try:
                deliver_pending(db.session, ids)
            except Exception:
                # The member has their answer already; `portal deliver-mail` retries.
                log.exception("mail delivery after the response failed")

    return deliver
