"""The invoice as a document: an A4 PDF/A-3 rendered from HTML by WeasyPrint, with the
EN 16931 (CII) XML embedded by the `factur-x` library for validated invoices."""

from decimal import Decimal

from facturx import generate_from_binary, generate_xml
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import object_session
from weasyprint import HTML

from portal.money import from_cents
from portal.sales.models import Invoice, OperationType
from portal.sales.queries import deducted_deposits
from portal.sales.totals import compute_totals, stored_line_inputs

FACTURX_LEVEL = "en16931"
_OPERATION_CODES = {
    OperationType.SERVICES: "S1",
    OperationType.GOODS: "B1",
    OperationType.MIXED: "M1",
}
# The French e-invoicing directory's addressing scheme (SIREN-based addresses).
EINVOICING_SCHEME = "0225"
RECOVERY_INDEMNITY = "Indemnité forfaitaire pour frais de recouvrement : 40 €."


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def vat_breakdown(invoice: Invoice):
    """Per VAT rate: base and VAT, recomputed from the stored lines with the same rule."""
    return compute_totals(stored_line_inputs(invoice.lines)).vat_breakdown


def _party(snapshot: dict) -> dict:
    party = {
        "name": snapshot["name"],
        "addr_l1": snapshot.get("address") or None,
        "postcode": snapshot.get("postcode") or None,
        "city": snapshot.get("city") or None,
        "country_code": snapshot.get("country_code") or "FR",
    }
    if snapshot.get("siren"):
        party["legal_identifier"] = snapshot["siren"]
        party["legal_identifier_schemeid"] = "0002"
    if snapshot.get("vat_number"):
        party["vat_identifier"] = snapshot["vat_number"]
    if snapshot.get("siret"):
        party["identifiers"] = {"0009": snapshot["siret"]}
    # The electronic address (BT-34, BT-49) the French rules require (BR-FR-12, BR-FR-13),
    # in the directory's scheme; snapshots from before it was kept fall back on the SIREN.
    address = snapshot.get("einvoicing_address") or snapshot.get("siren")
    if address:
        party["einvoicing_addr"] = address
        party["einvoicing_addr_schemeid"] = EINVOICING_SCHEME
    return {key: value for key, value in party.items() if value is not None}


def facturx_data(invoice: Invoice) -> dict:
    """The EN 16931 business terms of a validated invoice, keyed as `factur-x` wants them."""
    seller, buyer = invoice.seller, invoice.buyer
    breakdown = vat_breakdown(invoice)
    data = {
        "BT-1": invoice.number,
        "BT-2": invoice.issue_date,
        "BT-3": _type_code(invoice),
        "BT-5": "EUR",
        "BT-9": invoice.due_date,
        "BT-23": _OPERATION_CODES[invoice.operation_type],
        "BT-72": invoice.service_date or invoice.issue_date,
        "BG-4": _party(seller),
        "BG-7": _party(buyer),
        "BT-81": "30",  # credit transfer
        "BG-1": [
            {"BT-21": "PMT", "BT-22": RECOVERY_INDEMNITY},
            {"BT-21": "PMD", "BT-22": seller["late_penalty_terms"]},
            {"BT-21": "AAB", "BT-22": seller["early_payment_terms"]},
        ],
        "BG-23": [
            {
                "BT-116": _amount(line.base),
                "BT-117": _amount(line.vat),
                "BT-118": "S" if line.rate else "Z",
                "BT-119": _amount(line.rate),
            }
            for line in breakdown
        ],
        "BT-106": _amount(from_cents(invoice.total_excl_vat_cents)),
        "BT-109": _amount(from_cents(invoice.total_excl_vat_cents)),
        "BT-110": _amount(from_cents(invoice.vat_cents)),
        "BT-112": _amount(from_cents(invoice.total_incl_vat_cents)),
        "BT-115": _amount(from_cents(invoice.total_incl_vat_cents)),
        "BG-25": [_facturx_line(line) for line in invoice.lines],
    }
    if seller.get("iban"):
        data["BT-84"] = seller["iban"]
        if seller.get("bic"):
            data["BT-86"] = seller["bic"]
    if seller.get("vat_on_debits"):
        data["BT-8"] = "invoice"  # VAT due on the invoice date (option for debits)
    elif invoice.operation_type is OperationType.SERVICES:
        data["BT-8"] = "payment"  # services: VAT due when paid, unless the coop opted
    if invoice.purchase_order:
        data["BT-13"] = invoice.purchase_order
    if invoice.is_credit_note and invoice.credited_invoice is not None:
        original = invoice.credited_invoice
        data["BG-3"] = [{"BT-25": original.number, "BT-26": original.issue_date}]
    elif deposits := deducted_deposits(object_session(invoice), invoice):
        # The balance of a quote names the deposit invoices it deducts (preceding invoices).
        data["BG-3"] = [{"BT-25": d.number, "BT-26": d.issue_date} for d in deposits]
    if invoice.notes:
        data["BG-1"].append({"BT-22": invoice.notes[:1000]})
    return data


