"""The quote as a document: an A4 PDF/A-3b rendered from HTML by WeasyPrint, as invoices are
(portal/sales/documents.py), with a quote's mentions: its validity, the payment terms, and the
"bon pour accord" block, filled in once the customer has accepted."""

from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.coop.services import get_coop_settings
from portal.quotes.models import Quote
from portal.sales.documents import RECOVERY_INDEMNITY, pdf_from_html, vat_breakdown
from portal.sales.parties import document_parties


def render_html(quote: Quote, seller: dict, buyer: dict) -> str:
    # A French quote is written in French, whatever the reader's language.
    with force_locale("fr"):
        return render_template(
            "quotes/pdf.html",
            quote=quote,
            seller=seller,
            buyer=buyer,
            breakdown=vat_breakdown(quote),
            recovery_indemnity=RECOVERY_INDEMNITY,
        )


def quote_pdf(session: Session, quote: Quote) -> bytes:
    """The quote's PDF as the customer gets it (a draft is marked as such): the parties
    frozen at validation, or the live ones on a draft."""
    seller, buyer = document_parties(quote, get_coop_settings(session))
    return pdf_from_html(render_html(quote, seller, buyer))


def pdf_filename(quote: Quote) -> str:
    if quote.number:
        return f"{quote.number}.pdf"
    return f"devis-brouillon-{quote.id}.pdf"
