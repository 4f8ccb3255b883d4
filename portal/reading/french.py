"""French receipts and invoices as text (a PDF's text layer or OCR's output) → suggestions.

The rules, each tried on the text's lines:
- **Date**: dd/mm/yyyy, dd.mm.yy, dd-mm-yyyy, yyyy-mm-dd or "12 mars 2026"; a date on a line
  that says "date" (not arrival, departure, due or validity) is preferred, else the first
  plausible one (a year from 2000 to next year).
- **Total incl. VAT**: the amount on a "NET A PAYER" / "TOTAL TTC" / "MONTANT TTC" / "A PAYER"
  line, else on a "TOTAL" line that is not excl. VAT nor the VAT's, else on the payment line
  (card, cash). Sure when the VAT lines add up to it.
- **VAT by rate** (20, 10, 5.5, 2.1 %): a line naming a rate whose amounts hold a base and its
  VAT (base × rate = VAT to the cent), or a total and its VAT; a "TVA 20 %" line with one
  amount only is a weaker guess.
- **SIRET**: 14 digits (spaces or dots allowed) that pass the Luhn check.
- **Supplier**: the first line near the top that reads as a name (not a title like
  "Facture", an address, a phone number or a date).
Amounts are Decimal, never float; comma or dot decimals, spaces or dots for thousands."""

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from portal.identifiers import is_valid_siret
from portal.reading.suggestions import RATES, Suggestions

_MONTHS = {
    "JANVIER": 1, "JANV": 1, "JAN": 1, "FEVRIER": 2, "FEVR": 2, "FEV": 2, "MARS": 3, "MAR": 3,
    "AVRIL": 4, "AVR": 4, "MAI": 5, "JUIN": 6, "JUILLET": 7, "JUIL": 7, "AOUT": 8,
    "SEPTEMBRE": 9, "SEPT": 9, "SEP": 9, "OCTOBRE": 10, "OCT": 10, "NOVEMBRE": 11, "NOV": 11,
    "DECEMBRE": 12, "DEC": 12,
}  # fmt: skip
# OCR splits a digit pair with a space ("15/1 0/2026"): a day or month may hold one.
_NUMERIC_DATE = re.compile(
    r"(?<![\d,.])(\d ?\d|\d) ?([/.\-]) ?(\d ?\d|\d) ?\2 ?(\d{4}|\d{2})(?![\d,])"
)
_ISO_DATE = re.compile(r"(?<!\d)(20\d{2})-(\d{2})-(\d{2})(?!\d)")
_WORD_DATE = re.compile(
    r"(?<!\d)(\d{1,2})(?:ER)? +(" + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\.? +(\d{4})(?!\d)"
)  # fmt: skip
_AMOUNT = re.compile(r"(?<![\d,.])(-?\d{1,3}(?:[ .]\d{3})+|-?\d+) ?[,.] ?(\d{2})(?![\d%])(?! ?%)")
_RATE = re.compile(r"(?<![\d,.])(20|10|5[,.]50?|2[,.]10?)(?:[,.]00?)?(?![\d,.]*\d)( ?%)?")
_SIRET = re.compile(r"(?<!\d)(\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{5})(?!\d)")
_ADDRESS = re.compile(
    r"\b(RUE|AVENUE|AV|BD|BOULEVARD|PLACE|CHEMIN|ROUTE|ALLEE|QUAI|IMPASSE|CEDEX|ZA|ZI)\b|"
    r"\b\d{5}\b|@|WWW|HTTP|TEL|FAX|\+33"
)
_NOT_A_NAME = re.compile(
    r"^(FACTURE|TICKET|RECU|DUPLICATA|BIENVENUE|MERCI|CLIENT|CAISSE|DATE|NOTE|ADDITION|"
    r"COPIE|SIRET|SIREN|TVA|N[O°]|BILLET|REF|CARTE|CB|TOTAL|MAGASIN)\b"
)
# OCR runs words together and reads TTC as TIC, TOTAL as ROTAL: the keywords allow it.
_SURE_TOTAL = re.compile(
    r"NET ?A ?PAYER|[TR]OTAL ?T[TI1]C|MONTANT ?T[TI1]C|TOTAL ?A ?PAYER|\bA ?PAYER|TOTAL ?EUR"
)
_TOTAL = re.compile(r"\b[TR]OTAL|\bMONTANT\b")
_NOT_TOTAL = re.compile(r"HT\b|H\.T|\bTVA\b|T\.V\.A|SOUS|REMISE|ARTICLE")
_PAYMENT = re.compile(r"\bCB\b|CARTE|ESPECES|PAIEMENT|REGLEMENT|VISA|MASTERCARD")
_DATE_LINE = re.compile(r"\bDATE\b|\bLE\b|\bEMIS")
_OTHER_DATE_LINE = re.compile(r"ARRIVEE|DEPART|ECHEANCE|VALIDIT|EXPIR|NAISSANCE|VOYAGE|ALLER")
_VAT_WORD = re.compile(r"TVA|T\.V\.A")
CENT = Decimal("0.01")
_OCR_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1"})
_DIGITISH = re.compile(r"(?<![A-Za-z])[\dOolI|]{1,4}[,.][\dOolI]{2}(?![A-Za-z])")


