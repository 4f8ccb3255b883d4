"""Destructive or irreversible actions ask before they act, one way everywhere
(portal/web/confirm.py): posted without `confirmed`, each answers with a page asking its
question, which posts the same fields again with `confirmed=1`, and nothing changes; with
it, the action happens. The pages mark such forms `data-confirm` for the dialog of
static/js/confirm.js (tests/e2e/test_confirm_dialog.py drives it in Chromium)."""

import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.api.models import ApiClient
from portal.api.services import create_client
from portal.calendar import services as calendar
from portal.calendar.models import CalendarFeedToken
from portal.db import utcnow
from portal.expenses import services as expenses
from portal.expenses.models import Receipt, ReceiptStatus
from portal.outbox.models import OutboxMessage
from portal.quotes.models import Quote, QuoteStatus
from portal.quotes.services import submit_quote
from portal.sales import services as sales
from portal.sales.models import Invoice, InvoiceStatus, Payment, Refund
from portal.transfers.models import InternalTransfer, TransferStatus
from portal.web import confirm
from portal.workshops.models import Booking, BookingStatus, Workshop
from tests.helpers import login
from tests.web.quotes.conftest import make_quote  # noqa: F401 (fixture)
from tests.web.sales.conftest import customer, issued_invoice, make_invoice  # noqa: F401
from tests.web.test_expenses import make_receipt
from tests.web.test_workshops import make_workshop  # noqa: F401 (fixture)
from tests.web.transfers.conftest import (  # noqa: F401 (fixtures)
    accepted_transfer,
    contractor,
    make_transfer,
    validated_transfer,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def form_posting_to(page: str, action: str) -> str:
    """The opening tag of the form posting to `action`, and the CSRF field that follows."""
    match = re.search(
        rf'<form method="post" action="{re.escape(action)}"[^>]*>\s*'
        r'<input type="hidden" name="csrf_token" value="[^"]+">',
        page,
    )
    assert match, f"no form posting to {action} with a CSRF token"
    return unescape(match.group())


def asks(client, url: str, question: str, data: dict | None = None) -> str:
    """Post without confirming: the answer is the page asking `question`, whose form posts
    the same fields to the same URL with confirmed=1."""
    response = client.post(url, data=data or {})
    assert response.status_code == 200
    page = unescape(response.text)
    assert f'<h1 id="confirm-title">{question}</h1>' in page
    form = page[page.index(f'<form method="post" action="{url}"') :]
    form = form[: form.index("</form>")]
    for name, value in (data or {}).items():
        assert f'<input type="hidden" name="{name}" value="{value}">' in form
    assert '<input type="hidden" name="confirmed" value="1">' in form
    return page


@pytest.fixture
def receipt(app, db_session, entrepreneur):
    with app.app_context():
        return make_receipt(db_session, entrepreneur)


def count(db_session, model, *where) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


# --- each kind of action: nothing without the confirmation, done with it --------------------


def test_deleting_a_draft_invoice(logged_in, db_session, make_invoice):  # noqa: F811
    invoice = make_invoice()
    url = f"/invoices/{invoice.id}/delete"
    page = logged_in.get(f"/invoices/{invoice.id}").text
    assert 'data-confirm="Supprimer ce brouillon de facture\u202f?"' in form_posting_to(page, url)
    assert "data-confirm" not in form_posting_to(page, f"/invoices/{invoice.id}/submit")
    page = asks(logged_in, url, "Supprimer ce brouillon de facture\u202f?")
    assert "1\u202f200,00\xa0€ TTC" in page  # says which one
    assert f'href="/invoices/{invoice.id}">Annuler</a>' in page
    invoice_id = invoice.id
    assert count(db_session, Invoice, Invoice.id == invoice_id) == 1
    logged_in.post(url, data={"confirmed": "1"})
    assert count(db_session, Invoice, Invoice.id == invoice_id) == 0


def test_validating_an_invoice(client, db_session, make_invoice, staff, coop):  # noqa: F811
    invoice = make_invoice()
    sales.submit_invoice(db_session, invoice, utcnow())
    db_session.commit()
    login(client, staff.email)
    url = f"/invoices/{invoice.id}/validate"
    page = client.get(f"/invoices/{invoice.id}").text
    assert 'data-confirm="Valider et numéroter cette facture\u202f?"' in form_posting_to(page, url)
    asks(
        client, url, "Valider et numéroter cette facture\u202f?", {"next": "/staff/invoices/queue"}
    )
    db_session.refresh(invoice)
    assert invoice.status is InvoiceStatus.SUBMITTED and invoice.number is None
    client.post(url, data={"confirmed": "1"})
    db_session.refresh(invoice)
    assert invoice.status is InvoiceStatus.VALIDATED and invoice.number


def test_deleting_a_draft_quote(logged_in, db_session, make_quote):  # noqa: F811
    quote = make_quote()
    url = f"/quotes/{quote.id}/delete"
    page = logged_in.get(f"/quotes/{quote.id}").text
    assert 'data-confirm="Supprimer ce brouillon de devis\u202f?"' in form_posting_to(page, url)
    page = asks(logged_in, url, "Supprimer ce brouillon de devis\u202f?")
    assert "1\u202f200,00\xa0€ TTC" in page
    quote_id = quote.id
    assert count(db_session, Quote, Quote.id == quote_id) == 1
    logged_in.post(url, data={"confirmed": "1"})
    assert count(db_session, Quote, Quote.id == quote_id) == 0


def test_validating_a_quote(client, db_session, make_quote, staff, coop):  # noqa: F811
    quote = make_quote()
    submit_quote(db_session, quote, utcnow())
    db_session.commit()
    login(client, staff.email)
    url = f"/quotes/{quote.id}/validate"
    page = client.get(f"/quotes/{quote.id}").text
    assert 'data-confirm="Valider et numéroter ce devis\u202f?"' in form_posting_to(page, url)
    asks(client, url, "Valider et numéroter ce devis\u202f?", {"next": "/staff/quotes/queue"})
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.SUBMITTED and quote.number is None
    client.post(url, data={"confirmed": "1"})
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.VALIDATED and quote.number


def test_issuing_a_credit_note(client, db_session, issued_invoice, entrepreneur):  # noqa: F811
    login(client, entrepreneur.email)
    url = f"/invoices/{issued_invoice.id}/credit-note"
    question = "Émettre un avoir pour le reste de cette facture\u202f?"
    asks(client, url, question, {"form_token": "t1"})
    assert count(db_session, Invoice, Invoice.credited_invoice_id == issued_invoice.id) == 0
    client.post(url, data={"form_token": "t1", "confirmed": "1"})
    assert count(db_session, Invoice, Invoice.credited_invoice_id == issued_invoice.id) == 1


def test_recording_a_payment_or_a_refund(client, db_session, issued_invoice, staff):  # noqa: F811
    login(client, staff.email)
    url = f"/staff/invoices/{issued_invoice.id}/payments"
    payment = {"amount": "1305,49", "received_on": "2026-11-27", "method": "transfer"}
    page = asks(client, url, "Enregistrer ce paiement\u202f?", payment)
    assert "1\u202f305,49\xa0€ sur " + issued_invoice.number in page
    assert count(db_session, Payment) == 0
    client.post(url, data={**payment, "confirmed": "1"})
    assert count(db_session, Payment) == 1
    note = sales.create_credit_note(db_session, issued_invoice, date.today())
    sales.submit_invoice(db_session, note, utcnow())
    sales.validate_invoice(db_session, note, staff, date.today(), utcnow())
    db_session.commit()
    url = f"/staff/invoices/{note.id}/refunds"
    refund = {"amount": "100", "paid_on": date.today().isoformat(), "method": "transfer"}
    asks(client, url, "Enregistrer ce remboursement\u202f?", refund)
    assert count(db_session, Refund) == 0
    client.post(url, data={**refund, "confirmed": "1"})
    assert count(db_session, Refund) == 1


def test_sending_or_reminding(client, db_session, make_invoice, staff, coop):  # noqa: F811
    invoice = make_invoice()
    invoice.customer.email = "compta@client.example"
    sales.submit_invoice(db_session, invoice, utcnow())
    sales.validate_invoice(db_session, invoice, staff, date(2026, 10, 1), utcnow())
    db_session.commit()
    to_customer = OutboxMessage.reply_to.is_not(None)  # members' own mail has none
    login(client, invoice.member.email)
    url = f"/invoices/{invoice.id}/send"
    mail = {"locale": "fr", "subject": "Facture", "message": "Bonjour"}
    assert 'data-confirm="Envoyer cet e-mail au client\u202f?"' in form_posting_to(
        client.get(url).text, url
    )
    asks(client, url, "Envoyer cet e-mail au client\u202f?", mail)
    assert count(db_session, OutboxMessage, to_customer) == 0
    client.post(url, data={**mail, "confirmed": "1"})
    assert count(db_session, OutboxMessage, to_customer) == 1
    url = f"/invoices/{invoice.id}/remind"
    page = client.get(f"/invoices/{invoice.id}").text
    assert 'data-confirm="Envoyer une relance au client\u202f?"' in form_posting_to(page, url)
    asks(client, url, "Envoyer une relance au client\u202f?")
    assert count(db_session, OutboxMessage, to_customer) == 1
    client.post(url, data={"confirmed": "1"})
    assert count(db_session, OutboxMessage, to_customer) == 2


def test_deleting_a_draft_receipt(logged_in, db_session, receipt):
    url = f"/receipts/{receipt.id}/delete"
    assert "data-confirm=" in form_posting_to(logged_in.get(f"/receipts/{receipt.id}").text, url)
    asks(logged_in, url, "Supprimer ce brouillon de dépense\u202f?")
    receipt_id = receipt.id
    assert count(db_session, Receipt, Receipt.id == receipt_id) == 1
    logged_in.post(url, data={"confirmed": "1"})
    assert count(db_session, Receipt, Receipt.id == receipt_id) == 0


def test_approving_and_reimbursing_a_receipt(client, db_session, receipt, staff):
    expenses.submit_receipt(db_session, receipt)
    db_session.commit()
    login(client, staff.email)
    asks(client, f"/receipts/{receipt.id}/approve", "Approuver cette dépense\u202f?")
    db_session.refresh(receipt)
    assert receipt.status is ReceiptStatus.SUBMITTED
    client.post(f"/receipts/{receipt.id}/approve", data={"confirmed": "1"})
    db_session.refresh(receipt)
    assert receipt.status is ReceiptStatus.APPROVED
    question = "Enregistrer le remboursement de cette dépense\u202f?"
    asks(client, f"/receipts/{receipt.id}/reimburse", question)
    db_session.refresh(receipt)
    assert receipt.status is ReceiptStatus.APPROVED
    client.post(f"/receipts/{receipt.id}/reimburse", data={"confirmed": "1"})
    db_session.refresh(receipt)
    assert receipt.status is ReceiptStatus.REIMBURSED


def test_cancelling_a_booking(logged_in, db_session, entrepreneur, make_workshop):  # noqa: F811
    workshop = make_workshop()
    logged_in.post(f"/workshops/{workshop.id}/book", data={"member_id": entrepreneur.id})
    url = f"/workshops/{workshop.id}/cancel"
    question = (
        "Annuler votre réservation\u202f? Votre place revient à la prochaine personne en attente."
    )
    tag = form_posting_to(logged_in.get(f"/workshops/{workshop.id}").text, url)
    assert f'data-confirm="{question}"' in tag
    assert f'data-confirm="{question}"' in form_posting_to(
        logged_in.get("/workshops/mine").text, url
    )
    asks(logged_in, url, question, {"member_id": entrepreneur.id, "next": "/workshops/mine"})
    active = Booking.status == BookingStatus.CONFIRMED
    assert count(db_session, Booking, active) == 1
    logged_in.post(url, data={"member_id": entrepreneur.id, "confirmed": "1"})
    assert count(db_session, Booking, active) == 0


def test_cancelling_a_workshop_or_a_participant(
    client,
    db_session,
    entrepreneur,
    staff,
    make_workshop,  # noqa: F811
):
    workshop = make_workshop()
    login(client, entrepreneur.email)
    client.post(f"/workshops/{workshop.id}/book", data={"member_id": entrepreneur.id})
    client.post("/logout")
    login(client, staff.email)
    booking = db_session.scalar(select(Booking).where(Booking.workshop_id == workshop.id))
    url = f"/workshops/{workshop.id}/participants/{booking.id}/cancel"
    question = f"Annuler la réservation de {entrepreneur.full_name}\u202f?"
    tag = form_posting_to(client.get(f"/workshops/{workshop.id}/participants").text, url)
    assert f'data-confirm="{question}"' in tag
    asks(client, url, question)
    assert count(db_session, Booking, Booking.status == BookingStatus.CONFIRMED) == 1
    client.post(url, data={"confirmed": "1"})
    assert count(db_session, Booking, Booking.status == BookingStatus.CONFIRMED) == 0
    url = f"/workshops/{workshop.id}/cancel-workshop"
    asks(client, url, "Annuler cet atelier\u202f?")
    assert count(db_session, Workshop, Workshop.cancelled_at.is_not(None)) == 0
    client.post(url, data={"confirmed": "1"})
    assert count(db_session, Workshop, Workshop.cancelled_at.is_not(None)) == 1


def test_revoking_an_api_client(client, admin, db_session):
    api_client, _secret = create_client(db_session, "Paie", "sync:read")
    db_session.commit()
    login(client, admin.email)
    url = f"/admin/api-clients/{api_client.client_id}/revoke"
    assert 'data-confirm="Révoquer «\xa0Paie\xa0»\u202f?"' in form_posting_to(
        client.get("/admin/api-clients").text, url
    )
    asks(client, url, "Révoquer ce client de l'API\u202f?")
    assert count(db_session, ApiClient, ApiClient.revoked_at.is_not(None)) == 0
    client.post(url, data={"confirmed": "1"})
    assert count(db_session, ApiClient, ApiClient.revoked_at.is_not(None)) == 1


def test_replacing_or_revoking_the_calendar_link(logged_in, db_session, entrepreneur):
    # The first link is created at once: nothing is lost.
    page = logged_in.get("/calendar").text
    assert "data-confirm" not in form_posting_to(page, "/calendar/feed")
    assert "/calendar/feed/" in logged_in.post("/calendar/feed").text
    assert calendar.has_feed(db_session, entrepreneur)
    token_hash = db_session.scalar(select(CalendarFeedToken.token_hash))
    asks(logged_in, "/calendar/feed", "Créer un nouveau lien\u202f?")
    db_session.expire_all()
    assert db_session.scalar(select(CalendarFeedToken.token_hash)) == token_hash
    asks(logged_in, "/calendar/revoke", "Révoquer votre lien\u202f?")
    assert calendar.has_feed(db_session, entrepreneur)
    logged_in.post("/calendar/revoke", data={"confirmed": "1"})
    assert not calendar.has_feed(db_session, entrepreneur)


# --- the mechanism ----------------------------------------------------------------------------


def test_access_is_checked_before_asking(client, db_session, make_invoice, make_member):  # noqa: F811
    """Another member's draft is a 404 whether or not the question was answered."""
    invoice = make_invoice()
    login(client, make_member(email="autre@example.org").email)
    assert client.post(f"/invoices/{invoice.id}/delete").status_code == 404
    assert count(db_session, Invoice, Invoice.id == invoice.id) == 1


def test_refusing_an_internal_transfer(client, db_session, make_transfer, contractor):  # noqa: F811
    transfer = make_transfer()
    login(client, contractor.email)
    url = f"/transfers/{transfer.id}/refuse"
    page = client.get(f"/transfers/{transfer.id}").text
    assert 'data-confirm="Refuser ce transfert\u202f?"' in form_posting_to(page, url)
    assert "data-confirm" not in form_posting_to(page, f"/transfers/{transfer.id}/accept")
    page = asks(client, url, "Refuser ce transfert\u202f?", {"reason": "Pas commandé"})
    assert "Camille Durand → Louis Petit, 1\u202f200,00\xa0€ HT" in page
    db_session.refresh(transfer)
    assert transfer.status is TransferStatus.ISSUED
    client.post(url, data={"reason": "Pas commandé", "confirmed": "1"})
    db_session.refresh(transfer)
    assert transfer.status is TransferStatus.REFUSED


def test_validating_an_internal_transfer(client, db_session, accepted_transfer, staff):  # noqa: F811
    login(client, staff.email)
    url = f"/transfers/{accepted_transfer.id}/validate"
    page = client.get("/staff/transfers").text
    assert 'data-confirm="Valider et numéroter ce transfert\u202f?"' in form_posting_to(page, url)
    asks(client, url, "Valider et numéroter ce transfert\u202f?", {"next": "/staff/transfers"})
    db_session.refresh(accepted_transfer)
    assert accepted_transfer.status is TransferStatus.ACCEPTED
    client.post(url, data={"confirmed": "1"})
    db_session.refresh(accepted_transfer)
    assert accepted_transfer.status is TransferStatus.VALIDATED


def test_cancelling_an_internal_transfer(client, db_session, validated_transfer, entrepreneur):  # noqa: F811
    login(client, entrepreneur.email)
    url = f"/transfers/{validated_transfer.id}/reverse"
    question = "Annuler ce transfert par un transfert d'annulation\u202f?"
    asks(client, url, question, {"form_token": "r1"})
    assert count(db_session, InternalTransfer) == 1
    client.post(url, data={"form_token": "r1", "confirmed": "1"})
    assert count(db_session, InternalTransfer, InternalTransfer.reverses_id.isnot(None)) == 1


def test_each_asking_view_is_tested_here(app):
    """A view that asks (`@asks`) is added to the tests above, which prove it waits."""
    asking = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "confirmation", None)
    }
    assert asking == {
        "sales.delete",
        "sales.validate",
        "sales.credit_note",
        "sales.add_payment",
        "sales.add_refund",
        "sending.send",
        "sending.remind",
        "quotes.send",
        "quotes.delete",
        "quotes.validate",
        "expenses.delete",
        "expenses.approve",
        "expenses.reimburse",
        "workshops.cancel",
        "workshops.cancel_workshop",
        "workshops.remove_participant",
        "api_admin.revoke",
        "calendar.regenerate",
        "calendar.revoke",
        "directory.remove_photo",  # tests/web/test_directory.py
        "network.close",  # tests/web/test_network.py
        "transfers.refuse",
        "transfers.validate",
        "transfers.reverse",
    }


