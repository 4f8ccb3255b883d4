"""Mail leaves through the outbox: after the commit and after the answer, by a real SMTP
server here (aiosmtpd on loopback), once per message whoever delivers, and without holding
the database while the mail server takes its time. The test app runs each queued task at
once (QUEUE_IMMEDIATE); tests/web/test_queue.py delivers through a real worker."""

import logging
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select, text

from portal import create_app
from portal.db import db, utcnow
from portal.notifications.models import NotificationKind
from portal.notifications.services import notify
from portal.outbox.models import OutboxMessage
from portal.outbox.services import (
    CLAIM_LAPSES_AFTER,
    COMPOSERS,
    claim_messages,
    deliver_pending,
    outbox_counts,
    queue_composed_emails,
    queue_email,
)
from portal.transaction import write_transaction
from tests.servers import (
    Inbox,
    free_port,
    gunicorn,
    portal_worker,
    request,
    seed_workshop_and_visitors,
    smtp_server,
)

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def smtp_app(app):
    """The test app sending by SMTP to `app.config["SMTP_PORT"]`, without TLS."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_STARTTLS=False)
    yield app
    app.config.update(SMTP_HOST=None, SMTP_STARTTLS=True)


def test_a_request_sends_its_mail_by_smtp_once_it_has_answered(
    smtp_app, client, db_session, entrepreneur
):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        response = client.post("/password/forgot", data={"email": entrepreneur.email})
        assert response.status_code == 303
        assert inbox.received == []  # the member does not wait for the mail server
        response.close()  # what the server does once the answer has gone
    [envelope] = inbox.received
    assert envelope.rcpt_tos == [entrepreneur.email]
    content = envelope.content.decode()
    assert f"To: {entrepreneur.email}" in content and "/password/reset/" in content
    message = db_session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is not None and message.attempts == 1


def test_a_refused_delivery_is_kept_and_deliver_mail_sends_it_later(
    smtp_app, client, db_session, entrepreneur
):
    smtp_app.config["SMTP_PORT"] = free_port()  # nobody listens there
    client.post("/password/forgot", data={"email": entrepreneur.email}).close()
    message = db_session.scalars(select(OutboxMessage)).one()
    assert message.sent_at is None and message.attempts == 1
    assert message.last_error and message.claimed_at is None  # free for the next run

    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        result = smtp_app.test_cli_runner().invoke(args=["deliver-mail"])
    assert result.exit_code == 0 and "1 message(s) sent." in result.output
    assert [envelope.rcpt_tos for envelope in inbox.received] == [[entrepreneur.email]]
    db_session.refresh(message)
    assert message.sent_at is not None and message.attempts == 2


def test_a_message_that_cannot_be_sent_does_not_stop_the_next(smtp_app, db_session, app_context):
    broken = queue_email(db.session, "x@example.org\nBcc: all@example.org", "Subject", "Body")
    fine = queue_email(db.session, "fine@example.org", "Subject", "Body")
    db.session.commit()
    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        assert deliver_pending(db.session, [broken.id, fine.id]) == 1
    assert [envelope.rcpt_tos for envelope in inbox.received] == [["fine@example.org"]]
    assert broken.sent_at is None and broken.last_error and broken.claimed_at is None


def test_a_notifications_mail_is_written_when_it_is_delivered_and_kept_for_its_retries(
    smtp_app, db_session, app_context, entrepreneur
):
    """The notifying transaction writes a row and no words; the delivery writes them, in
    the member's language as it is then, and keeps them: a retry sends the same mail."""
    entrepreneur.locale = "fr"
    db_session.commit()
    notify(
        db.session,
        entrepreneur,
        NotificationKind.BOOKING_CONFIRMED,
        "/workshops/1",
        title="Fixer ses prix",
        starts_at=utcnow().isoformat(),
    )
    db.session.commit()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert (message.subject, message.body, message.composer) == (None, None, "notification")
    db.session.commit()
    entrepreneur.locale = "en"  # changed before the mail left
    db_session.commit()

    smtp_app.config["SMTP_PORT"] = free_port()  # nobody listens there: the first try fails
    assert deliver_pending(db.session) == 0
    db.session.refresh(message)
    assert message.last_error and message.sent_at is None
    written = (message.subject, message.body, message.html)
    assert "Fixer ses prix" in message.subject and "Hello" in message.body
    entrepreneur.locale = "fr"
    db_session.commit()
    db.session.commit()

    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        assert deliver_pending(db.session) == 1
    db.session.refresh(message)
    assert (message.subject, message.body, message.html) == written  # not written again
    sent = message_from_bytes(inbox.received[0].content, policy=policy.default)
    assert sent["Subject"] == written[0]


def test_a_mail_whose_composer_fails_waits_for_a_retry_and_does_not_stop_the_next(
    db_session, app_context, monkeypatch
):
    def broken(session, key):
        raise RuntimeError(f"no words for {key}")

    monkeypatch.setitem(COMPOSERS, "broken", broken)
    [failing_id] = queue_composed_emails(db.session, "broken", [("a@example.org", 7)])
    fine = queue_email(db.session, "b@example.org", "Subject", "Body")
    db.session.commit()
    assert deliver_pending(db.session) == 1
    failing = db.session.get(OutboxMessage, failing_id)
    assert failing.body is None and failing.sent_at is None
    assert failing.last_error == "no words for 7" and failing.claimed_at is None
    assert failing.attempts == 1  # counted: it is given up after MAX_ATTEMPTS
    assert fine.sent_at is not None


