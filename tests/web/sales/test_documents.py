"""The invoice PDF: a PDF/A-3 Factur-X whose embedded XML matches the invoice."""

import io

from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader

from tests.helpers import draft_credit_note, login, submit_then_validate

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def text(root, path):
    return root.xpath(path, namespaces=NS)[0].text


def test_validated_invoice_pdf_embeds_facturx_xml_matching_the_invoice(logged_in, issued_invoice):
    response = logged_in.get(f"/invoices/{issued_invoice.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"{issued_invoice.number}.pdf" in response.headers["Content-Disposition"]
    filename, xml = get_xml_from_pdf(response.data, check_xsd=True)
    assert filename == "factur-x.xml"
    root = etree.fromstring(xml)
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == issued_invoice.number
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "380"
    issue = text(root, "//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    assert issue == issued_invoice.issue_date.strftime("%Y%m%d")
    due = text(root, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString")
    assert due == issued_invoice.due_date.strftime("%Y%m%d")
    summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/"
    assert text(root, summation + "ram:TaxBasisTotalAmount") == "1099.99"
    assert text(root, summation + "ram:TaxTotalAmount") == "205.50"  # 200.00 + 5.50
    assert text(root, summation + "ram:GrandTotalAmount") == "1305.49"
    assert text(root, "//ram:SellerTradeParty/ram:Name") == "Coopérative Test"
    assert (
        text(root, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID") == "FR44732829320"
    )
    assert text(root, "//ram:BuyerTradeParty/ram:Name") == "Client SAS"
    assert text(root, "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID") == "542107651"
    assert len(root.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)) == 2


def test_pdf_is_pdf_a_3_and_carries_every_mandatory_mention(logged_in, issued_invoice):
    data = logged_in.get(f"/invoices/{issued_invoice.id}/pdf").data
    reader = PdfReader(io.BytesIO(data))
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    page = " ".join(p.extract_text() for p in reader.pages)
    page = " ".join(page.split())
    for mention in (
        "Facture",
        issued_invoice.number,
        "Coopérative Test",
        "SIREN 732829320",
        "FR44732829320",
        "RCS Lyon",
        "Client SAS",
        "SIREN 542107651",
        "Traduction",
        "prestations de services",
        "Date d'échéance",
        "Pénalités de retard",
        "40 €",
        "Pas d'escompte",
        "TVA 20",
        "TVA 5,5",
        "FR7630006000011234567890189",
    ):
        assert mention in page, mention


def test_draft_pdf_is_marked_draft_and_has_no_facturx(logged_in, make_invoice):
    invoice = make_invoice()
    data = logged_in.get(f"/invoices/{invoice.id}/pdf").data
    text_ = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "BROUILLON" in text_
    assert not PdfReader(io.BytesIO(data)).attachments


def test_credit_note_xml_references_the_invoice(
    client, entrepreneur, staff, issued_invoice, db_session
):
    login(client, entrepreneur.email)
    credit = draft_credit_note(client, db_session, issued_invoice)
    submit_then_validate(client, credit, staff)
    _name, xml = get_xml_from_pdf(client.get(f"/invoices/{credit.id}/pdf").data, check_xsd=True)
    root = etree.fromstring(xml)
    assert text(root, "//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert (
        text(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == issued_invoice.number
    )
