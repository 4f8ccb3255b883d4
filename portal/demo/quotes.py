"""Camille's quotes: one accepted on its link (signed work on her home page), one sent and
awaiting its answer, one awaiting validation, and a draft."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.members.services import member_by_email
from portal.quotes import services as quotes
from portal.quotes.models import Quote
from portal.sales.models import Customer
from portal.sales.totals import LineInput

# (days ago, customer's index, description, quantity, unit, price excl. VAT, what became of it)
DEMO_QUOTES = (
    (20, 0, "Traduction d'un catalogue (40 pages)", "40", "LS", "85", "accepted"),
    (6, 1, "Interprétariat, salon professionnel", "2", "DAY", "650", "sent"),
    (2, 2, "Cours d'anglais, session de printemps", "12", "HUR", "55", "submitted"),
    (0, 0, "Relecture de la traduction du site", "8", "HUR", "60", "draft"),
)


def seed_demo_quotes(session: Session) -> Iterator[str]:
    camille = member_by_email(session, "camille@demo.coop")
    staff = member_by_email(session, "equipe@demo.coop")
    if camille is None or staff is None:
        return
    if session.scalar(select(Quote.id).where(Quote.member_id == camille.id)) is not None:
        return
    customers = list(
        session.scalars(
            select(Customer).where(Customer.member_id == camille.id).order_by(Customer.id)
        )
    )
    if len(customers) < 3:
        return
    today = paris_today()
    for days, customer, text, quantity, unit, price, fate in DEMO_QUOTES:
        day = today - timedelta(days=days)
        moment = datetime.combine(day, time(10), tzinfo=UTC)
        quote, _created = quotes.create_quote(
            session,
            camille,
            quotes.QuoteInput(
                customer=customers[customer],
                issue_date=day,
                valid_until=None,
                lines=[LineInput(text, Decimal(quantity), Decimal(price), Decimal(20), unit)],
                activity_id=camille.activities[0].id if camille.activities else None,
                payment_terms="Acompte de 30 % à la commande, le solde à la livraison",
            ),
        )
        if fate == "draft":
            continue
        quotes.submit_quote(session, quote, moment)
        if fate == "submitted":
            continue
        quotes.validate_quote(session, quote, staff, day, moment)
        quotes.mark_quote_sent(session, quote, moment + timedelta(hours=1))
        if fate == "accepted":
            quotes.accept_quote(
                session, quote, "Claire Martin", True, "203.0.113.7", day + timedelta(days=2),
                moment + timedelta(days=2),
            )  # fmt: skip
    session.flush()
    yield f"Quotes: {len(DEMO_QUOTES)} for camille@demo.coop, one accepted"
