"""The audit trail's daily purge, run by the worker."""

from flask import current_app

from portal.audit.services import purge
from portal.db import db, utcnow
from portal.tasks import periodic, say


@periodic(minute=30, hour=3)
def purge_audit() -> None:
    """Every night at 03:30 (and when the worker starts): delete the events past the
    retention (AUDIT_RETENTION_MONTHS), as `portal purge-audit` does."""
    months = current_app.config["AUDIT_RETENTION_MONTHS"]
    deleted = purge(db.session, utcnow(), months)
    say("audit_purged", deleted=deleted, months=months)
