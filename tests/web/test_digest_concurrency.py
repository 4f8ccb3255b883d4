"""The daily summary run twice at once (two workers, or the command beside the worker): on
PostgreSQL, real transactions of their own, and still each notification is summed up once."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal.db import db, utcnow
from portal.members.models import Member, Role
from portal.notifications.models import Notification
from portal.notifications.services import send_digests
from portal.outbox.models import OutboxMessage
from tests.helpers import committed_app, seed_invoices_to_validate


@pytest.mark.postgres
def test_a_second_run_during_the_first_sends_no_second_summary(committed_database, tmp_path):
    app = committed_app(committed_database("postgresql"), tmp_path / "data")
    try:
        seed_invoices_to_validate(app, 2)  # the support team's summary waits for them
        with app.app_context():
            engine = db.engine
            with Session(engine) as first, Session(engine) as second:
                assert send_digests(first, utcnow()) == 1  # not committed yet
                # Without the rule, the second run would wait on the first's rows: fail then.
                second.execute(text("SET LOCAL lock_timeout = '2s'"))
                # The second run reads while the first holds what it summed up.
                assert send_digests(second, utcnow()) == 0
                second.commit()
                first.commit()
            staff = db.session.scalar(select(Member.email).where(Member.role == Role.STAFF))
            summaries = db.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.recipient == staff)
            )
            waiting = db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.awaits_digest.is_(True))
            )
    finally:
        app.extensions["database"].engine.dispose()
    assert summaries == 1
    assert waiting == 0
