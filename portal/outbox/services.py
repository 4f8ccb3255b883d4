"""Email through an outbox: written with the change that caused it, delivered after commit."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import utcnow
from portal.outbox.models import OutboxMessage

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 5
# Set in `session.info` when mail is queued, so the request delivers it after its commit.
MAIL_QUEUED = "mail_queued"


def queue_email(session: Session, recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=str(subject), body=str(body))
    session.add(message)
    session.flush()
    session.info[MAIL_QUEUED] = True
    return message


def deliver_pending(session: Session) -> int:
    """Send what is waiting: by SMTP when `SMTP_HOST` is set, else into the log.

    Returns how many were sent. A failure is recorded on the message and retried next time,
    up to MAX_ATTEMPTS."""
    pending = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
    ).all()
    sent = 0
    for message in pending:
        message.attempts += 1
        try:
            _send(message)
        except (OSError, smtplib.SMTPException) as error:
            message.last_error = str(error)[:500]
            log.warning("mail to %s failed: %s", message.recipient, error)
        else:
            message.sent_at = utcnow()
            sent += 1
    return sent


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    if not config["SMTP_HOST"]:
        log.info("mail to %s: %s\n%s", message.recipient, message.subject, message.body)
        return
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)
