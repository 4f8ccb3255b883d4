"""The coop's invoice settings (number patterns, bank details, payment terms, VAT on debits)
set by an admin, and how they reach the PDF and the Factur-X XML."""

import io
from datetime import date

import pytest
from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import select

from portal.coop.models import CoopSettings
from portal.dates import paris_today
from portal.db import utcnow
from portal.sales.models import Invoice
from portal.sales.services import submit_invoice, validate_invoice
from tests.helpers import draft_credit_note, login, submit_then_validate
from tests.web.sales.test_documents import NS, text
from tests.web.test_coop_settings import VALID

INVOICE_SETTINGS = {
    **VALID,
    "invoice_number_pattern": "FAC-{year}-{number:04}",
    "credit_note_number_pattern": "AV-{year}-{number:04}",
    "iban": "fr76 3000 6000 0112 3456 7890 189",
    "bic": "agrifrpp",
    "late_penalty_terms": "Pénalités de retard : 3 fois le taux d'intérêt légal.",
    "early_payment_terms": "Escompte de 1 % pour paiement sous 8 jours.",
    "vat_on_debits": "y",
}


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_admin_settings_reach_the_pdf_and_the_facturx_xml(
    client, admin, staff, entrepreneur, make_invoice, db_session
):
    login(client, admin.email)
    assert client.post("/admin/settings", data=INVOICE_SETTINGS).status_code == 303
    page = client.get("/admin/settings").text
    assert 'value="FR7630006000011234567890189"' in page and "checked" in page
    client.post("/logout")
    invoice = make_invoice()
    submit_invoice(db_session, invoice, utcnow())
    db_session.commit()
    login(client, staff.email)
    assert (
        client.post(f"/invoices/{invoice.id}/validate", data={"confirmed": "1"}).status_code == 303
    )
    db_session.refresh(invoice)
    assert invoice.number == f"FAC-{paris_today().year}-0001"
    data = client.get(f"/invoices/{invoice.id}/pdf").data
    page = pdf_text(data)
    for mention in (
        invoice.number,
        "IBAN FR7630006000011234567890189",
        "BIC AGRIFRPP",
        "3 fois le taux d'intérêt légal",
        "Escompte de 1 % pour paiement sous 8 jours",
        "Option pour le paiement de la taxe d'après les débits",
    ):
        assert mention in page, mention
    _name, xml = get_xml_from_pdf(data, check_xsd=True)
    root = etree.fromstring(xml)
    assert text(root, "//rsm:ExchangedDocument/ram:ID") == invoice.number
    assert text(root, "//ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == (
        "FR7630006000011234567890189"
    )
    assert text(root, "//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID") == "AGRIFRPP"
    notes = {
        note.findtext("ram:SubjectCode", namespaces=NS): note.findtext("ram:Content", namespaces=NS)
        for note in root.xpath("//rsm:ExchangedDocument/ram:IncludedNote", namespaces=NS)
    }
    assert notes["PMD"] == INVOICE_SETTINGS["late_penalty_terms"]
    assert notes["AAB"] == INVOICE_SETTINGS["early_payment_terms"]
    # Option for debits: VAT falls due on the invoice date (code 5), not on payment (72).
    assert text(root, "//ram:ApplicableTradeTax/ram:DueDateTypeCode") == "5"


def test_services_without_the_debits_option_say_vat_on_receipts(logged_in, issued_invoice):
    data = logged_in.get(f"/invoices/{issued_invoice.id}/pdf").data
    assert "TVA acquittée sur les encaissements" in pdf_text(data)
    root = etree.fromstring(get_xml_from_pdf(data, check_xsd=True)[1])
    assert text(root, "//ram:ApplicableTradeTax/ram:DueDateTypeCode") == "72"


def _snapshot(db_session) -> dict:
    db_session.expire_all()
    settings = db_session.get(CoopSettings, 1)
    return {column.name: getattr(settings, column.name) for column in CoopSettings.__table__.c}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iban": "FR7630006000011234567890188"}, "Cet IBAN n'est pas valide"),
        ({"iban": "FR76 3000"}, "Cet IBAN n'est pas valide"),
        ({"bic": "AGRI-FR"}, "Un BIC compte 8 ou 11 caractères"),
        ({"invoice_number_pattern": "F-{number:05}"}, "Le modèle doit contenir {year} et {number}"),
        ({"invoice_number_pattern": "F {year} {number}"}, "35 lettres, chiffres"),
        ({"credit_note_number_pattern": "F{year}-{number:05}"}, "commencer différemment"),
        ({"late_penalty_terms": ""}, "Ce champ est requis"),
    ],
)
def test_bad_invoice_settings_are_refused_and_nothing_changes(
    client, admin, db_session, changes, message
):
    login(client, admin.email)
    assert client.post("/admin/settings", data=INVOICE_SETTINGS).status_code == 303
    before = _snapshot(db_session)
    response = client.post(
        "/admin/settings", data={**INVOICE_SETTINGS, "legal_name": "Autre nom", **changes}
    )
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert _snapshot(db_session) == before


def test_pattern_change_keeps_issued_numbers_and_the_count_of_the_year(
    client, admin, staff, make_invoice, coop, db_session
):
    year = date(2026, 11, 26).year

    def issue():
        invoice = make_invoice()
        submit_invoice(db_session, invoice, utcnow())
        validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
        db_session.commit()
        return invoice

    first, second = issue(), issue()
    login(client, admin.email)
    assert client.post("/admin/settings", data=INVOICE_SETTINGS).status_code == 303
    db_session.expire_all()
    third = issue()
    db_session.expire_all()
    numbers = db_session.scalars(select(Invoice.number).order_by(Invoice.id)).all()
    assert numbers == [f"F{year}-00001", f"F{year}-00002", f"FAC-{year}-0003"]
    assert [first.number_sequence, second.number_sequence, third.number_sequence] == [1, 2, 3]


def test_a_pattern_bringing_back_an_issued_number_is_refused_without_a_gap(
    client, admin, entrepreneur, staff, issued_invoice, db_session
):
    # The admin swaps the letters: credit notes would now be numbered like invoices were.
    login(client, admin.email)
    swapped = {
        **INVOICE_SETTINGS,
        "invoice_number_pattern": "A{year}-{number:05}",
        "credit_note_number_pattern": "F{year}-{number:05}",
    }
    assert client.post("/admin/settings", data=swapped).status_code == 303
    client.post("/logout")
    login(client, entrepreneur.email)
    credit = draft_credit_note(client, db_session, issued_invoice)
    response = submit_then_validate(client, credit, staff)
    assert f"Le numéro {issued_invoice.number} est déjà utilisé" in response.text
    db_session.expire_all()
    assert credit.number is None
    client.post("/logout")
    login(client, admin.email)
    assert client.post("/admin/settings", data=INVOICE_SETTINGS).status_code == 303
    client.post("/logout")
    login(client, staff.email)
    client.post(f"/invoices/{credit.id}/validate", data={"confirmed": "1"})
    db_session.expire_all()
    assert credit.number_sequence == 1  # the refused attempt left no gap
    assert credit.number.startswith("AV-")
