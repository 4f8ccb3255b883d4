"""From an accepted quote to its invoices in one tap: the whole quote, or deposits (a
percentage or an amount) then the balance, which deducts them; never beyond the quote's
total; and duplicates of invoices."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.db import utcnow
from portal.quotes.services import accept_quote
from portal.sales.models import Invoice, InvoiceStatus, QuoteInvoice
from tests.helpers import login


@pytest.fixture
def accepted_quote(db_session, issued_quote):
    """1 000 € at 20 % and 99,99 € at 5,5 %: 1 305,49 € incl. VAT, accepted."""
    accept_quote(
        db_session, issued_quote, "Jeanne", True, "127.0.0.1", issued_quote.issue_date, utcnow()
    )
    db_session.commit()
    return issued_quote


def invoices_of(db_session, quote) -> list[Invoice]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(Invoice)
            .join(QuoteInvoice, QuoteInvoice.invoice_id == Invoice.id)
            .where(QuoteInvoice.quote_id == quote.id)
            .order_by(Invoice.id)
        )
    )


def count_invoices(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(Invoice.id)))


def test_the_whole_quote_becomes_a_draft_invoice_line_for_line(
    logged_in, accepted_quote, db_session
):
    response = logged_in.post(f"/quotes/{accepted_quote.id}/invoice")
    assert response.status_code == 303
    [invoice] = invoices_of(db_session, accepted_quote)
    assert response.location.endswith(f"/invoices/{invoice.id}")
    assert invoice.status is InvoiceStatus.DRAFT and invoice.quote_id == accepted_quote.id
    assert invoice.total_incl_vat_cents == accepted_quote.total_incl_vat_cents == 130_549
    assert [line.description for line in invoice.lines] == ["Ligne 1", "Ligne 2"]
    assert invoice.customer_id == accepted_quote.customer_id
    assert accepted_quote.number in invoice.notes
    page = logged_in.get(f"/invoices/{invoice.id}").text
    assert f'href="/quotes/{accepted_quote.id}"' in page
    # Nothing is left: a second tap is refused with a message.
    again = logged_in.post(f"/quotes/{accepted_quote.id}/invoice", follow_redirects=True)
    assert "Ce devis est déjà entièrement facturé." in again.text
    assert len(invoices_of(db_session, accepted_quote)) == 1


def test_a_deposit_by_percentage_then_the_balance_deducting_it(
    logged_in, accepted_quote, db_session
):
    logged_in.post(f"/quotes/{accepted_quote.id}/deposit", data={"percent": "30"})
    [deposit] = invoices_of(db_session, accepted_quote)
    assert [(line.vat_rate, line.net_cents) for line in deposit.lines] == [
        (Decimal("20.00"), 30_000),
        (Decimal("5.50"), 3_000),
    ]
    assert (
        "Acompte de 30\u00a0% sur le devis " + accepted_quote.number in deposit.lines[0].description
    )
    logged_in.post(f"/quotes/{accepted_quote.id}/invoice")
    deposit, balance = invoices_of(db_session, accepted_quote)
    assert [(line.vat_rate, line.net_cents) for line in balance.lines] == [
        (Decimal("20.00"), 70_000),
        (Decimal("5.50"), 6_999),
    ]
    assert "acomptes déjà facturés" in balance.notes
    total = deposit.total_incl_vat_cents + balance.total_incl_vat_cents
    assert total == accepted_quote.total_incl_vat_cents
    page = logged_in.get(f"/quotes/{accepted_quote.id}").text
    assert "Reste à facturer\u00a0: 0,00\u00a0€ TTC" in page
    assert "<h1>Facture d'acompte" in logged_in.get(f"/invoices/{deposit.id}").text
    balance_page = logged_in.get(f"/invoices/{balance.id}").text
    assert "<h1>Facture " in balance_page and "acompte" not in balance_page.split("<h1>")[1][:30]


def test_a_deposit_by_amount_and_invoicing_beyond_the_total_is_refused(
    logged_in, accepted_quote, db_session
):
    logged_in.post(f"/quotes/{accepted_quote.id}/deposit", data={"amount": "652,75"})
    [deposit] = invoices_of(db_session, accepted_quote)
    assert abs(deposit.total_incl_vat_cents - 65_275) <= 1  # half, to the cent per VAT rate
    response = logged_in.post(
        f"/quotes/{accepted_quote.id}/deposit", data={"amount": "700"}, follow_redirects=True
    )
    assert "C&#39;est plus que les" in response.text and "restant à facturer" in response.text
    assert len(invoices_of(db_session, accepted_quote)) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"percent": "0"},
        {"percent": "100"},
        {"percent": "-5"},
        {"amount": "0"},
        {"amount": "1305,49"},
        {"percent": "10", "amount": "100"},
        {},
        {"percent": "dix"},
        {"amount": "1e999"},
    ],
)
def test_bad_deposits_change_nothing(logged_in, accepted_quote, db_session, data):
    response = logged_in.post(
        f"/quotes/{accepted_quote.id}/deposit", data=data, follow_redirects=True
    )
    assert response.status_code == 200
    assert 'class="flash flash-error"' in response.text
    assert count_invoices(db_session) == 0


def test_only_an_accepted_quote_is_invoiced(logged_in, issued_quote, make_quote, db_session):
    for quote in (issued_quote, make_quote()):
        response = logged_in.post(f"/quotes/{quote.id}/invoice", follow_redirects=True)
        assert "Seul un devis accepté peut être facturé." in response.text
        logged_in.post(f"/quotes/{quote.id}/deposit", data={"percent": "30"})
    assert count_invoices(db_session) == 0


def test_another_members_quote_is_never_invoiced(client, accepted_quote, make_member, db_session):
    other = make_member(email="other@example.org")
    login(client, other.email)
    assert client.post(f"/quotes/{accepted_quote.id}/invoice").status_code == 404
    assert (
        client.post(f"/quotes/{accepted_quote.id}/deposit", data={"percent": "30"}).status_code
        == 404
    )
    assert count_invoices(db_session) == 0


def test_a_credited_deposit_is_invoiced_again_in_the_balance(
    logged_in, accepted_quote, db_session, staff
):
    from portal.sales.services import create_credit_note, submit_invoice, validate_invoice

    logged_in.post(f"/quotes/{accepted_quote.id}/deposit", data={"percent": "50"})
    [deposit] = invoices_of(db_session, accepted_quote)
    submit_invoice(db_session, deposit, utcnow())
    validate_invoice(db_session, deposit, staff, deposit.issue_date, utcnow())
    credit = create_credit_note(db_session, deposit, deposit.issue_date)
    submit_invoice(db_session, credit, utcnow())
    validate_invoice(db_session, credit, staff, deposit.issue_date, utcnow())
    db_session.commit()
    page = logged_in.get(f"/quotes/{accepted_quote.id}").text
    assert "Reste à facturer\u00a0: 1\u202f305,49\u00a0€ TTC" in page


def test_duplicate_any_invoice_as_a_new_draft(logged_in, issued_invoice, db_session):
    response = logged_in.post(f"/invoices/{issued_invoice.id}/duplicate")
    assert response.status_code == 303
    copy = db_session.scalar(select(Invoice).where(Invoice.id != issued_invoice.id))
    assert response.location.endswith(f"/invoices/{copy.id}/edit")
    assert copy.status is InvoiceStatus.DRAFT and copy.number is None
    assert copy.total_incl_vat_cents == issued_invoice.total_incl_vat_cents
    assert [line.description for line in copy.lines] == [
        line.description for line in issued_invoice.lines
    ]
    assert copy.due_date - copy.issue_date == issued_invoice.due_date - issued_invoice.issue_date


def test_another_members_invoice_is_not_duplicated(client, issued_invoice, make_member, db_session):
    other = make_member(email="other@example.org")
    login(client, other.email)
    assert client.post(f"/invoices/{issued_invoice.id}/duplicate").status_code == 404
    assert count_invoices(db_session) == 1


def test_an_invoice_from_a_quote_is_never_edited_above_what_it_was_made_for(
    logged_in, accepted_quote, db_session
):
    logged_in.post(f"/quotes/{accepted_quote.id}/deposit", data={"percent": "30"})
    [deposit] = invoices_of(db_session, accepted_quote)
    made_for = deposit.total_incl_vat_cents
    data = {
        "form_token": "edit-1",
        "customer_id": str(deposit.customer_id),
        "issue_date": "2026-11-27",
        "due_date": "",
        "operation_type": "services",
        "lines-0-description": "Acompte",
        "lines-0-quantity": "1",
        "lines-0-unit": "C62",
        "lines-0-vat_rate": "20",
        "action": "save",
    }
    # Raised to the whole quote's total: the quote would be invoiced beyond it.
    response = logged_in.post(
        f"/invoices/{deposit.id}/edit", data={**data, "lines-0-unit_price": "1 000"}
    )
    assert "il ne peut dépasser les" in response.text
    db_session.expire_all()
    assert deposit.total_incl_vat_cents == made_for and len(deposit.lines) == 2
    # Lowered, it is saved.
    response = logged_in.post(
        f"/invoices/{deposit.id}/edit", data={**data, "lines-0-unit_price": "100"}
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert deposit.total_incl_vat_cents == 12_000


def test_a_refused_edit_of_a_quote_keeps_its_lines(logged_in, make_quote, db_session):
    """A refusal found late (the validity's end; an invoice's due date or ceiling) used to
    come after the old lines were deleted, and the page that showed it committed: the draft
    lost its lines."""
    draft = make_quote()
    data = {
        "form_token": "edit-2",
        "customer_id": str(draft.customer_id),
        "issue_date": "2026-11-27",
        "valid_until": "2026-11-01",  # before the issue date
        "operation_type": "services",
        "payment_terms": "",
        "lines-0-description": "Autre",
        "lines-0-quantity": "1",
        "lines-0-unit": "C62",
        "lines-0-unit_price": "5",
        "lines-0-vat_rate": "20",
        "action": "save",
    }
    response = logged_in.post(f"/quotes/{draft.id}/edit", data=data)
    assert response.status_code == 200 and "avant sa date" in response.text
    db_session.expire_all()
    assert [line.description for line in draft.lines] == ["Ligne 1"]