def plain(text: str) -> str:
    """Upper case without accents or repeated spaces: how the keywords are matched."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[ \t\u00a0\u202f]+", " ", text.upper()).strip()


def _fix_ocr_digits(line: str) -> str:
    """OCR reads a 0 as O and a 1 as l inside amounts; only amount-shaped words are fixed."""
    return _DIGITISH.sub(lambda match: match.group(0).translate(_OCR_DIGITS), line)


def parse_text(text: str, source: str, today: date, sureness: float = 1.0) -> Suggestions:
    """The suggestions a receipt's text holds; `sureness` scales every confidence (OCR's
    text is less sure than a PDF's)."""
    raw_lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [plain(_fix_ocr_digits(line)) if source == "ocr" else plain(line) for line in raw_lines]
    confidence: dict[str, float] = {}

    found_date, date_confidence = _find_date(lines, today)
    vat, bases, vat_confidence = _find_vat(lines)
    total, total_confidence = _find_total(lines)
    if vat and bases and len(bases) == len(vat):
        # The VAT lines' bases and VAT add up to the total: the surest check a receipt has.
        computed = sum(bases.values()) + sum(vat.values())
        if computed == total:
            total_confidence = vat_confidence = 0.98
        elif total is None or (
            _shown(computed, lines) and not _shown(total, lines, times=2)
        ):  # the total line misread, or none; a total the payment line repeats is kept
            total, total_confidence = computed, 0.85
    if total is None:
        total, total_confidence = _base_plus_vat(lines)
    if total is not None and vat and sum(vat.values()) >= total:
        vat, vat_confidence = {}, 0.0  # VAT cannot be the whole total: misread
    siret = _find_siret(lines)
    if not (found_date or total is not None or vat or siret):
        return Suggestions()  # a name alone is not a receipt (a poster, specks of dust)
    supplier = _find_supplier(raw_lines, lines)

    for name, value, sure in (
        ("date", found_date, date_confidence),
        ("total", total, total_confidence),
        ("vat", vat, vat_confidence),
        ("siret", siret, 0.95),
        ("supplier", supplier, 0.7),
    ):
        if value:
            confidence[name] = round(sure * sureness, 2)
    return Suggestions(
        source=source,
        date=found_date,
        total=total,
        vat=vat,
        supplier=supplier,
        siret=siret,
        confidence=confidence,
    )


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def dates_in(line: str, today: date) -> list[date]:
    found = []
    for match in _NUMERIC_DATE.finditer(line):
        day, month = (match.group(n).replace(" ", "") for n in (1, 3))
        found.append((match.start(), _year(match.group(4)), month, day))
    for match in _ISO_DATE.finditer(line):
        found.append((match.start(), int(match.group(1)), match.group(2), match.group(3)))
    for match in _WORD_DATE.finditer(line):
        found.append((match.start(), int(match.group(3)), _MONTHS[match.group(2)], match.group(1)))
    dates = []
    for _start, year, month, day in sorted(found):
        try:
            value = date(year, int(month), int(day))
        except ValueError:
            continue
        if 2000 <= value.year <= today.year + 1:
            dates.append(value)
    return dates


def _find_date(lines: list[str], today: date) -> tuple[date | None, float]:
    first = None
    for line in lines:
        dates = dates_in(line, today)
        if not dates:
            continue
        if _DATE_LINE.search(line) and not _OTHER_DATE_LINE.search(line):
            return dates[0], 0.95
        if first is None and not _OTHER_DATE_LINE.search(line):
            first = dates[0]
    return (first, 0.8) if first else (None, 0.0)


def _without_dates(line: str) -> str:
    line = _NUMERIC_DATE.sub(" ", line)
    line = _ISO_DATE.sub(" ", line)
    return re.sub(r"\b\d{1,2}[:H]\d{2}\b", " ", line)  # times: 12:30, 12H30


def amounts_in(line: str) -> list[Decimal]:
    """Every amount of a line, in order: "1 234,50" → 1234.50; rates ("20,00 %") excluded."""
    values = []
    for match in _AMOUNT.finditer(_without_dates(line)):
        units = re.sub(r"[ .]", "", match.group(1))
        try:
            values.append(Decimal(f"{units}.{match.group(2)}"))
        except InvalidOperation:
            continue
    return values


