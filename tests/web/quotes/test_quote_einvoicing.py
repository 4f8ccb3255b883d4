"""Invoices made from a quote pass the e-invoicing schematrons too (EN 16931 and BR-FR
1.4.0): a deposit invoice (a share of each VAT rate) and the balance invoice that deducts
it, as the support team validates them (tests/web/sales/test_einvoicing.py runs them)."""

import re
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import object_session

from portal.coop.services import coop_settings_for_update
from portal.db import utcnow
from portal.quotes.invoicing import invoice_deposit, invoice_quote
from portal.quotes.services import accept_quote
from portal.sales.documents import facturx_xml, render_pdf
from portal.sales.parties import document_parties
from portal.sales.services import submit_invoice, validate_invoice
from tests.web.quotes.test_quotes import pdf_text
from tests.web.sales.test_einvoicing import assert_passes, schematrons  # noqa: F401

PRECEDING = re.compile(
    rb"<ram:InvoiceReferencedDocument>\s*<ram:IssuerAssignedID>([^<]+)</ram:IssuerAssignedID>"
)
TYPE_CODE = re.compile(rb"<rsm:ExchangedDocument>.*?<ram:TypeCode>(\d+)</ram:TypeCode>", re.S)


def invoice_pdf(invoice) -> bytes:
    seller, buyer = document_parties(invoice, coop_settings_for_update(object_session(invoice)))
    return render_pdf(invoice, seller, buyer)


def test_a_deposit_and_its_balance_pass_both(
    schematrons,  # noqa: F811
    db_session,
    issued_quote,
    entrepreneur,
    staff,
):
    accept_quote(
        db_session, issued_quote, "Jeanne", True, "127.0.0.1", issued_quote.issue_date, utcnow()
    )
    today = date(2026, 11, 27)
    deposit = invoice_deposit(db_session, issued_quote, entrepreneur, today, Decimal(30))
    submit_invoice(db_session, deposit, utcnow())
    validate_invoice(db_session, deposit, staff, today, utcnow())
    balance = invoice_quote(db_session, issued_quote, entrepreneur, today)
    submit_invoice(db_session, balance, utcnow())
    validate_invoice(db_session, balance, staff, today, utcnow())
    assert deposit.total_incl_vat_cents + balance.total_incl_vat_cents == 130_549
    for invoice in (deposit, balance):
        assert_passes(schematrons, facturx_xml(invoice))
    # Typed as what they are (UNTDID 1001): a prepayment invoice, then a commercial invoice.
    assert deposit.is_deposit and not balance.is_deposit
    assert TYPE_CODE.search(facturx_xml(deposit)).group(1) == b"386"
    assert TYPE_CODE.search(facturx_xml(balance)).group(1) == b"380"
    # The balance names the deposit it deducts, as a preceding invoice (BG-3).
    assert PRECEDING.findall(facturx_xml(balance)) == [deposit.number.encode()]
    assert PRECEDING.findall(facturx_xml(deposit)) == []
    deposit_pdf, balance_pdf = (pdf_text(invoice_pdf(invoice)) for invoice in (deposit, balance))
    assert deposit_pdf.startswith("Facture d'acompte") and balance_pdf.startswith("Facture ")
    assert "acompte" not in balance_pdf.split()[1]
