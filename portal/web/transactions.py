"""One commit per request, here and nowhere else in the web layer.

Services flush; a response below 400 commits what they did, anything else rolls back.
Mail queued in the outbox is delivered once the commit has succeeded."""

from flask import Response

from portal.db import db
from portal.outbox.services import MAIL_QUEUED, deliver_pending


def commit_or_roll_back(response: Response) -> Response:
    session = db.session
    if response.status_code >= 400:
        session.rollback()
        return response
    mail_queued = session.info.pop(MAIL_QUEUED, False)
    session.commit()
    if mail_queued:
        deliver_pending(session)
        session.commit()
    return response
