"""Reading receipts: Factur-X exactly from its XML, a PDF from its text, a photo by OCR (Debian's
Tesseract), French receipts' wording, and bad files that suggest nothing without an error.

The samples in tests/reference/receipts/ were made by bench/receipts/make_set.py --samples;
each has its truth beside it."""

import io
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from facturx import generate_from_binary
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from portal.reading import NOTHING, _completed, read_document
from portal.reading.facturx import attached_xml, read_invoice_xml
from portal.reading.french import amounts_in, parse_text

SAMPLES = Path(__file__).resolve().parent.parent / "reference" / "receipts"
TODAY = date(2026, 12, 1)
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr tesseract-ocr-fra"
)


def sample(name: str) -> tuple[bytes, dict]:
    path = SAMPLES / name
    return path.read_bytes(), json.loads(path.with_suffix(".json").read_text())


def read(data: bytes) -> dict:
    return read_document(data, None, TODAY).as_json()


def the_fields(reading: dict) -> dict:
    return {name: reading[name] for name in ("date", "total", "vat", "supplier", "siret")}


# --- the three kinds of file --------------------------------------------------------------


def test_a_facturx_pdf_is_read_exactly_from_its_xml():
    data, truth = sample("facturx.pdf")
    reading = read(data)
    assert the_fields(reading) == the_fields(truth)
    assert reading["source"] == "facturx"
    assert reading["confidence"] == dict.fromkeys(
        ("date", "total", "vat", "supplier", "siret"), 1.0
    )


def test_a_text_pdf_is_read_from_its_text():
    data, truth = sample("text.pdf")
    reading = read(data)
    assert reading["source"] == "text"
    for name in ("date", "total", "vat", "siret"):
        assert reading[name] == truth[name], name
    assert reading["supplier"].upper() == truth["supplier"].upper()
    assert all(0 < sure < 1 for sure in reading["confidence"].values())


@needs_tesseract
def test_a_photo_is_read_by_ocr_with_less_sureness():
    data, truth = sample("photo.jpg")
    reading = read(data)
    assert reading["source"] == "ocr"
    assert (reading["date"], reading["total"]) == (truth["date"], truth["total"])
    assert reading["vat"] == truth["vat"]
    assert reading["confidence"]["total"] < 1


@needs_tesseract
def test_a_second_reading_fills_only_the_fields_the_first_lacks():
    first = parse_text("SUPER U\nTOTAL TTC 12,00\n", "ocr", TODAY, 0.85)
    second = parse_text("SUPER V\nDate : 03/11/2026\nTOTAL TTC 72,00\n", "ocr", TODAY, 0.85)
    reading = _completed(first, second)
    assert (reading.date, reading.total, reading.supplier) == (
        date(2026, 11, 3),
        Decimal("12.00"),
        "SUPER U",
    )
    assert reading.confidence["date"] == second.confidence["date"]
    assert _completed(NOTHING, second) == second


def test_a_scanned_pdf_is_read_by_ocr_from_its_picture():
    photo, truth = sample("photo.jpg")
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo)).save(buffer, "PDF", resolution=150)
    reading = read(buffer.getvalue())
    assert reading["source"] == "ocr"
    assert (reading["date"], reading["total"]) == (truth["date"], truth["total"])


# --- an XML that the page's text contradicts ----------------------------------------------


def facturx_with_page(xml: bytes, page_html: str) -> bytes:
    pdf = HTML(string=page_html).write_pdf(pdf_variant="pdf/a-3b")
    return generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=False)


def sample_xml() -> bytes:
    data, _truth = sample("facturx.pdf")
    return attached_xml(PdfReader(io.BytesIO(data)))


def test_a_consistent_xml_suggests_nothing_its_page_contradicts():
    xml = sample_xml()
    _data, truth = sample("facturx.pdf")
    page = "<p>Hôtel Autre</p><p>Date : 01/01/2026</p><p>TOTAL TTC 999,99</p>"
    reading = read(facturx_with_page(xml, page))
    assert reading["source"] == "facturx"
    assert (reading["date"], reading["total"]) == (None, None)
    assert "date" not in reading["confidence"] and "total" not in reading["confidence"]
    assert reading["supplier"] == truth["supplier"]


