"""What the quotes module tells entrepreneurs and the support team; its emails are in
templates/emails/quotes/."""

from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.members.models import Member
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import (
    document_returned,
    document_submitted,
    document_validated,
    notify,
)
from portal.quotes.models import Quote


def _link(quote: Quote) -> str:
    return portal_path("quotes.show", quote_id=quote.id)


def quote_submitted(session: Session, quote: Quote) -> None:
    document_submitted(session, Kind.QUOTE_SUBMITTED, _link(quote), quote)


def quote_validated(session: Session, quote: Quote, by: Member) -> None:
    document_validated(session, Kind.QUOTE_VALIDATED, _link(quote), quote, by)


def quote_returned(session: Session, quote: Quote) -> None:
    document_returned(session, Kind.QUOTE_RETURNED, _link(quote), quote)


def quote_accepted(session: Session, quote: Quote) -> None:
    notify(
        session,
        quote.member,
        Kind.QUOTE_ACCEPTED,
        _link(quote),
        number=quote.number,
        customer=quote.customer.name,
        signed_by=quote.signed_by,
        amount_cents=quote.total_incl_vat_cents,
    )


def quote_refused(session: Session, quote: Quote) -> None:
    notify(
        session,
        quote.member,
        Kind.QUOTE_REFUSED,
        _link(quote),
        number=quote.number,
        customer=quote.customer.name,
        reason=quote.refusal_reason,
    )
