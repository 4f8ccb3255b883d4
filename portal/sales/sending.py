"""Issued invoices mailed to the customer, and reminders of overdue ones.

Mail to a customer leaves from the coop's address (the seller) with the entrepreneur as
Reply-To, the Factur-X PDF attached, through the outbox in the caller's transaction; each
sending is recorded on the invoice's history (`InvoiceEvent`). A reminder is polite the
first time, firm afterwards: the late-payment penalties, and for a business customer the
40 € recovery indemnity (Code de commerce L441-10, D441-5). The coop may have reminders go
by themselves some days after the due date (`CoopSettings.reminder_days`): each step of
that schedule goes once per invoice, whoever runs it and however often."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.coop.services import get_coop_settings, reminder_schedule
from portal.errors import DomainError, refuse
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.members.models import Member
from portal.outbox.services import Attachment, Email, queue_email, render_email
from portal.sales import notifications
from portal.sales.documents import pdf_filename, render_pdf
from portal.sales.models import (
    Customer,
    Invoice,
    InvoiceEvent,
    InvoiceEventKind,
    InvoiceKind,
    InvoiceStatus,
    ReminderLevel,
)
from portal.sales.parties import document_parties
from portal.sync.services import record_change
from portal.transaction import write_transaction

# Customers in these countries read French; the others get English.
FRENCH_SPEAKING = frozenset({"FR", "BE", "CH", "LU", "MC"})
LOCALES = ("fr", "en")
MAX_SUBJECT = 200
MAX_MESSAGE = 5000
RECOVERY_INDEMNITY_EUROS = 40


def locale_for(customer: Customer) -> str:
    return "fr" if customer.country_code in FRENCH_SPEAKING else "en"


def customer_locale(invoice: Invoice) -> str:
    return locale_for(invoice.customer)


@dataclass(frozen=True)
class CustomerMail:
    """What the entrepreneur sends: the subject and message they may edit first."""

    subject: str
    message: str
    locale: str


def drafted_mail(invoice: Invoice, locale: str) -> CustomerMail:
    """The subject and message the send form starts from, in `locale`
    (templates/emails/sales/invoice_message.txt)."""
    locale = locale if locale in LOCALES else customer_locale(invoice)
    with force_locale(locale):
        if invoice.is_credit_note:
            subject = _("Credit note %(number)s", number=invoice.number)
        else:
            subject = _("Invoice %(number)s", number=invoice.number)
        subject = f"{subject} – {invoice.member.full_name}"
        template = current_app.jinja_env.get_template("emails/sales/invoice_message.txt")
        message = template.render(invoice=invoice, locale=locale).strip()
    return CustomerMail(subject=subject[:MAX_SUBJECT], message=message, locale=locale)


def checked_mail(mail: CustomerMail) -> tuple[str, str]:
    """The subject on one line and the message, both given and not too long."""
    subject, message = " ".join(mail.subject.split()), mail.message.strip()
    if not subject:
        raise DomainError(_l("Give the email a subject."), field="subject")
    if len(subject) > MAX_SUBJECT:
        raise DomainError(_l("The subject has 200 characters at most."), field="subject")
    if not message:
        raise DomainError(_l("Write the message to the customer."), field="message")
    if len(message) > MAX_MESSAGE:
        raise DomainError(_l("The message has 5,000 characters at most."), field="message")
    return subject, message


def _pdf(session: Session, invoice: Invoice) -> Attachment:
    seller, buyer = document_parties(invoice, get_coop_settings(session))
    return Attachment(pdf_filename(invoice), "application/pdf", render_pdf(invoice, seller, buyer))


def _queue_to_customer(session: Session, document, email: Email, attachment: Attachment) -> None:
    """The mail to the document's customer, answers to the entrepreneur."""
    queue_email(
        session,
        document.customer.email,
        email.subject,
        email.text,
        email.html,
        reply_to=document.member.email,
        attachments=[attachment],
    )


def mail_to_customer(
    session: Session,
    document,
    mail: CustomerMail,
    attachment: Callable[[], Attachment],
    lock: bool | dict = True,
) -> None:
    """Queue the entrepreneur's mail about an issued document (an invoice, a quote) to its
    customer: from the coop, answers to the entrepreneur, `attachment()` attached. `lock`
    is how the document's row is locked (`with_for_update`)."""
    refuse(document.refusal_to_mail())
    subject, message = checked_mail(mail)
    # An issued document never changes: its PDF is rendered before the row is locked.
    attached = attachment()
    session.refresh(document, with_for_update=lock)
    refuse(document.refusal_to_mail())
    email = render_email(
        "sales/to_customer",
        mail.locale if mail.locale in LOCALES else locale_for(document.customer),
        subject,
        message=message,
        coop=document.seller["name"],
        entrepreneur=document.member.full_name,
        reply_to=document.member.email,
    )
    _queue_to_customer(session, document, email, attached)


def send_to_customer(
    session: Session, invoice: Invoice, by: Member, mail: CustomerMail, now: datetime
) -> InvoiceEvent:
    """Mail an issued invoice (or credit note) to its customer with its Factur-X PDF: from
    the coop, answers to the entrepreneur. A validated invoice becomes sent; one already
    sent may be sent again. Without the customer's email address, nothing happens."""
    mail_to_customer(session, invoice, mail, lambda: _pdf(session, invoice))
    event = InvoiceEvent(
        invoice=invoice,
        kind=InvoiceEventKind.SENT,
        at=now,
        actor_id=by.id,
        recipient=invoice.customer.email,
    )
    session.add(event)
    if invoice.status is InvoiceStatus.VALIDATED:
        invoice.status = InvoiceStatus.SENT
        invoice.sent_at = now
    session.flush()
    record_change(session, "invoice", invoice.id)
    return event


