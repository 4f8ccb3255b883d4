"""Signed work: accepted quotes not invoiced yet, shown apart on the home page, never in the
margin; and a customer's quotes from the customers' page."""

import re
from decimal import Decimal

from portal.db import utcnow
from portal.quotes.invoicing import invoice_deposit
from portal.quotes.queries import signed_work_cents
from portal.quotes.services import accept_quote
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.services import submit_invoice, validate_invoice


def _accept(db_session, quote):
    accept_quote(db_session, quote, "Jeanne", True, "127.0.0.1", quote.issue_date, utcnow())
    db_session.commit()


def _without_signed_work(page: str) -> str:
    """The page but the signed work's card, the per-request CSRF tokens and the unread
    count (the acceptance is a notification)."""
    page = re.sub(r'<a class="notifications-link".*?</a>', "", page, flags=re.S)
    page = re.sub(r'(X-CSRFToken": "|name="csrf_token" value=")[^"]+', r"\1", page)
    return re.sub(
        r'<section class="card" aria-labelledby="signed-work-title">.*?</section>',
        "",
        page,
        flags=re.S,
    )


def test_signed_work_is_accepted_quotes_less_their_issued_invoices(
    db_session, make_quote, issue_quote, entrepreneur, staff
):
    accepted, waiting = issue_quote(make_quote()), issue_quote(make_quote(("1", "50", "20")))
    assert signed_work_cents(db_session, entrepreneur.id) == 0
    _accept(db_session, accepted)
    assert signed_work_cents(db_session, entrepreneur.id) == 100_000  # excl. VAT
    deposit = invoice_deposit(
        db_session, accepted, entrepreneur, accepted.issue_date, percent=Decimal(30)
    )
    db_session.commit()
    assert signed_work_cents(db_session, entrepreneur.id) == 100_000  # a draft earns nothing
    submit_invoice(db_session, deposit, utcnow())
    validate_invoice(db_session, deposit, staff, accepted.issue_date, utcnow())
    db_session.commit()
    assert signed_work_cents(db_session, entrepreneur.id) == 70_000
    assert waiting.status.value == "validated"


def test_the_home_page_shows_signed_work_apart_from_an_unchanged_margin(
    logged_in, db_session, issued_quote
):
    before = logged_in.get("/").text
    assert "signed-work-title" not in before
    _accept(db_session, issued_quote)
    after = logged_in.get("/").text
    assert "Travaux signés" in after and "1\u202f099,99\u00a0€" in after
    assert _without_signed_work(after) == _without_signed_work(before)


def test_a_customers_quotes_are_listed_from_the_customers_page(
    logged_in, customer, make_quote, make_member, db_session
):
    other_customer = create_customer(
        db_session, customer.member, CustomerInput(name="Autre SARL", siren="732829320")
    )
    db_session.commit()
    make_quote()
    make_quote(for_customer=other_customer)
    page = logged_in.get("/customers").text
    assert f'href="/quotes?customer={customer.id}"' in page
    assert f'href="/quotes/new?customer_id={customer.id}"' in page
    listed = logged_in.get(f"/quotes?customer={customer.id}").text
    assert "Devis pour Client SAS" in listed
    assert listed.count('class="card invoice-card') == 1
    other = make_member(email="other@example.org")
    theirs = create_customer(db_session, other, CustomerInput(name="Leur client"))
    db_session.commit()
    assert logged_in.get(f"/quotes?customer={theirs.id}").status_code == 404
