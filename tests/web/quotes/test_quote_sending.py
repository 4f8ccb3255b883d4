"""A validated quote goes to its customer by email from the portal, as invoices do: a form
pre-filled in the customer's language with the link to answer online, asked before it goes,
from the coop with the entrepreneur as Reply-To, the quote's PDF attached; the quote becomes
sent. Without the customer's email address, or before validation: a message, nothing sent."""

from html import unescape

import pytest
from sqlalchemy import select

from portal.outbox.models import OutboxMessage
from portal.quotes.models import QuoteStatus
from tests.helpers import login


@pytest.fixture
def mailed_quote(db_session, issued_quote):
    issued_quote.customer.email = "compta@client.example"
    db_session.commit()
    return issued_quote


def to_customers(db_session) -> list[OutboxMessage]:
    db_session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.reply_to.is_not(None))
    return list(db_session.scalars(query))


def send(client, quote, **fields):
    data = {"locale": "fr", "subject": "Devis", "message": "Bonjour", "confirmed": "1"}
    return client.post(f"/quotes/{quote.id}/send", data={**data, **fields})


def test_the_form_offers_the_link_to_answer_online(client, entrepreneur, mailed_quote):
    login(client, entrepreneur.email)
    page = unescape(client.get(f"/quotes/{mailed_quote.id}/send").text)
    assert f"Veuillez trouver ci-joint notre devis {mailed_quote.number}" in page
    assert f"/q/{mailed_quote.id}/{mailed_quote.access_token}" in page


def test_a_quote_is_sent_with_its_pdf_and_becomes_sent(
    client, db_session, entrepreneur, mailed_quote
):
    login(client, entrepreneur.email)
    asked = unescape(send(client, mailed_quote, confirmed="").text)
    assert "Envoyer cet e-mail au client\u202f?" in asked and to_customers(db_session) == []
    assert send(client, mailed_quote).status_code == 303
    [message] = to_customers(db_session)
    assert message.recipient == "compta@client.example"
    assert message.reply_to == entrepreneur.email
    assert [a.filename for a in message.attachments] == [f"{mailed_quote.number}.pdf"]
    assert message.attachments[0].content.startswith(b"%PDF")
    db_session.refresh(mailed_quote)
    assert mailed_quote.status is QuoteStatus.SENT and mailed_quote.sent_at


def test_no_email_or_no_validation_sends_nothing(
    client, db_session, entrepreneur, issued_quote, make_quote
):
    login(client, entrepreneur.email)
    page = unescape(send(client, issued_quote).text)
    assert "Ajoutez l'adresse e-mail du client avant de lui envoyer le devis." in page
    draft = make_quote()
    draft.customer.email = "compta@client.example"
    db_session.commit()
    page = unescape(send(client, draft).text)
    assert "Seul un devis validé" in page or "Only a validated quote" in page
    assert to_customers(db_session) == []
    db_session.refresh(issued_quote)
    assert issued_quote.status is QuoteStatus.VALIDATED


def test_another_members_quote_is_not_found(client, db_session, make_member, mailed_quote):
    login(client, make_member(email="autre@example.org").email)
    assert client.get(f"/quotes/{mailed_quote.id}/send").status_code == 404
    assert send(client, mailed_quote).status_code == 404
    assert to_customers(db_session) == []
