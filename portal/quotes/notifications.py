"""What the quotes module tells entrepreneurs and the support team; its emails are in
templates/emails/quotes/."""

from sqlalchemy.orm import Session

from portal.links import portal_path
from portal.members.models import Member
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify, notify_staff
from portal.quotes.models import Quote


def _link(quote: Quote) -> str:
    return portal_path("quotes.show", quote_id=quote.id)


def quote_submitted(session: Session, quote: Quote) -> None:
    """A new item in the support team's validation queue."""
    notify_staff(
        session,
        Kind.QUOTE_SUBMITTED,
        _link(quote),
        member=quote.member.full_name,
        customer=quote.customer.name,
        amount_cents=quote.total_incl_vat_cents,
    )


def quote_validated(session: Session, quote: Quote, by: Member) -> None:
    """Unless its author validated it (a trusted entrepreneur): they know."""
    if by.id == quote.member_id:
        return
    notify(
        session,
        quote.member,
        Kind.QUOTE_VALIDATED,
        _link(quote),
        number=quote.number,
        customer=quote.customer.name,
    )


def quote_returned(session: Session, quote: Quote) -> None:
    notify(
        session,
        quote.member,
        Kind.QUOTE_RETURNED,
        _link(quote),
        customer=quote.customer.name,
        comment=quote.return_comment,
    )


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
