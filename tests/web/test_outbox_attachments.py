"""Mail with a Reply-To and attached files (an invoice to its customer): both are stored
with the message in the outbox, so a failed delivery is retried with the same files, and
they reach the mail server as a Reply-To header and MIME attachments."""

from email import message_from_bytes, policy

from sqlalchemy import func, select

from portal.db import db
from portal.outbox.models import OutboxAttachment, OutboxMessage
from portal.outbox.services import Attachment, deliver_pending, queue_email
from tests.servers import free_port
from tests.web.test_outbox import Inbox, smtp_app, smtp_server  # noqa: F401 (fixture)

PDF = b"%PDF-1.7\n% an invoice\n%%EOF\n"


def queue_with_attachment():
    message = queue_email(
        db.session,
        "compta@dupont.example",
        "Facture F2026-00001",
        "Bonjour,\n\nVoici la facture.",
        "<p>Bonjour,</p>",
        reply_to="camille@example.org",
        attachments=[Attachment("F2026-00001.pdf", "application/pdf", PDF)],
    )
    db.session.commit()
    return message


def test_reply_to_and_attachment_reach_the_mail_server(smtp_app, db_session, app_context):  # noqa: F811
    message = queue_with_attachment()
    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        assert deliver_pending(db.session, [message.id]) == 1
    [envelope] = inbox.received
    assert envelope.rcpt_tos == ["compta@dupont.example"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Reply-To"] == "camille@example.org"
    assert mail["From"] == smtp_app.config["MAIL_FROM"]  # the coop's address, not hers
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "F2026-00001.pdf"
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_content() == PDF
    body = mail.get_body(("plain",)).get_content()
    assert "Voici la facture." in body


def test_a_failed_delivery_is_retried_with_the_same_attachment(smtp_app, db_session, app_context):  # noqa: F811
    message = queue_with_attachment()
    smtp_app.config["SMTP_PORT"] = free_port()  # nobody listens there
    assert deliver_pending(db.session, [message.id]) == 0
    assert message.sent_at is None and message.last_error and message.claimed_at is None
    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        assert deliver_pending(db.session) == 1
    [envelope] = inbox.received
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert [a.get_content() for a in mail.iter_attachments()] == [PDF]
    assert mail["Reply-To"] == "camille@example.org"
    assert message.attempts == 2


def test_a_message_without_reply_to_has_none(smtp_app, db_session, app_context):  # noqa: F811
    message = queue_email(db.session, "a@example.org", "Subject", "Body")
    db.session.commit()
    inbox = Inbox()
    with smtp_server(inbox) as port:
        smtp_app.config["SMTP_PORT"] = port
        deliver_pending(db.session, [message.id])
    mail = message_from_bytes(inbox.received[0].content, policy=policy.default)
    assert mail["Reply-To"] is None and list(mail.iter_attachments()) == []


def test_a_rolled_back_transaction_leaves_no_attachment(db_session, app_context):
    queue_email(
        db.session,
        "a@example.org",
        "Subject",
        "Body",
        attachments=[Attachment("x.pdf", "application/pdf", PDF)],
    )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxAttachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
