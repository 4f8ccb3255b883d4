"""The customers' list: each customer's contact, what they were invoiced and still owe, and
their invoices one tap away."""

from datetime import date
from decimal import Decimal

from portal.sales.customers import CustomerInput, create_customer
from portal.sales.services import record_payment


def test_each_customer_shows_what_was_invoiced_and_is_still_due(
    logged_in, db_session, issued_invoice, make_invoice, customer, staff
):
    # 1 305,49 € issued, 305,49 € paid; a draft of 1 200 € counts for nothing.
    record_payment(db_session, issued_invoice, Decimal("305.49"), date(2026, 11, 27), staff)
    make_invoice(("1", "1000", "20"))
    db_session.commit()
    page = logged_in.get("/customers").text
    assert "Facturé\u00a0: 1\u202f305,49\u00a0€ TTC" in page
    assert "Reste dû\u00a0: 1\u202f000,00\u00a0€" in page
    assert f'href="/invoices?customer={customer.id}"' in page


def test_a_customer_never_invoiced_shows_no_figures(logged_in, db_session, entrepreneur):
    create_customer(db_session, entrepreneur, CustomerInput(name="Nouveau", email="a@b.fr"))
    db_session.commit()
    page = logged_in.get("/customers").text
    assert 'href="mailto:a@b.fr"' in page and "Facturé" not in page


def test_their_invoices_lists_only_that_customers(
    logged_in, db_session, make_invoice, customer, entrepreneur
):
    other = create_customer(db_session, entrepreneur, CustomerInput(name="Autre client"))
    db_session.commit()
    mine = make_invoice(("1", "10", "20"))
    make_invoice(("1", "20", "20"), for_customer=other)
    page = logged_in.get(f"/invoices?customer={customer.id}").text
    assert f'href="/invoices/{mine.id}"' in page and "Autre client" not in page
    assert f'name="customer" value="{customer.id}"' in page  # kept by the filters
    # A customer id that is not a number filters nothing, and never fails.
    assert "Autre client" in logged_in.get("/invoices?customer=1e9").text
