"""Payments recorded by the support team: the method has its own column, shown on the
invoice and in the CSV export."""

from decimal import Decimal

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.sales.models import Payment, PaymentMethod, Refund
from tests.helpers import login


def payments(db_session):
    db_session.expire_all()
    return db_session.scalars(select(Payment).order_by(Payment.id)).all()


def test_staff_records_the_payment_method_apart_from_the_reference(
    client, staff, issued_invoice, db_session
):
    login(client, staff.email)
    url = f"/staff/invoices/{issued_invoice.id}/payments"
    page = client.get(f"/invoices/{issued_invoice.id}").text
    assert '<option selected value="transfer">Virement</option>' in page
    response = client.post(
        url,
        data={
            "confirmed": "1",
            "amount": "100",
            "received_on": "2026-11-27",
            "method": "check",
            "reference": "12",
        },
        follow_redirects=True,
    )
    assert "Paiement enregistré." in response.text
    assert "Chèque" in response.text
    [payment] = payments(db_session)
    assert (payment.method, payment.reference) == (PaymentMethod.CHEQUE, "12")


def test_unknown_payment_method_is_refused_and_nothing_is_recorded(
    client, staff, issued_invoice, db_session
):
    login(client, staff.email)
    response = client.post(
        f"/staff/invoices/{issued_invoice.id}/payments",
        data={"confirmed": "1", "amount": "100", "received_on": "2026-11-27", "method": "bitcoin"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "est pas un choix valide" in response.text
    assert db_session.scalar(select(func.count(Payment.id))) == 0


def test_csv_export_lists_each_invoices_payment_methods(client, staff, issued_invoice, db_session):
    login(client, staff.email)
    url = f"/staff/invoices/{issued_invoice.id}/payments"
    for method in ("transfer", "card", "transfer"):
        client.post(
            url,
            data={"confirmed": "1", "amount": "10", "received_on": "2026-11-27", "method": method},
        )
    rows = client.get("/staff/invoices.csv").get_data(as_text=True).strip().splitlines()
    assert rows[0].endswith(";Moyens de paiement")
    assert rows[1].endswith(";Virement, Carte bancaire")  # the labels the pages show


@pytest.mark.parametrize("amount", ["0,004", "0.0000001", "1e-999"])
def test_an_amount_that_rounds_to_no_cent_is_refused_and_nothing_is_recorded(
    client, staff, issued_invoice, db_session, amount
):
    login(client, staff.email)
    response = client.post(
        f"/staff/invoices/{issued_invoice.id}/payments",
        data={
            "confirmed": "1",
            "amount": amount,
            "received_on": "2026-11-27",
            "method": "transfer",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Saisissez un montant supérieur à zéro." in response.text
    assert db_session.scalar(select(func.count(Payment.id))) == 0


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("en", "This is more than the €1,305.49 still due."),
        # A narrow no-break space between thousands, a no-break space before the euro sign.
        ("fr", "C'est plus que les 1\u202f305,49\u00a0€ restant dus."),
    ],
)
def test_an_overpayment_says_what_is_due_in_the_readers_language(
    client, staff, issued_invoice, db_session, locale, message
):
    login(client, staff.email)
    client.post("/language", data={"locale": locale})
    assert issued_invoice.outstanding_cents == 1305_49
    response = client.post(
        f"/staff/invoices/{issued_invoice.id}/payments",
        data={
            "confirmed": "1",
            "amount": "99999",
            "received_on": "2026-11-27",
            "method": "transfer",
        },
        follow_redirects=True,
    )
    assert escape(message) in response.text
    assert payments(db_session) == []


@pytest.fixture
def owed_credit_note(db_session, issued_invoice, staff):
    """A full credit note of the invoice once paid: 1 305,49 € owed back to the customer."""
    from portal.dates import paris_today
    from portal.db import utcnow
    from portal.sales import services as sales

    sales.record_payment(db_session, issued_invoice, Decimal("1305.49"), paris_today(), staff)
    note = sales.create_credit_note(db_session, issued_invoice, paris_today())
    sales.submit_invoice(db_session, note, utcnow())
    sales.validate_invoice(db_session, note, staff, paris_today(), utcnow())
    db_session.commit()
    return note


def test_staff_record_a_refund_and_the_entrepreneur_sees_what_is_still_owed(
    client, staff, entrepreneur, owed_credit_note, db_session
):
    from portal.dates import paris_today

    login(client, entrepreneur.email)
    assert "Encore dû au client\xa0: 1\u202f305,49\xa0€" in client.get("/invoices").text
    page = client.get(f"/invoices/{owed_credit_note.id}").text
    assert "Enregistrer le remboursement" not in page  # staff record it
    client.post("/logout")
    login(client, staff.email)
    response = client.post(
        f"/staff/invoices/{owed_credit_note.id}/refunds",
        data={
            "confirmed": "1",
            "amount": "1305,49",
            "paid_on": paris_today().isoformat(),
            "method": "transfer",
        },
        follow_redirects=True,
    )
    assert "Remboursement enregistré." in response.text
    db_session.expire_all()
    assert owed_credit_note.refund_owed_cents == 0
    assert "Encore dû au client" not in client.get("/staff/invoices").text


def test_refund_above_what_is_owed_is_refused_and_nothing_is_recorded(
    client, staff, owed_credit_note, db_session
):
    from portal.dates import paris_today

    login(client, staff.email)
    response = client.post(
        f"/staff/invoices/{owed_credit_note.id}/refunds",
        data={
            "confirmed": "1",
            "amount": "2000",
            "paid_on": paris_today().isoformat(),
            "method": "transfer",
        },
        follow_redirects=True,
    )
    assert "C&#39;est plus que les 1\u202f305,49\xa0€ dus au client." in response.text
    db_session.expire_all()
    assert owed_credit_note.refunded_cents == 0
    assert db_session.scalar(select(func.count(Refund.id))) == 0


def test_entrepreneurs_cannot_record_refunds(client, entrepreneur, owed_credit_note):
    login(client, entrepreneur.email)
    response = client.post(
        f"/staff/invoices/{owed_credit_note.id}/refunds",
        data={"confirmed": "1", "amount": "10", "paid_on": "2026-11-27", "method": "transfer"},
    )
    assert response.status_code in (403, 404)
