"""Quotes mailed to the customer from the portal, as invoices are (portal/sales/sending.py):
from the coop with the entrepreneur as Reply-To, the quote's PDF attached, the message
pre-filled in the customer's language with the secret link to accept or refuse it online."""

from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.i18n import gettext as _
from portal.links import public_url
from portal.members.models import Member
from portal.outbox.services import Attachment
from portal.quotes.documents import pdf_filename, quote_pdf
from portal.quotes.models import Quote
from portal.quotes.services import mark_quote_sent
from portal.sales.sending import (
    LOCALES,
    CustomerMail,
    locale_for,
    mail_to_customer,
)


def answer_link(quote: Quote) -> str | None:
    """The customer's secret link, absolute at the portal's public address."""
    if quote.access_token is None:
        return None
    return public_url("quotes.answer", quote_id=quote.id, token=quote.access_token)


def drafted_quote_mail(quote: Quote, locale: str) -> CustomerMail:
    """The subject and message the send form starts from, in `locale`
    (templates/emails/quotes/quote_message.txt)."""
    locale = locale if locale in LOCALES else locale_for(quote.customer)
    with force_locale(locale):
        subject = f"{_('Quote %(number)s', number=quote.number)} – {quote.member.full_name}"
        template = current_app.jinja_env.get_template("emails/quotes/quote_message.txt")
        message = template.render(quote=quote, link=answer_link(quote), locale=locale).strip()
    return CustomerMail(subject=subject, message=message, locale=locale)


def send_quote_to_customer(
    session: Session, quote: Quote, by: Member, mail: CustomerMail, now: datetime
) -> Quote:
    """Mail a validated quote to its customer with its PDF; it becomes sent (again, with
    the latest date, if it already was). Without the customer's email address, nothing."""
    mail_to_customer(
        session,
        quote,
        mail,
        lambda: Attachment(pdf_filename(quote), "application/pdf", quote_pdf(session, quote)),
        # Its row only: the page loaded its activity through an outer join, which
        # PostgreSQL cannot lock.
        lock={"of": Quote},
    )
    return mark_quote_sent(session, quote, now)