def test_forms_posting_to_an_asking_view_go_through_post_button(app):
    """A hand-written <form> would miss `data-confirm`, and the dialog with it: every form
    posting to a view that asks is made by the post_button macro."""
    asking = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "confirmation", None)
    ]
    raw = re.compile(r"<form[^>]*action=\"\{\{ url_for\('(" + "|".join(asking) + r")'")
    found = [
        (path.name, match.group(1))
        for path in TEMPLATES.rglob("*.html")
        for match in raw.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_a_stale_confirmation_changes_nothing_twice(logged_in, db_session, make_invoice):  # noqa: F811
    """The confirmation page posted twice (a double tap, the back button) deletes once and
    then says so, never a 500."""
    invoice = make_invoice()
    url = f"/invoices/{invoice.id}/delete"
    assert logged_in.post(url, data={"confirmed": "1"}).status_code == 303
    assert logged_in.post(url, data={"confirmed": "1"}).status_code == 404


def test_the_page_is_in_english_for_english_readers(logged_in, make_invoice):  # noqa: F811
    invoice = make_invoice()
    logged_in.post("/language", data={"locale": "en"})
    page = asks(logged_in, f"/invoices/{invoice.id}/delete", "Delete this draft invoice?")
    assert '<button class="button danger">Delete</button>' in page


def test_amounts_in_the_question_are_the_readers(client, db_session, issued_invoice, staff):  # noqa: F811
    login(client, staff.email)
    client.post("/language", data={"locale": "en"})
    url = f"/staff/invoices/{issued_invoice.id}/payments"
    payment = {"amount": "10", "received_on": "2026-11-27", "method": "transfer"}
    assert "€10.00 on " in asks(client, url, "Record this payment?", payment)
    assert count(db_session, Payment) == 0


def test_leaving_the_waiting_list_asks_its_own_question(
    logged_in,
    db_session,
    entrepreneur,
    make_workshop,  # noqa: F811
):
    workshop = make_workshop()
    logged_in.post(f"/workshops/{workshop.id}/book", data={"member_id": entrepreneur.id})
    booking = db_session.scalar(select(Booking).where(Booking.workshop_id == workshop.id))
    booking.status = BookingStatus.WAITING
    db_session.commit()
    url = f"/workshops/{workshop.id}/cancel"
    asks(logged_in, url, "Quitter la liste d'attente\u202f? Vous y perdez votre place.")
    assert count(db_session, Booking, Booking.status == BookingStatus.WAITING) == 1


def test_a_form_urls_question_is_matched_once_and_what_is_kept_stays_bounded(app, monkeypatch):
    """Every button looks up its form's question (`confirmation_for`): matched once per URL
    and process, with the same answer, and forgotten past a bound (URLs name objects)."""
    matched = []

    def match(path):
        matched.append(path)
        return real(path)

    real = confirm._match
    monkeypatch.setattr(confirm, "_match", match)
    monkeypatch.setattr(confirm, "_MATCHED_MAX", 3)
    app.extensions.pop(confirm._MATCHED, None)
    with app.test_request_context():
        question = confirm.confirmation_for("/workshops/1/cancel?next=/")
        assert str(question.action) == "Yes, cancel"  # the cancellation view's, untranslated here
        assert confirm.confirmation_for("/workshops/1/cancel") is question
        assert confirm.confirmation_for("/workshops/1/book") is None
        assert confirm.confirmation_for("/no/such/page") is None
        assert matched == ["/workshops/1/cancel", "/workshops/1/book", "/no/such/page"]
        for number in range(2, 9):
            confirm.confirmation_for(f"/workshops/{number}/book")
        assert len(app.extensions[confirm._MATCHED]) <= 3
