"""An issued invoice goes to its customer by email from the portal: a form pre-filled in the
customer's language, asked before it goes, from the coop with the entrepreneur as Reply-To,
the Factur-X PDF attached, through the outbox; recorded on the invoice's history, and a
validated invoice becomes sent. Without the customer's email, nothing happens."""

from datetime import date
from html import unescape

import pytest
from facturx import get_xml_from_pdf
from sqlalchemy import func, select

from portal.db import utcnow
from portal.outbox.models import OutboxAttachment, OutboxMessage
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import InvoiceEvent, InvoiceEventKind, InvoiceStatus
from portal.sales.services import create_credit_note, submit_invoice, validate_invoice
from tests.helpers import login


@pytest.fixture
def mailed_customer(db_session, entrepreneur):
    customer = create_customer(
        db_session,
        entrepreneur,
        CustomerInput(
            name="Atelier Dupont SARL",
            address="5 quai Saint-Vincent",
            postcode="69001",
            city="Lyon",
            email="compta@dupont.example",
            siren="542107651",
        ),
    )
    db_session.commit()
    return customer


def issue(db_session, invoice, staff, on=date(2026, 11, 26)):
    submit_invoice(db_session, invoice, utcnow())
    validate_invoice(db_session, invoice, staff, on, utcnow())
    db_session.commit()
    return invoice


@pytest.fixture
def invoice_to_send(db_session, make_invoice, mailed_customer, staff, coop):
    return issue(db_session, make_invoice(for_customer=mailed_customer), staff)


def outbox(db_session) -> list[OutboxMessage]:
    """Mail to customers (members' own notifications have no Reply-To)."""
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.reply_to.is_not(None))
            .order_by(OutboxMessage.id)
        )
    )


def events(db_session, invoice) -> list[InvoiceEvent]:
    db_session.expire_all()
    return list(
        db_session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice.id))
    )


def send(client, invoice, **fields):
    data = {
        "subject": "Facture",
        "message": "Bonjour,\n\nVoici la facture.",
        "locale": "fr",
        "confirmed": "1",
    }
    return client.post(f"/invoices/{invoice.id}/send", data={**data, **fields})


def test_the_form_is_pre_filled_in_the_customers_language(client, entrepreneur, invoice_to_send):
    login(client, entrepreneur.email)
    page = unescape(client.get(f"/invoices/{invoice_to_send.id}/send").text)
    number = invoice_to_send.number
    assert f'value="Facture {number} – Camille' in page
    assert f"Veuillez trouver ci-joint notre facture {number} de 1\u202f200,00\xa0€ TTC" in page
    assert "compta@dupont.example" in page and entrepreneur.email in page
    english = unescape(client.get(f"/invoices/{invoice_to_send.id}/send?lang=en").text)
    assert f'value="Invoice {number} – Camille' in english
    assert f"Please find attached our invoice {number} of €1,200.00 incl. VAT" in english


def test_sending_asks_first_and_changes_nothing_until_confirmed(
    client, db_session, entrepreneur, invoice_to_send
):
    login(client, entrepreneur.email)
    response = send(client, invoice_to_send, confirmed="")
    assert "Envoyer cet e-mail au client\u202f?" in unescape(response.text)
    assert outbox(db_session) == [] and events(db_session, invoice_to_send) == []
    db_session.refresh(invoice_to_send)
    assert invoice_to_send.status is InvoiceStatus.VALIDATED


def test_sent_from_the_coop_answering_to_the_entrepreneur_with_the_facturx_pdf(
    client, db_session, entrepreneur, invoice_to_send
):
    login(client, entrepreneur.email)
    response = send(client, invoice_to_send, subject="Votre facture", message="Bonjour,\n\nMerci.")
    assert response.status_code == 303
    [message] = outbox(db_session)
    assert message.recipient == "compta@dupont.example"
    assert message.reply_to == entrepreneur.email
    assert message.subject == "Votre facture"
    assert message.body.startswith("Bonjour,\n\nMerci.")
    assert "Envoyé par Coopérative Test de la part de Camille" in message.body
    [attachment] = message.attachments
    assert attachment.filename == f"{invoice_to_send.number}.pdf"
    assert attachment.content_type == "application/pdf"
    _name, xml = get_xml_from_pdf(attachment.content, check_xsd=True)
    assert invoice_to_send.number.encode() in xml
    db_session.refresh(invoice_to_send)
    assert invoice_to_send.status is InvoiceStatus.SENT and invoice_to_send.sent_at
    [event] = events(db_session, invoice_to_send)
    assert event.kind is InvoiceEventKind.SENT and event.actor_id == entrepreneur.id
    assert event.recipient == "compta@dupont.example"
    page = unescape(client.get(f"/invoices/{invoice_to_send.id}").text)
    assert "Historique" in page and "Envoyée au client · compta@dupont.example" in page