def test_a_consistent_xml_whose_page_agrees_is_read_whole():
    xml, truth = sample_xml(), sample("facturx.pdf")[1]
    day = date.fromisoformat(truth["date"])
    total = truth["total"].replace(".", ",")
    page = f"<p>{truth['supplier']}</p><p>Date : {day:%d/%m/%Y}</p><p>TOTAL TTC {total}</p>"
    reading = read(facturx_with_page(xml, page))
    assert the_fields(reading) == the_fields(truth)
    assert reading["confidence"]["total"] == 1.0


def inconsistent_xml() -> tuple[bytes, dict]:
    """The sample's XML whose grand total no longer adds up (base + VAT + 10 €)."""
    xml, truth = sample_xml(), sample("facturx.pdf")[1]
    total = truth["total"]
    wrong = f"{Decimal(total) + 10:.2f}"
    changed = xml.replace(
        f"<ram:GrandTotalAmount>{total}</ram:GrandTotalAmount>".encode(),
        f"<ram:GrandTotalAmount>{wrong}</ram:GrandTotalAmount>".encode(),
    )
    assert changed != xml
    assert read_invoice_xml(changed).consistent is False
    return changed, truth


def test_an_inconsistent_xml_contradicted_by_its_page_suggests_no_total():
    xml, truth = inconsistent_xml()
    day = date.fromisoformat(truth["date"])
    total = truth["total"].replace(".", ",")
    page = f"<p>{truth['supplier']}</p><p>Date : {day:%d/%m/%Y}</p><p>TOTAL TTC {total}</p>"
    reading = read(facturx_with_page(xml, page))
    assert reading["total"] is None
    assert "total" not in reading["confidence"]
    assert reading["date"] == truth["date"]  # the page shows the XML's date
    assert reading["supplier"] == truth["supplier"]


def test_an_inconsistent_xml_whose_date_the_page_contradicts_suggests_no_date():
    xml, _truth = inconsistent_xml()
    page = "<p>Facture du fournisseur</p><p>Date : 03/02/2025</p><p>TOTAL TTC 1,00</p>"
    reading = read(facturx_with_page(xml, page))
    assert (reading["date"], reading["total"], reading["vat"]) == (None, None, {})


def test_an_inconsistent_xml_keeps_the_amounts_its_page_confirms():
    xml, truth = inconsistent_xml()
    vat_lines = "".join(
        f"<p>TVA {rate.replace('.', ',')} % : {vat.replace('.', ',')}</p>"
        for rate, vat in truth["vat"].items()
    )
    total = truth["total"].replace(".", ",")
    page = f"<p>{truth['supplier']}</p><p>TOTAL TTC {total}</p>{vat_lines}"
    reading = read(facturx_with_page(xml, page))
    assert reading["vat"] == truth["vat"]
    assert reading["confidence"]["vat"] < 1


def test_the_xml_is_parsed_without_resolving_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    xml = sample_xml().decode()
    start = xml.index("?>") + 2
    hostile = (
        xml[:start]
        + f'<!DOCTYPE x [<!ENTITY leak SYSTEM "file://{secret}">]>'
        + xml[start:].replace("<ram:Name>", "<ram:Name>&leak;", 1)
    )
    reading = read_invoice_xml(hostile.encode())
    assert reading is not None
    assert "TOP SECRET" not in (reading.suggestions.supplier or "")


# --- French wording -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Date : 12/03/2026", date(2026, 3, 12)),
        ("le 12.03.26 à 14:32", date(2026, 3, 12)),
        ("Lyon, le 1er mars 2026", date(2026, 3, 1)),
        ("12 févr. 2026", date(2026, 2, 12)),
        ("Emis le 2026-03-12", date(2026, 3, 12)),
        ("05-07-2026 10:00", date(2026, 7, 5)),
        ("Date : 15/1 0/2026 10:27", date(2026, 10, 15)),  # OCR split a digit pair
    ],
)
def test_french_dates_are_read(line, expected):
    assert parse_text(line, "text", TODAY).date == expected


def test_a_date_after_next_year_or_impossible_is_not_a_date():
    assert parse_text("31/02/2026 01/01/2099", "text", TODAY).date is None


def test_amounts_use_comma_decimals_and_spaced_thousands_and_skip_rates_and_dates():
    line = "TOTAL 1 234,56 dont TVA 20,00 % 205,76 le 12.03.26 à 12:30 soit 3.50"
    assert amounts_in(line) == [Decimal("1234.56"), Decimal("205.76"), Decimal("3.50")]


