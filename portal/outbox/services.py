"""Email through an outbox: written with the change that caused it, delivered after commit."""

import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.db import insert_rows, utcnow
from portal.outbox.models import OutboxAttachment, OutboxMessage
from portal.transaction import write_transaction

log = logging.getLogger("portal.mail")
MAX_ATTEMPTS = 5
# A claim this old belongs to a deliverer that died mid-send: the message is free again.
CLAIM_LAPSES_AFTER = timedelta(minutes=10)
SMTP_TIMEOUT_S = 10
# In `session.info`: the ids of the messages the current transaction queued, for the request
# to deliver once it has committed and answered (`queued_mail`).
MAIL_QUEUED = "portal_mail_queued"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def render_email(template: str, locale: str, subject, **context) -> Email:
    """`templates/emails/<template>.txt` and `.html`, and `subject` (a lazy string, say),
    in `locale`: the reader's language, not the request's, for words, dates and amounts.

    Rendered by Jinja alone, without Flask's context processors, which read the request:
    a command renders mail too. Links come in `context`, absolute (portal.links)."""
    environment = current_app.jinja_env
    with force_locale(locale):
        context.update(subject=str(subject), locale=locale)
        return Email(
            subject=context["subject"],
            text=environment.get_template(f"emails/{template}.txt").render(context),
            html=environment.get_template(f"emails/{template}.html").render(context),
        )


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    content: bytes


def queue_email(
    session: Session,
    recipient: str,
    subject: str,
    body: str,
    html: str | None = None,
    *,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """Write a message to send once the transaction commits: text, and an HTML alternative
    when given (see `render_email`); answers go to `reply_to` when given; `attachments` are
    stored with it, so every retry sends the same files."""
    message = OutboxMessage(
        recipient=recipient,
        subject=str(subject),
        body=str(body),
        html=html,
        reply_to=reply_to or None,
        attachments=[
            OutboxAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                content=attachment.content,
            )
            for attachment in attachments
        ],
    )
    session.add(message)
    session.flush()
    session.info.setdefault(MAIL_QUEUED, []).append(message.id)
    return message


def queued_mail(session: Session) -> list[int]:
    """Ids of the messages the session's transaction queued, which it then forgets: for its
    caller to deliver once the transaction has committed."""
    return session.info.pop(MAIL_QUEUED, [])


# What writes a message when it is delivered (see `queue_composed_emails`), by name: a
# function of the session and the message's key giving its recipient's email, or None when
# what it would tell is gone.
Composer = Callable[[Session, int], Email | None]
COMPOSERS: dict[str, Composer] = {}


def composer(name: str) -> Callable[[Composer], Composer]:
    """Register a module's composer (notifications register theirs): the outbox sits below
    the modules that write mail and knows them only by name."""

    def register(function: Composer) -> Composer:
        COMPOSERS[name] = function
        return function

    return register


def queue_composed_emails(
    session: Session, name: str, messages: list[tuple[str, int]]
) -> list[int]:
    """Queue messages that the composer `name` writes, each from the row of its key, when
    they are claimed for delivery (in the worker, after the response): the request that
    causes them writes their rows, by one statement, and renders nothing. Once written, a
    message's words are kept, so every retry sends the same. `messages`: (recipient, key)
    pairs; returns the messages' ids."""
    if not messages:
        return []
    rows = [
        {"recipient": recipient, "composer": name, "composer_key": key}
        for recipient, key in messages
    ]
    ids = insert_rows(session, OutboxMessage, rows)
    session.info.setdefault(MAIL_QUEUED, []).extend(ids)
    return ids


def _compose(session: Session, messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Write the claimed messages that wait for their words. One whose composer fails is set
    aside for a retry; one whose composer finds nothing left to tell (its notification went
    with its member) is deleted: no failure for the operator to look into, and no address
    kept for a message that will never be written. Returns the messages ready to send."""
    ready = []
    for message in messages:
        if message.body is not None:
            ready.append(message)
            continue
        try:
            email = COMPOSERS[message.composer](session, message.composer_key)
        except Exception as error:
            log.exception("writing mail %s to %s failed", message.id, message.recipient)
            message.last_error, message.claimed_at = str(error)[:500], None
            continue
        if email is None:
            session.delete(message)
            continue
        message.subject, message.body, message.html = email.subject, email.text, email.html
        ready.append(message)
    return ready


def claim_messages(
    session: Session, now: datetime, ids: list[int] | None = None, limit: int = 100
) -> list[OutboxMessage]:
    """Unsent messages to send now (only those in `ids` when given), each marked claimed and
    counted as an attempt. A message another deliverer claimed less than CLAIM_LAPSES_AFTER
    ago is left to it, and PostgreSQL skips rows a concurrent claim has locked (SQLite has
    one writer at a time): two deliverers never take the same message."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.attempts < MAX_ATTEMPTS,
            or_(
                OutboxMessage.claimed_at.is_(None),
                OutboxMessage.claimed_at < now - CLAIM_LAPSES_AFTER,
            ),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        # Loaded with the claim: the send happens with no transaction open.
        .options(selectinload(OutboxMessage.attachments))
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    messages = list(session.scalars(query))
    for message in messages:
        message.claimed_at = now
        message.attempts += 1
    session.flush()
    return messages


def deliver_pending(session: Session, ids: list[int] | None = None) -> int:
    """Send the messages in `ids`, or those waiting (retries included: the oldest 100 a run,
    the rest at the next), by SMTP when `SMTP_HOST` is set, else into the log. Returns how
    many were sent.

    Runs outside any request's transaction (after the response, or from the CLI) and
    commits its own short transactions: claim, then send with no transaction open (a slow
    mail server must not hold SQLite's write lock or PostgreSQL's row locks), then record
    each outcome. A failure is recorded and the claim released, for a later run to retry
    (up to MAX_ATTEMPTS)."""
    with write_transaction(session):
        messages = _compose(session, claim_messages(session, utcnow(), ids))
    sent = 0
    for message in messages:
        try:
            _send(message)
        except Exception as error:
            # The network, a refusal, a malformed address: one message's failure must not
            # stop the others; it is kept for a retry.
            log.warning("mail to %s failed: %s", message.recipient, error)
            outcome = {"last_error": str(error)[:500], "claimed_at": None}
        else:
            outcome = {"sent_at": utcnow()}
            sent += 1
        with write_transaction(session):
            for name, value in outcome.items():
                setattr(message, name, value)
    return sent


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    if not config["SMTP_HOST"]:
        # Without a mail server (development, the demo), the mail is printed where the
        # console shows it: a warning, above logging's default threshold, so that a reset
        # link can be followed.
        log.warning(
            "no PORTAL_SMTP_HOST, mail not sent; to %s: %s\n%s",
            message.recipient,
            message.subject,
            message.body,
        )
        return
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email.set_content(message.body)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        email.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=SMTP_TIMEOUT_S) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
        smtp.send_message(email)


def outbox_counts(session: Session) -> dict[str, int]:
    """What waits in the outbox, for the operator's metrics: mail to send (new or to retry),
    among it mail whose last attempt failed, and mail given up after MAX_ATTEMPTS."""
    unsent = OutboxMessage.sent_at.is_(None)
    live = OutboxMessage.attempts < MAX_ATTEMPTS
    query = select(
        func.count().filter(unsent, live),
        func.count().filter(unsent, live, OutboxMessage.last_error.is_not(None)),
        func.count().filter(unsent, ~live),
    )
    waiting, retrying, failed = session.execute(query).one()
    return {"waiting": waiting, "retrying": retrying, "failed": failed}