def test_a_sent_invoice_may_be_sent_again_and_stays_sent(
    client, db_session, entrepreneur, invoice_to_send
):
    login(client, entrepreneur.email)
    send(client, invoice_to_send)
    send(client, invoice_to_send)
    assert len(outbox(db_session)) == 2 and len(events(db_session, invoice_to_send)) == 2
    db_session.refresh(invoice_to_send)
    assert invoice_to_send.status is InvoiceStatus.SENT


def test_a_credit_note_is_sent_with_its_own_pdf(
    client, db_session, entrepreneur, staff, invoice_to_send
):
    note = issue(
        db_session, create_credit_note(db_session, invoice_to_send, date(2026, 11, 27)), staff
    )
    login(client, entrepreneur.email)
    page = unescape(client.get(f"/invoices/{note.id}/send").text)
    assert f"notre avoir {note.number}" in page
    send(client, note)
    [message] = outbox(db_session)
    assert message.attachments[0].filename == f"{note.number}.pdf"


def test_a_customer_without_email_gets_nothing_and_is_told(
    client, db_session, entrepreneur, issued_invoice
):
    """The fixture's customer has no email address."""
    login(client, entrepreneur.email)
    message = "Ajoutez l'adresse e-mail du client avant de lui envoyer la facture."
    page = unescape(client.get(f"/invoices/{issued_invoice.id}/send").text)
    assert message in page and 'name="subject"' not in page
    for confirmed in ("", "1"):  # said at once, not after a question
        response = send(client, issued_invoice, confirmed=confirmed)
        assert message in unescape(response.text) and "confirm-title" not in response.text
    assert outbox(db_session) == [] and events(db_session, issued_invoice) == []
    db_session.refresh(issued_invoice)
    assert issued_invoice.status is InvoiceStatus.VALIDATED and issued_invoice.sent_at is None


def test_a_draft_is_not_sent(client, db_session, entrepreneur, make_invoice, mailed_customer):
    draft = make_invoice(for_customer=mailed_customer)
    login(client, entrepreneur.email)
    response = send(client, draft)
    assert "Seule une facture validée peut être envoyée au client." in unescape(response.text)
    assert outbox(db_session) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"subject": "  "}, "Ce champ est requis."),
        ({"message": ""}, "Ce champ est requis."),
        ({"subject": "x" * 201}, "200"),
        ({"message": "x" * 5001}, "5000"),
    ],
)
def test_a_bad_subject_or_message_is_said_and_nothing_sent(
    client, db_session, entrepreneur, invoice_to_send, fields, error
):
    login(client, entrepreneur.email)
    response = send(client, invoice_to_send, **fields)
    assert response.status_code == 200 and error in unescape(response.text)
    assert outbox(db_session) == []
    db_session.refresh(invoice_to_send)
    assert invoice_to_send.status is InvoiceStatus.VALIDATED


def test_another_members_invoice_is_not_found(client, db_session, make_member, invoice_to_send):
    login(client, make_member(email="autre@example.org").email)
    assert client.get(f"/invoices/{invoice_to_send.id}/send").status_code == 404
    assert send(client, invoice_to_send).status_code == 404
    assert outbox(db_session) == []


def test_staff_do_not_send_in_the_entrepreneurs_name(client, db_session, staff, invoice_to_send):
    login(client, staff.email)
    assert send(client, invoice_to_send).status_code == 404
    assert db_session.scalar(select(func.count()).select_from(OutboxAttachment)) == 0
