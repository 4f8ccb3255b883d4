"""Reading a receipt: the date, total incl. VAT, VAT by rate, supplier and SIRET that a photo
or a PDF shows, as suggestions the person confirms (pure Python and programs: no web, no
database).

How each kind of file is read, surest first:
- **Factur-X / ZUGFeRD PDF** (`source="facturx"`): its XML, exactly (confidence 1) when its
  amounts are consistent (portal/reading/facturx.py), but for a date, total, VAT or SIRET
  that the page's text contradicts: no suggestion for those, the person reads the invoice
  and types them. When the XML's amounts do not add up, the page's text
  arbitrates: the total and the VAT are suggested only where the text shows the same; the
  date and the SIRET only if the text does not contradict them (a text that shows dates or
  a SIRET, none of them the XML's); the supplier's name is kept.
- **PDF with a text layer** (`"text"`): its text, by the French rules of
  portal/reading/french.py.
- **Photo, or a PDF that is only a scan** (`"ocr"`): Tesseract's text (portal/reading/ocr.py),
  by the same rules, every confidence scaled down; a date or total missing is looked for
  again in the photo sharpened.
Anything else, an unreadable file, a photo of no receipt: no suggestion, never an error."""

import io
import logging
from dataclasses import replace
from datetime import date
from decimal import Decimal

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from portal.dates import paris_today
from portal.reading import french, ocr
from portal.reading.facturx import attached_xml, read_invoice_xml
from portal.reading.suggestions import NOTHING, RATES, SOURCES, Suggestions, rate_key
from portal.uploads import MAX_UPLOAD_BYTES, sniff

__all__ = ["NOTHING", "RATES", "SOURCES", "Suggestions", "rate_key", "read_document"]

log = logging.getLogger(__name__)

PDF_PAGES_READ = 3
MAX_TEXT_CHARS = 100_000
# Fewer letters than this on the pages: a scan in a PDF envelope, read by OCR.
MIN_TEXT_LETTERS = 20
OCR_SURENESS = 0.85
CHECKED_SURENESS = 0.9  # an inconsistent XML's field that the text confirms


def read_document(data: bytes, content_type: str | None = None, today: date | None = None):
    """The suggestions for a receipt's file; `Suggestions()` (empty) when nothing is read.
    The file's kind is taken from its bytes; `content_type` is only what the sender said."""
    today = today or paris_today()
    if not data or len(data) > MAX_UPLOAD_BYTES:
        return NOTHING
    kind = sniff(data)
    try:
        if kind == "pdf":
            return _read_pdf(data, today)
        if kind in ("jpeg", "png", "heif"):
            return _read_photo(data, today)
    except ocr.OcrUnavailable as missing:
        log.warning("OCR unavailable (%s): install tesseract-ocr and tesseract-ocr-fra", missing)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
        log.info("unreadable %s (%s)", kind, content_type, exc_info=True)
    return NOTHING


def _read_photo(data: bytes, today: date) -> Suggestions:
    """Tesseract reads the prepared photo; when the date or the total is missing, it reads
    the photo sharpened too, whose fields fill only the ones the first reading lacks."""
    picture = ocr.prepared(data)
    if picture is None:
        return NOTHING
    reading = _parse_ocr(ocr.image_text(picture), today)
    if reading.date is None or reading.total is None:
        reading = _completed(reading, _parse_ocr(ocr.image_text(ocr.sharpened(picture)), today))
    return reading


def _parse_ocr(text: str, today: date) -> Suggestions:
    return french.parse_text(text, "ocr", today, OCR_SURENESS) if text.strip() else NOTHING


def _completed(reading: Suggestions, other: Suggestions) -> Suggestions:
    """The reading with its missing fields taken from another reading of the same file."""
    if reading.empty:
        return other
    missing = [
        name
        for name in ("date", "total", "vat", "supplier", "siret")
        if getattr(reading, name) in (None, {}) and getattr(other, name) not in (None, {})
    ]
    confidence = {**reading.confidence}
    confidence.update({name: other.confidence[name] for name in missing})
    return replace(
        reading, confidence=confidence, **{name: getattr(other, name) for name in missing}
    )