def test_a_notifications_mail_is_dropped_once_its_member_is_gone(
    db_session, app_context, make_member
):
    """Not a failure for the operator's metrics, nor an address kept for nothing."""
    member = make_member()
    notify(
        db.session,
        member,
        NotificationKind.PAYSLIP_RECORDED,
        "/",
        period_month="2026-10",
        net_cents=100,
    )
    db.session.commit()
    db_session.delete(member)  # the notification goes with them; the queued row stays
    db_session.commit()
    assert deliver_pending(db.session) == 0
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert outbox_counts(db.session) == {"waiting": 0, "retrying": 0, "failed": 0}


def test_without_smtp_a_mail_is_shown_on_the_console(db_session, app_context, caplog):
    """In development a reset link is read on the console: logged at a level Python shows
    without any logging set up (warning), not below it."""
    message = queue_email(db.session, "camille@example.org", "Reset", "Open /reset/abc")
    db.session.commit()
    assert deliver_pending(db.session, [message.id]) == 1
    shown = [record for record in caplog.records if record.name == "portal.mail"]
    assert [record.levelno >= logging.WARNING for record in shown] == [True]
    assert "Open /reset/abc" in shown[0].getMessage()


def test_a_claim_is_respected_until_it_lapses(db_session):
    now = utcnow()
    fresh = queue_email(db_session, "a@example.org", "Subject", "Body")
    stale = queue_email(db_session, "b@example.org", "Subject", "Body")
    fresh.claimed_at = now - timedelta(minutes=1)
    stale.claimed_at = now - CLAIM_LAPSES_AFTER - timedelta(seconds=1)
    assert claim_messages(db_session, now, [fresh.id, stale.id]) == [stale]
    assert stale.claimed_at == now and stale.attempts == 1


def test_a_message_out_of_attempts_is_no_longer_claimed(db_session):
    message = queue_email(db_session, "a@example.org", "Subject", "Body")
    message.attempts = 5
    assert claim_messages(db_session, utcnow(), [message.id]) == []


def _committed_app(url: str, tmp_path, port: int):
    return create_app(
        {
            "DATABASE_URL": url,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "x",
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "SMTP_STARTTLS": False,
        }
    )


@pytest.mark.parametrize("kind", DATABASES)
def test_deliverers_running_at_once_send_each_message_once(committed_database, kind, tmp_path):
    inbox = Inbox()
    with smtp_server(inbox) as port:
        app = _committed_app(committed_database(kind), tmp_path, port)
        with app.app_context():
            for number in range(30):
                queue_email(db.session, f"m{number}@example.org", "Subject", "Body")
            db.session.commit()
        start = threading.Barrier(3)

        def deliverer() -> None:
            with app.app_context():
                start.wait()
                deliver_pending(db.session)

        threads = [threading.Thread(target=deliverer) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            unsent = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
        app.extensions["database"].engine.dispose()
    recipients = sorted(recipient for e in inbox.received for recipient in e.rcpt_tos)
    assert recipients == sorted(f"m{number}@example.org" for number in range(30))
    assert unsent == 0


@pytest.mark.parametrize("kind", DATABASES)
def test_a_slow_mail_server_does_not_hold_up_writes(committed_database, kind, tmp_path):
    gate = threading.Event()
    inbox = Inbox(gate)
    with smtp_server(inbox) as port:
        app = _committed_app(committed_database(kind), tmp_path, port)
        with app.app_context():
            message = queue_email(db.session, "slow@example.org", "Subject", "Body")
            db.session.commit()

        def deliverer() -> None:
            with app.app_context():
                deliver_pending(db.session, [message.id])

        thread = threading.Thread(target=deliverer)
        thread.start()
        try:
            assert inbox.waiting.wait(10)  # the mail server holds the message
            # A write to the same row and one elsewhere go through meanwhile (waiting for
            # the deliverer would raise: the writers' queue, or this lock timeout).
            with app.app_context(), write_transaction(db.session):
                if kind == "postgresql":
                    db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
                db.session.get(OutboxMessage, message.id).last_error = "looked at"
                queue_email(db.session, "other@example.org", "Subject", "Body")
        finally:
            gate.set()
            thread.join()
        app.extensions["database"].engine.dispose()
    assert [e.rcpt_tos for e in inbox.received] == [["slow@example.org"]]


def test_behind_gunicorn_a_promotion_mail_leaves_once_the_answer_has_gone(
    committed_database, tmp_path
):
    """The production server closes each response after sending it: that is when the request
    hands the mail it queued (here, to the person a cancellation promotes) to the worker,
    which sends it."""
    url = committed_database("sqlite")
    workshop_id, (first, second) = seed_workshop_and_visitors(url, 2, seats=1)
    inbox = Inbox()
    with smtp_server(inbox) as smtp_port:
        settings = {"PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(smtp_port)}
        settings["PORTAL_SMTP_STARTTLS"] = "false"
        settings["PORTAL_QUEUE_URL"] = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
        with (
            gunicorn(url, threads=1, settings=settings) as port,  # a sync worker
            portal_worker(url, settings["PORTAL_QUEUE_URL"], tmp_path / "worker.log", settings),
        ):
            for visitor, action in ((first, "book"), (second, "book"), (first, "cancel")):
                path = f"/workshops/{workshop_id}/{action}"
                answer = "confirmed=1"  # cancelling asks first
                assert request(port, "POST", path, visitor.headers(), answer)[0] == 200
            for _ in range(300):  # the worker sends it after the answer: give it a moment
                if len(inbox.received) == 2:  # the first's booking, then the promotion
                    break
                time.sleep(0.05)
    [envelope] = [e for e in inbox.received if e.rcpt_tos == ["load1@example.org"]]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"].startswith(
        "Une place s'est libérée\xa0: vous êtes inscrit·e à Load test"
    )