@pytest.mark.parametrize("label", ["TOTAL TTC", "NET A PAYER", "Net à payer", "MONTANT TTC"])
def test_the_total_line_is_found_before_excl_vat_and_payment_lines(label):
    text = f"TOTAL HT 10,00\nTVA 20 % 2,00\n{label} 12,00\nCB 50,00\n"
    reading = parse_text(text, "text", TODAY)
    assert reading.total == Decimal("12.00")
    assert reading.vat == {Decimal("20"): Decimal("2.00")}


def test_vat_lines_of_every_rate_are_read_from_a_table():
    text = (
        "Taux   HT    TVA   TTC\n"
        "20,00% 8,33  1,67  10,00\n"
        "10,00% 10,00 1,00  11,00\n"
        "5,50%  9,48  0,52  10,00\n"
        "2,10%  9,79  0,21  10,00\n"
        "TOTAL TTC 41,00\n"
    )
    reading = parse_text(text, "text", TODAY)
    assert reading.as_json()["vat"] == {"20": "1.67", "10": "1.00", "5.5": "0.52", "2.1": "0.21"}
    assert reading.total == Decimal("41.00")
    assert reading.confidence["total"] > 0.95  # the VAT lines add up to it


def test_a_total_the_payment_line_repeats_is_kept_over_an_incomplete_vat_table():
    # The second VAT line's rate is misread: the table adds up to the first line only.
    text = "TOTAL TTC 189,61\nCB 189,61\nTaux HT TVA TTC\n20,00% 6,44 1,29 7,73\n0,0% 1 2 3\n"
    assert parse_text(text, "ocr", TODAY).total == Decimal("189.61")


def test_without_a_total_line_a_base_and_its_vat_give_the_total():
    text = "CAFE MOULU 250G 31,69\nTOTAL HT 44,74\nTVA 5,59 % 2,46\nTOTAL FC |\n"
    reading = parse_text(text, "ocr", TODAY)
    assert reading.total == Decimal("47.20")
    assert parse_text("CAFE 31,69\nTOTAL HT 44,74\nTVA 3,00\n", "ocr", TODAY).total is None
    # 5,83 x 20 % is 1,166: the VAT taken out of 6,99 incl. VAT reads 1,16.
    assert parse_text("TOTAL HT 5,83\nTVA 1,16\nA PAYER nissan\n", "ocr", TODAY).total == Decimal(
        "6.99"
    )


def test_a_siret_must_pass_the_luhn_check():
    assert parse_text("SIRET 732 829 320 00074", "text", TODAY).siret == "73282932000074"
    assert parse_text("SIRET 732 829 320 00075", "text", TODAY).siret is None


def test_the_supplier_is_the_first_line_that_reads_as_a_name():
    text = "FACTURE\n12 rue des Lilas\nBoulangerie Martin\n69003 Lyon\nTOTAL 3,00"
    assert parse_text(text, "text", TODAY).supplier == "Boulangerie Martin"


# --- bad files: nothing suggested, no error -----------------------------------------------


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"MZ\x90\x00not a receipt" * 50,
        b"%PDF-1.4\n%broken beyond repair",
        sample("photo.jpg")[0][:2000],  # a truncated JPEG
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    ],
    ids=["empty", "not-a-file-kind", "broken-pdf", "truncated-jpeg", "broken-png"],
)
def test_an_unreadable_file_suggests_nothing(data):
    assert read_document(data, "image/jpeg", TODAY) == NOTHING


@needs_tesseract
def test_a_photo_with_no_receipt_suggests_nothing():
    sky = Image.linear_gradient("L").resize((1200, 1600)).convert("RGB")
    assert read_document(png(sky), "image/png", TODAY).empty


def test_a_picture_of_too_many_pixels_is_not_decoded():
    # 7000 × 6000 of one colour: small on the wire, 42 megapixels once decoded.
    huge = png(Image.new("L", (7000, 6000), 255))
    assert read_document(huge, "image/png", TODAY) == NOTHING


def test_suggestions_as_json_give_money_as_strings_and_rates_as_the_form_names_them():
    reading = parse_text("TVA 5,5 % HT 10,00 TVA 0,55\nTOTAL TTC 10,55", "text", TODAY)
    assert reading.as_json()["vat"] == {"5.5": "0.55"}
    assert reading.as_json()["total"] == "10.55"
