"""Quotes in the sync API: `GET /quotes/{id}` with the invoices' money rules, the entity
`quote` in the feed, and invoices carrying the quote they come from."""

from decimal import Decimal

import jsonschema
from sqlalchemy import select

from portal.db import utcnow
from portal.quotes.invoicing import invoice_deposit, invoice_quote
from portal.quotes.services import accept_quote
from portal.sales.models import Invoice

PROBLEM = "application/problem+json"


def feed(client, bearer) -> list[dict]:
    return client.get("/api/v1/changes?limit=1000", headers=bearer).json["items"]


def test_quote_read_has_money_as_two_place_strings_and_its_documented_schema(
    client, bearer, issued_quote
):
    response = client.get(f"/api/v1/quotes/{issued_quote.id}", headers=bearer)
    assert response.status_code == 200
    quote = response.json
    assert (quote["number"], quote["status"], quote["expired"]) == (
        issued_quote.number,
        "validated",
        False,
    )
    assert [line["total_excl_vat"] for line in quote["lines"]] == ["1000.00", "99.99"]
    assert (quote["total_excl_vat"], quote["total_vat"], quote["total_incl_vat"]) == (
        "1099.99",
        "205.50",
        "1305.49",
    )
    assert quote["customer"]["name"] == "Client SAS"
    assert quote["valid_until"] == issued_quote.valid_until.isoformat()
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["Quote"]
    jsonschema.Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(quote)
    assert set(quote) == set(schema["properties"]) == set(schema["required"])
    pdf = client.get(f"/api/v1/quotes/{issued_quote.id}/pdf", headers=bearer)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_unknown_quote_is_a_404_problem_and_reading_needs_a_token(client, bearer):
    for url in ("/api/v1/quotes/424242", "/api/v1/quotes/abc", "/api/v1/quotes/424242/pdf"):
        response = client.get(url, headers=bearer)
        assert response.status_code == 404 and response.mimetype == PROBLEM, url
    assert client.get("/api/v1/quotes/1").status_code == 401


def test_quotes_are_in_the_feed_and_invoices_carry_their_quote(
    client, bearer, db_session, issued_quote, entrepreneur
):
    accept_quote(
        db_session, issued_quote, "Jeanne", True, "127.0.0.1", issued_quote.issue_date, utcnow()
    )
    invoice = invoice_quote(db_session, issued_quote, entrepreneur, issued_quote.issue_date)
    db_session.commit()
    items = feed(client, bearer)
    quotes = {i["id"]: i["data"] for i in items if i["entity"] == "quote"}
    assert quotes[str(issued_quote.id)]["status"] == "accepted"
    assert quotes[str(issued_quote.id)]["signed_by"] == "Jeanne"
    invoices = {i["id"]: i["data"] for i in items if i["entity"] == "invoice"}
    assert invoices[str(invoice.id)]["quote"] == issued_quote.id
    alone = db_session.scalar(select(Invoice).where(Invoice.id != invoice.id))
    assert alone is None
    read = client.get(f"/api/v1/invoices/{invoice.id}", headers=bearer).json
    assert read["quote"] == issued_quote.id


def test_an_invoice_without_a_quote_says_null(client, bearer, issued_invoice):
    read = client.get(f"/api/v1/invoices/{issued_invoice.id}", headers=bearer).json
    assert read["quote"] is None and read["deposit"] is False


def test_a_deposit_invoice_says_so_and_its_balance_does_not(
    client, bearer, db_session, issued_quote, entrepreneur
):
    accept_quote(
        db_session, issued_quote, "Jeanne", True, "127.0.0.1", issued_quote.issue_date, utcnow()
    )
    today = issued_quote.issue_date
    deposit = invoice_deposit(db_session, issued_quote, entrepreneur, today, Decimal(30))
    balance = invoice_quote(db_session, issued_quote, entrepreneur, today)
    db_session.commit()
    invoices = {i["id"]: i["data"] for i in feed(client, bearer) if i["entity"] == "invoice"}
    assert invoices[str(deposit.id)]["deposit"] is True
    assert invoices[str(balance.id)]["deposit"] is False
    read = client.get(f"/api/v1/invoices/{deposit.id}", headers=bearer).json
    assert read["deposit"] is True and read["quote"] == issued_quote.id