def _read_pdf(data: bytes, today: date) -> Suggestions:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        return NOTHING
    pages = reader.pages[:PDF_PAGES_READ]
    text = "\n".join(page.extract_text() or "" for page in pages)[:MAX_TEXT_CHARS]
    has_text = sum(char.isalpha() for char in text) >= MIN_TEXT_LETTERS
    from_text = french.parse_text(text, "text", today) if has_text else None
    xml = attached_xml(reader)
    invoice = read_invoice_xml(xml) if xml else None
    if invoice is not None:
        if invoice.consistent:
            return _uncontradicted(_sure(invoice.suggestions), text, from_text, today)
        return _checked_against_text(invoice.suggestions, text, from_text, today)
    if from_text is not None:
        return from_text
    return _read_scan(pages, today)


def _read_scan(pages, today: date) -> Suggestions:
    """A scanned PDF: its first page's largest picture, through OCR."""
    images = [image for image in pages[0].images] if pages else []
    if not images:
        return NOTHING
    largest = max(images, key=lambda image: len(image.data))
    return _read_photo(largest.data, today)


def _present(suggestions: Suggestions, name: str) -> bool:
    value = getattr(suggestions, name)
    return value is not None and value != {}


def _sure(xml: Suggestions) -> Suggestions:
    names = ("date", "total", "vat", "supplier", "siret")
    return Suggestions(
        source="facturx",
        date=xml.date,
        total=xml.total,
        vat=xml.vat,
        supplier=xml.supplier,
        siret=xml.siret,
        confidence={name: 1.0 for name in names if _present(xml, name)},
    )


def _uncontradicted(
    xml: Suggestions, text: str, from_text: Suggestions | None, today: date
) -> Suggestions:
    """A consistent XML, less what its own page contradicts: a date when the page shows
    dates and none is the XML's, a total, VAT or SIRET when the page shows another. The
    person then types it, reading the invoice (the supplier's name is kept: pages write it
    their own way)."""
    lines = [french.plain(line) for line in text.splitlines()]
    text_dates = {found for line in lines for found in french.dates_in(line, today)}
    contradicted = set()
    if xml.date and text_dates and xml.date not in text_dates:
        contradicted.add("date")
    if from_text is not None:
        if from_text.total is not None and xml.total is not None and from_text.total != xml.total:
            contradicted.add("total")
        if from_text.vat and xml.vat and not _same_vat(xml.vat, from_text.vat):
            contradicted.add("vat")
        if from_text.siret and xml.siret and from_text.siret != xml.siret:
            contradicted.add("siret")
    if not contradicted:
        return xml
    cleared = {name: {} if name == "vat" else None for name in contradicted}
    confidence = {k: v for k, v in xml.confidence.items() if k not in contradicted}
    return replace(xml, confidence=confidence, **cleared)


def _checked_against_text(
    xml: Suggestions, text: str, from_text: Suggestions | None, today: date
) -> Suggestions:
    """An XML whose amounts do not add up, field by field against the page's text."""
    lines = [french.plain(line) for line in text.splitlines()]
    text_dates = {found for line in lines for found in french.dates_in(line, today)}
    text_digits = "".join(char for char in text if char.isdigit())
    text_siret = from_text.siret if from_text else None
    kept: dict = {}
    confidence: dict[str, float] = {}

    def keep(name, value, sure):
        if value is not None and value != {}:
            kept[name], confidence[name] = value, sure

    if from_text is not None:
        if xml.total is not None and xml.total == from_text.total:
            keep("total", xml.total, CHECKED_SURENESS)
        if xml.vat and _same_vat(xml.vat, from_text.vat):
            keep("vat", xml.vat, CHECKED_SURENESS)
    if xml.date and (not text_dates or xml.date in text_dates):
        keep("date", xml.date, CHECKED_SURENESS if xml.date in text_dates else 0.7)
    if xml.siret and (text_siret is None or xml.siret in text_digits):
        keep("siret", xml.siret, CHECKED_SURENESS if xml.siret in text_digits else 0.7)
    keep("supplier", xml.supplier, 0.7)
    return Suggestions(source="facturx", confidence=confidence, **kept)


def _same_vat(first: dict[Decimal, Decimal], second: dict[Decimal, Decimal]) -> bool:
    return {rate_key(r): a for r, a in first.items()} == {rate_key(r): a for r, a in second.items()}