# --- Reminders ---------------------------------------------------------------------------


def _reminders_so_far(session: Session, invoice_id: int) -> tuple[int, int | None]:
    """How many reminders went, and the last automatic step sent (None: none)."""
    count, last_step = session.execute(
        select(func.count(InvoiceEvent.id), func.max(InvoiceEvent.automatic_step)).where(
            InvoiceEvent.invoice_id == invoice_id,
            InvoiceEvent.kind == InvoiceEventKind.REMINDED,
        )
    ).one()
    return count, last_step


def remind(
    session: Session,
    invoice: Invoice,
    by: Member | None,
    today: date,
    now: datetime,
    automatic_step: int | None = None,
) -> InvoiceEvent:
    """Mail the customer a reminder of an overdue invoice, its PDF attached: polite the first
    time, firm afterwards. `by` is None for an automatic reminder (`automatic_step`: its rank
    in the coop's schedule), which the entrepreneur is told of. A paid, credited or not yet
    overdue invoice is not reminded."""
    refuse(invoice.refusal_to_remind(today))
    attachment = _pdf(session, invoice)  # before the lock, as for sending
    session.refresh(invoice, with_for_update=True)
    refuse(invoice.refusal_to_remind(today))
    count, _last_step = _reminders_so_far(session, invoice.id)
    level = ReminderLevel.POLITE if count == 0 else ReminderLevel.FIRM
    locale = customer_locale(invoice)
    with force_locale(locale):
        if level is ReminderLevel.POLITE:
            subject = _("Reminder: invoice %(number)s", number=invoice.number)
        else:
            subject = _("Second reminder: invoice %(number)s is overdue", number=invoice.number)
    email = render_email(
        "sales/payment_reminder",
        locale,
        subject,
        invoice=invoice,
        firm=level is ReminderLevel.FIRM,
        business=invoice.buyer.get("kind") == "company",
        penalty_terms=invoice.seller["late_penalty_terms"],
        indemnity=RECOVERY_INDEMNITY_EUROS,
        days_late=(today - invoice.due_date).days,
        coop=invoice.seller["name"],
        entrepreneur=invoice.member.full_name,
        reply_to=invoice.member.email,
    )
    _queue_to_customer(session, invoice, email, attachment)
    event = InvoiceEvent(
        invoice=invoice,
        kind=InvoiceEventKind.REMINDED,
        at=now,
        actor_id=by.id if by else None,
        recipient=invoice.customer.email,
        reminder_level=int(level),
        automatic_step=automatic_step,
    )
    session.add(event)
    session.flush()
    if by is None:
        notifications.invoice_reminded(session, invoice, level)
    return event


def due_step(schedule: list[int], due_date: date, today: date) -> int | None:
    """The last step of the schedule reached `today` (its rank), None before the first."""
    late = (today - due_date).days
    reached = [rank for rank, days in enumerate(schedule) if late >= days]
    return reached[-1] if reached else None


def reminder_candidates(session: Session, today: date, first_day: int) -> list[int]:
    """Invoices still owed at least `first_day` days after their due date."""
    return list(
        session.scalars(
            select(Invoice.id)
            .where(
                Invoice.kind == InvoiceKind.INVOICE,
                Invoice.status.in_(
                    [InvoiceStatus.VALIDATED, InvoiceStatus.SENT, InvoiceStatus.PARTLY_PAID]
                ),
                Invoice.due_date <= date.fromordinal(today.toordinal() - first_day),
            )
            .order_by(Invoice.id)
        )
    )


def send_due_reminder(
    session: Session, invoice_id: int, schedule: list[int], today: date, now: datetime
) -> bool:
    """The automatic reminder an invoice is due today, unless its step (or a later one)
    already went, or it cannot be reminded (paid meanwhile, no email address). The invoice's
    row is locked first: a second run waits, then finds the step sent."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        return False
    session.refresh(invoice, with_for_update=True)
    step = due_step(schedule, invoice.due_date, today)
    _count, last_step = _reminders_so_far(session, invoice.id)
    if step is None or (last_step is not None and last_step >= step):
        return False
    if invoice.refusal_to_remind(today) is not None:
        return False
    remind(session, invoice, None, today, now, automatic_step=step)
    return True


def send_automatic_reminders(session: Session, today: date, now: datetime) -> int:
    """Every automatic reminder due today, each in its own short transaction (rendering a
    PDF must not hold SQLite's write lock for the whole list). Commits, like the outbox's
    delivery: run by `portal send-reminders` and the worker, outside any request. Idempotent:
    run again, or twice at once, it sends nothing more. Returns how many went."""
    schedule = reminder_schedule(get_coop_settings(session).reminder_days)
    candidates = reminder_candidates(session, today, schedule[0]) if schedule else []
    session.commit()  # the reading ends: each reminder is a write transaction of its own
    sent = 0
    for invoice_id in candidates:
        try:
            with write_transaction(session):
                sent += send_due_reminder(session, invoice_id, schedule, today, now)
        except IntegrityError:
            # Another run recorded this step between our check and our insert (the unique
            # index on the step stopped the twin): rolled back, nothing sent twice.
            continue
    return sent
