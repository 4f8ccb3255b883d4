"""The EN 16931 (CII) XML that a Factur-X or ZUGFeRD 2 PDF carries, read exactly.

The XML is found among the PDF's attachments by pypdf and parsed without entities, DTDs or
network (a supplier's file is untrusted). Its amounts are *consistent* when they add up:
the grand total is the base plus the VAT total, the VAT lines add up to the VAT total, and
each line's VAT is its base × its rate, to the cent."""

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree
from pypdf import PdfReader

from portal.reading.suggestions import Suggestions

# The names Factur-X, ZUGFeRD 2 and XRechnung give the attached XML.
XML_NAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml")
MAX_XML_BYTES = 5 * 1024 * 1024
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class InvoiceXml:
    suggestions: Suggestions  # every field the XML states, confidence 1
    consistent: bool


def attached_xml(reader: PdfReader) -> bytes | None:
    """The Factur-X / ZUGFeRD XML attached to the PDF, or None."""
    attachments = reader.attachments
    for name, contents in attachments.items():
        if name.lower() in XML_NAMES and contents and len(contents[0]) <= MAX_XML_BYTES:
            return contents[0]
    return None


def _first(root, path: str):
    found = root.xpath(path)
    return found[0] if found else None


def _text(root, path: str) -> str | None:
    node = _first(root, path)
    text = node.text if node is not None and not isinstance(node, str) else node
    return text.strip() if text and text.strip() else None


def _amount(root, path: str) -> Decimal | None:
    text = _text(root, path)
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _local(name: str) -> str:
    return "/".join(f"*[local-name()='{part}']" for part in name.split("/"))


def read_invoice_xml(data: bytes) -> InvoiceXml | None:
    """The suggestions of a CII invoice, or None if the bytes are not one."""
    try:
        root = etree.parse(io.BytesIO(data), _PARSER).getroot()
    except etree.XMLSyntaxError:
        return None
    if etree.QName(root).localname != "CrossIndustryInvoice":
        return None
    settlement = _first(
        root, "./" + _local("SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement")
    )
    seller = _first(
        root, "./" + _local("SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement")
        + "/" + _local("SellerTradeParty")
    )  # fmt: skip
    summation = "./" + _local("SpecifiedTradeSettlementHeaderMonetarySummation") + "/"
    total = basis = tax_total = None
    vat: dict[Decimal, Decimal] = {}
    lines_consistent = True
    if settlement is not None:
        total = _amount(settlement, summation + _local("GrandTotalAmount"))
        basis = _amount(settlement, summation + _local("TaxBasisTotalAmount"))
        tax_total = _amount(settlement, summation + _local("TaxTotalAmount"))
        for tax in settlement.xpath("./" + _local("ApplicableTradeTax")):
            rate = _amount(tax, "./" + _local("RateApplicablePercent"))
            line_vat = _amount(tax, "./" + _local("CalculatedAmount"))
            line_basis = _amount(tax, "./" + _local("BasisAmount"))
            if rate is None or line_vat is None:
                lines_consistent = False
                continue
            if line_basis is not None and abs(line_basis * rate / 100 - line_vat) > CENT:
                lines_consistent = False
            if rate:
                key = Decimal(f"{rate.normalize():f}")  # 20.00 → 20, 5.50 → 5.5
                vat[key] = vat.get(key, Decimal(0)) + line_vat
    consistent = (
        total is not None
        and lines_consistent
        and (basis is None or tax_total is None or basis + tax_total == total)
        and (tax_total is None or not vat or sum(vat.values()) == tax_total)
    )
    issued = _text(root, "./" + _local("ExchangedDocument/IssueDateTime/DateTimeString"))
    supplier = _text(seller, "./" + _local("Name")) if seller is not None else None
    siret = _siret(seller) if seller is not None else None
    suggestions = Suggestions(
        source="facturx",
        date=_date(issued),
        total=total,
        vat={rate: amount.quantize(CENT) for rate, amount in vat.items()},
        supplier=supplier[:200] if supplier else None,
        siret=siret,
    )
    return InvoiceXml(suggestions, consistent)


def _date(text: str | None) -> date | None:
    """Format 102 (YYYYMMDD), the one EN 16931 allows."""
    try:
        return datetime.strptime(text, "%Y%m%d").date() if text else None
    except ValueError:
        return None


def _siret(seller) -> str | None:
    """The seller's SIRET: an identifier under scheme 0009 (a SIREN is scheme 0002)."""
    for node in seller.xpath(
        ".//*[(local-name()='ID' or local-name()='GlobalID') and @schemeID='0009']"
    ):
        digits = (node.text or "").replace(" ", "")
        if len(digits) == 14 and digits.isdigit():
            return digits
    return None
