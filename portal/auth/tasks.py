"""The logins' daily purge, run by the worker."""

from dataclasses import asdict
from datetime import timedelta

from flask import current_app

from portal.auth.services import purge_expired
from portal.db import db, utcnow
from portal.tasks import periodic, say


@periodic(minute=40, hour=3)
def purge_logins() -> None:
    """Every night at 03:40 (and when the worker starts): delete the failed logins and
    reset requests the throttles no longer count, ended login sessions and expired links."""
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    purged = purge_expired(db.session, utcnow(), window)
    say("logins_purged", **asdict(purged))