def _type_code(invoice: Invoice) -> str:
    """UNTDID 1001: a credit note 381, a deposit on a quote 386 (prepayment invoice), any
    other invoice 380."""
    if invoice.is_credit_note:
        return "381"
    return "386" if invoice.is_deposit else "380"


def _facturx_line(line) -> dict:
    unit_price = from_cents(line.unit_price_cents)
    result = {
        "BT-126": str(line.position),
        "BT-153": line.description[:500],
        "BT-129": f"{line.quantity.normalize():f}",
        "BT-130": line.unit,
        "BT-146": _amount(unit_price),
        "BT-131": _amount(from_cents(line.net_cents)),
        "BT-151": "S" if line.vat_rate else "Z",
        "BT-152": _amount(line.vat_rate),
    }
    gross = unit_price * line.quantity
    allowance = gross - from_cents(line.net_cents)
    if line.discount_percent and allowance > 0:
        # The line's discount as an allowance, so that BT-131 = qty × price − allowance.
        result["BG-27"] = [
            {
                "amount": _amount(allowance.quantize(Decimal("0.01"))),
                "base_amount": _amount(gross.quantize(Decimal("0.01"))),
                "rate": _amount(line.discount_percent),
                "reason": "Remise",
            }
        ]
    return result


def facturx_xml(invoice: Invoice) -> bytes:
    """The CII XML, checked against the Factur-X EN 16931 XSD (raises if it does not pass)."""
    return generate_xml(
        facturx_data(invoice), flavor="factur-x", level=FACTURX_LEVEL, check_schematron=False
    )


def render_html(invoice: Invoice, seller: dict, buyer: dict) -> str:
    """Rendered by Jinja alone, without Flask's context processors, which read the request:
    a command (the automatic reminders) attaches the PDF too."""
    # A French invoice is written in French, whatever the reader's language.
    with force_locale("fr"):
        return current_app.jinja_env.get_template("sales/pdf.html").render(
            invoice=invoice,
            seller=seller,
            buyer=buyer,
            breakdown=vat_breakdown(invoice),
            recovery_indemnity=RECOVERY_INDEMNITY,
        )


def pdf_from_html(html: str) -> bytes:
    """An A4 PDF/A-3b of a document's HTML, with the fonts and images it names from static/."""
    return HTML(string=html, base_url=current_app.static_folder).write_pdf(pdf_variant="pdf/a-3b")


def render_pdf(invoice: Invoice, seller: dict, buyer: dict) -> bytes:
    """PDF/A-3b; for an issued invoice, a Factur-X with its XML embedded."""
    pdf = pdf_from_html(render_html(invoice, seller, buyer))
    if not invoice.status.is_issued:
        return pdf
    return generate_from_binary(
        pdf,
        facturx_xml(invoice),
        flavor="factur-x",
        level=FACTURX_LEVEL,
        check_xsd=False,  # checked once when the XML was built
        lang="fr-FR",
    )


def pdf_filename(invoice: Invoice) -> str:
    if invoice.number:
        return f"{invoice.number}.pdf"
    return f"brouillon-{invoice.id}.pdf"