def _find_total(lines: list[str]) -> tuple[Decimal | None, float]:
    """The first amount of the surest kind of total line; a keyword alone on its line takes
    the amount on the next one."""
    for pattern, exclude, sure in (
        (_SURE_TOTAL, re.compile(r"\bHT\b|H\.T|TVA|T\.V\.A|SOUS"), 0.9),
        (_TOTAL, _NOT_TOTAL, 0.8),
        (_PAYMENT, re.compile(r"\bN[O°]\b|XXXX|\*\*\*"), 0.6),
    ):
        for index, line in enumerate(lines):
            if not pattern.search(line) or exclude.search(line):
                continue
            amounts = [a for a in amounts_in(line) if a > 0]
            if not amounts and index + 1 < len(lines):
                amounts = [a for a in amounts_in(lines[index + 1]) if a > 0]
            if amounts:
                return amounts[-1], sure
    return None, 0.0


def _shown(amount: Decimal, lines: list[str], times: int = 1) -> bool:
    """Whether `times` lines at least show the amount (a total and its card payment)."""
    return sum(amount in amounts_in(line) for line in lines) >= times


def _base_plus_vat(lines: list[str]) -> tuple[Decimal | None, float]:
    """No total line read: a base and its VAT on the next line (the VAT is the base times a
    French rate, within a cent: shops often take the VAT out of the rounded total) add up to
    the total, whatever their labels read as."""
    for line, following in pairwise(lines):
        for base in amounts_in(line)[-1:]:
            for amount in amounts_in(following)[-1:]:
                for rate in RATES:
                    error = abs((base * rate / 100).quantize(CENT) - amount)
                    if 0 < amount < base and error <= CENT:
                        return base + amount, 0.7
    return None, 0.0


def _rate_of(text: str) -> Decimal:
    value = Decimal(text.replace(",", "."))
    return next(rate for rate in RATES if rate == value)


def _find_vat(lines: list[str]) -> tuple[dict, dict, float]:
    """VAT by rate, the bases where the line shows them, and how sure the whole is."""
    vat: dict[Decimal, Decimal] = {}
    bases: dict[Decimal, Decimal] = {}
    sureness = []
    for line in lines:
        for match in _RATE.finditer(_without_dates(line)):
            rate = _rate_of(match.group(1))
            if rate in vat and rate in bases:
                continue
            rest = line[: match.start()] + " " + line[match.end() :]
            amounts = [a for a in amounts_in(rest) if a >= 0]
            pair = _base_and_vat(amounts, rate)
            if pair:
                bases[rate], vat[rate] = pair
                sureness.append(0.95)
            elif (
                match.group(2) and _VAT_WORD.search(line) and len(amounts) == 1 and rate not in vat
            ):
                vat[rate] = amounts[0]
                sureness.append(0.6)
            else:
                continue
            break
        else:
            _vat_by_arithmetic(line, vat, bases, sureness)
    ordered = {rate: vat[rate] for rate in RATES if rate in vat}
    return ordered, bases, (min(sureness) if sureness else 0.0)


def _vat_by_arithmetic(line: str, vat: dict, bases: dict, sureness: list) -> None:
    """A line whose rate was misread ("19,00%", "000%") still shows base, VAT and total:
    base + VAT = total, and VAT = base × one known rate, name the rate."""
    amounts = amounts_in(line)
    for base in amounts:
        for amount in amounts:
            if amount >= base or amount == 0 or base + amount not in amounts:
                continue
            for rate in RATES:
                if rate not in vat and (base * rate / 100).quantize(CENT) == amount:
                    vat[rate], bases[rate] = amount, base
                    sureness.append(0.9)
                    return


def _base_and_vat(amounts: list[Decimal], rate: Decimal) -> tuple[Decimal, Decimal] | None:
    """A base and its VAT among a line's amounts (base × rate, or total − total / (1 + rate),
    to the cent). When several fit (at 2.1 %, 10.00 × rate is 0.21 as 9.79 × rate is), the
    pair whose sum the line also shows wins, then the exact one, then the largest base."""
    cent = Decimal("0.01")
    fits = []
    for first in amounts:
        for second in amounts:
            if first is second or second > first or second == 0:
                continue
            for base in (first, first - second):
                error = abs((base * rate / 100).quantize(cent) - second)
                if error <= cent:
                    fits.append((base + second in amounts, error == 0, base, second))
    return max(fits)[2:] if fits else None


def _find_siret(lines: list[str]) -> str | None:
    for line in lines:
        for match in _SIRET.finditer(line):
            digits = re.sub(r"\D", "", match.group(1))
            if is_valid_siret(digits):
                return digits
    return None


def _find_supplier(raw_lines: list[str], lines: list[str]) -> str | None:
    for raw, line in list(zip(raw_lines, lines, strict=True))[:8]:
        # Specks read as a lone character before the name ("5 SUSHI SHOP") are dropped.
        name = re.sub(r"^(?:\S\s+)+", "", raw)
        name = re.sub(r"^[^\w]+|[^\w.)]+$", "", name).strip()
        letters = sum(char.isalpha() for char in name)
        if (
            letters >= 3
            and letters >= 0.6 * len(name.replace(" ", ""))
            and not _NOT_A_NAME.match(plain(name))
            and not _ADDRESS.search(line)
            and not dates_in(line, date(2100, 1, 1))
        ):
            return re.sub(r"\s+", " ", name)[:200]
    return None
