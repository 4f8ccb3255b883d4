"""The receipts' accuracy set, made here and now from a seed (nothing downloaded, nothing
large committed): photographed till receipts drawn with Pillow, text PDFs and Factur-X PDFs
drawn by WeasyPrint, each with its truth beside it (`<name>.json`).

Kinds: shop, fuel, restaurant, hotel, train, each with its VAT rates (5.5 and 20 in a shop,
10 and 20 in a restaurant, 10 for a room or a train ticket, 20 for fuel); DejaVu's fonts
(Sans, Sans Mono, Serif, Condensed, bold); several ways to print the date, the total and the
VAT. Photos get the camera's troubles: a table under the receipt, rotation, perspective,
blur, noise, a shadow, crumples, JPEG compression.

    .venv/bin/python bench/receipts/make_set.py OUT_FOLDER [--count N] [--seed S]
    .venv/bin/python bench/receipts/make_set.py tests/reference/receipts --samples
"""

import argparse
import io
import json
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageMath

KINDS = ("shop", "fuel", "restaurant", "hotel", "train")
FONT_FOLDER = Path("/usr/share/fonts/truetype/dejavu")
FONTS = (
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSans.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerifCondensed.ttf",
)
CENT = Decimal("0.01")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")  # fmt: skip

SUPPLIERS = {
    "shop": ["SUPER U LES ARCADES", "CARREFOUR CITY", "Biocoop Croix-Rousse", "LIDL",
             "Monoprix Bellecour", "Intermarché Super", "Librairie Passages"],
    "fuel": ["STATION TOTALENERGIES", "ESSO EXPRESS", "AVIA Station du Lac",
             "Station BP Autoroute A7", "Intermarché Carburants"],
    "restaurant": ["Brasserie des Arts", "Le Bouchon Lyonnais", "Pizzeria Da Marco",
                   "Café de la Gare", "Restaurant Le Tilleul", "Sushi Shop"],
    "hotel": ["Hôtel Ibis Lyon Centre", "Hôtel du Parc", "Best Western Grand Hôtel",
              "Hôtel Le Méridien", "Auberge de la Vallée"],
    "train": ["SNCF Voyageurs", "TER Auvergne-Rhône-Alpes", "OUIGO", "Transdev Cars Région"],
}  # fmt: skip
ITEMS = {
    "shop": [("PAIN COMPLET", "5.5"), ("CAFE MOULU 250G", "5.5"), ("LAIT DEMI-ECREME", "5.5"),
             ("POMMES GOLDEN 1KG", "5.5"), ("CAHIER A4", "20"), ("PILES AA X4", "20"),
             ("RAMETTE PAPIER", "20"), ("STYLOS BILLE X10", "20"), ("EAU MINERALE 6X1,5L", "5.5")],
    "fuel": [("GAZOLE", "20"), ("SP95-E10", "20"), ("SP98", "20")],
    "restaurant": [("Menu du jour", "10"), ("Plat du jour", "10"), ("Café", "10"),
                   ("Dessert maison", "10"), ("Verre de vin", "20"), ("Bière pression", "20"),
                   ("Eau minérale", "10")],
    "hotel": [("Chambre double", "10"), ("Petit-déjeuner", "10"), ("Parking", "20")],
    "train": [("Billet Lyon Part-Dieu > Paris Gare de Lyon", "10"),
              ("Billet Grenoble > Lyon", "10"), ("Supplément bagage", "10")],
}  # fmt: skip
STREETS = ["12 rue des Lilas", "4 avenue Jean Jaurès", "18 bd de la Croix-Rousse",
           "ZA des Platières", "2 place Bellecour"]  # fmt: skip
TOWNS = ["69003 LYON", "38000 GRENOBLE", "42000 SAINT-ETIENNE", "69100 VILLEURBANNE"]


@dataclass
class Receipt:
    kind: str
    supplier: str
    siret: str | None
    issued: date
    items: list[tuple[str, Decimal, Decimal]]  # label, amount incl. VAT, rate (percent)
    date_style: int
    total_label: str
    vat_style: int
    extra: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _label, amount, _rate in self.items), Decimal(0))

    def vat_lines(self) -> list[tuple[Decimal, Decimal, Decimal, Decimal]]:
        """(rate, base, VAT, incl. VAT) per rate: VAT taken from the total incl. VAT."""
        lines = []
        for rate in sorted({rate for _l, _a, rate in self.items}, reverse=True):
            incl = sum(amount for _l, amount, r in self.items if r == rate)
            base = (incl / (1 + rate / 100)).quantize(CENT, ROUND_HALF_UP)
            lines.append((rate, base, incl - base, incl))
        return lines

    def truth(self) -> dict:
        return {
            "kind": self.kind,
            "date": self.issued.isoformat(),
            "total": f"{self.total:.2f}",
            "vat": {
                f"{rate.normalize():f}": f"{vat:.2f}" for rate, _b, vat, _i in self.vat_lines()
            },
            "supplier": self.supplier,
            "siret": self.siret,
        }


def luhn_complete(digits: str) -> str:
    """`digits` and the one digit more that makes the whole pass the Luhn check."""
    for last in "0123456789":
        candidate = digits + last
        total = 0
        for index, char in enumerate(reversed(candidate)):
            number = int(char) * (2 if index % 2 else 1)
            total += number - 9 if number > 9 else number
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def make_siret(rng: random.Random) -> str:
    siren = luhn_complete(str(rng.randint(10_000_000, 99_999_999)))
    return luhn_complete(siren + f"{rng.randint(0, 9999):04d}")


def euros(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def rate_text(rate: Decimal) -> str:
    return f"{rate:.2f}".replace(".", ",")


def make_receipt(rng: random.Random, kind: str, today: date) -> Receipt:
    items = []
    for _ in range(rng.randint(1, 4) if kind in ("shop", "restaurant") else rng.randint(1, 2)):
        label, rate = rng.choice(ITEMS[kind])
        if kind == "fuel":
            litres = Decimal(rng.randint(1500, 6000)) / 100
            price = Decimal(rng.randint(165, 199)) / 100
            label = f"{label} {euros(litres)} L x {euros(price)}"
            amount = (litres * price).quantize(CENT, ROUND_HALF_UP)
        elif kind == "hotel" and label.startswith("Chambre"):
            amount = Decimal(rng.randint(6500, 18900)) / 100
        elif kind == "train":
            amount = Decimal(rng.randint(1200, 11900)) / 100
        else:
            amount = Decimal(rng.randint(120, 3500)) / 100
        items.append((label, amount, Decimal(rate)))
    return Receipt(
        kind=kind,
        supplier=rng.choice(SUPPLIERS[kind]),
        siret=make_siret(rng) if rng.random() < 0.8 else None,
        issued=today - timedelta(days=rng.randint(1, 300)),
        items=items,
        date_style=rng.randrange(4),
        total_label=rng.choice(["TOTAL TTC", "NET A PAYER", "TOTAL", "MONTANT TTC", "A PAYER"]),
        vat_style=rng.randrange(3),
        extra=[rng.choice(STREETS), rng.choice(TOWNS)],
    )


def date_text(receipt: Receipt) -> str:
    day = receipt.issued
    return (
        f"{day:%d/%m/%Y}",
        f"{day:%d.%m.%y}",
        f"{day.day} {MONTHS[day.month - 1]} {day.year}",
        f"{day:%d-%m-%Y}",
    )[receipt.date_style]


def text_lines(receipt: Receipt, width: int) -> list[tuple[str, str, str]]:
    """The receipt as (align, left, right) rows: align "c" centres left, "r" splits them."""
    rows = [("c", receipt.supplier.upper() if receipt.kind != "hotel" else receipt.supplier, "")]
    rows += [("c", line, "") for line in receipt.extra]
    if receipt.siret:
        siret = receipt.siret
        rows.append(("c", f"SIRET {siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", ""))
    rows.append(("c", "", ""))
    label = "Date" if receipt.date_style != 2 else "Le"
    rows.append(("l", f"{label} : {date_text(receipt)}  {10 + receipt.date_style}:{27:02d}", ""))
    rows.append(("l", "-" * width, ""))
    for item_label, amount, _rate in receipt.items:
        rows.append(("r", item_label[: width - 10], euros(amount)))
    rows.append(("l", "-" * width, ""))
    vat_lines = receipt.vat_lines()
    if receipt.vat_style == 0:
        rows.append(("r", "TOTAL HT", euros(sum(b for _r, b, _v, _i in vat_lines))))
        for rate, _base, vat, _incl in vat_lines:
            rows.append(("r", f"TVA {rate_text(rate)} %", euros(vat)))
        rows.append(("r", receipt.total_label, euros(receipt.total)))
    else:
        rows.append(("r", receipt.total_label, euros(receipt.total)))
        rows.append(("r", "CB", euros(receipt.total)))
        rows.append(("c", "", ""))
        if receipt.vat_style == 1:
            rows.append(("l", "Taux     HT      TVA     TTC", ""))
            for rate, base, vat, incl in vat_lines:
                rows.append(
                    (
                        "l",
                        f"{rate_text(rate)}% {euros(base):>7} {euros(vat):>7} {euros(incl):>7}",
                        "",
                    )
                )
        else:
            for rate, base, vat, _incl in vat_lines:
                rows.append(("l", f"TVA {rate_text(rate)}% HT {euros(base)} TVA {euros(vat)}", ""))
    rows += [("c", "", ""), ("c", "Merci de votre visite", ""), ("c", "A bientot", "")]
    return rows


def draw_receipt(receipt: Receipt, rng: random.Random) -> Image.Image:
    """The paper: a till roll 30 to 34 characters wide, in one of DejaVu's fonts."""
    font = ImageFont.truetype(str(FONT_FOLDER / rng.choice(FONTS)), rng.randint(26, 32))
    width_chars = 32
    char_width = font.getlength("M" * width_chars) / width_chars
    margin = 40
    paper_width = int(char_width * width_chars + 2 * margin)
    line_height = int(font.size * 1.45)
    rows = text_lines(receipt, width_chars)
    paper = Image.new("L", (paper_width, line_height * (len(rows) + 4)), rng.randint(232, 250))
    pen = ImageDraw.Draw(paper)
    ink = rng.randint(10, 70)
    y = 2 * line_height
    for align, left, right in rows:
        if align == "c":
            pen.text(((paper_width - font.getlength(left)) / 2, y), left, font=font, fill=ink)
        else:
            pen.text((margin, y), left, font=font, fill=ink)
            if right:
                pen.text(
                    (paper_width - margin - font.getlength(right), y), right, font=font, fill=ink
                )
        y += line_height
    return paper


def _crumple(paper: Image.Image, rng: random.Random) -> Image.Image:
    """Creases: the paper bent by a coarse mesh, and light and dark bands along the folds."""
    width, height = paper.size
    step = 160
    amplitude = rng.uniform(2, 7)
    mesh = []
    for top in range(0, height, step):
        for left in range(0, width, step):
            box = (left, top, min(left + step, width), min(top + step, height))

            def bent(x, y):
                return (
                    x + amplitude * math.sin(y / 97 + x / 211),
                    y + amplitude * math.sin(x / 83 + y / 173),
                )

            quad = (*bent(box[0], box[1]), *bent(box[0], box[3]),
                    *bent(box[2], box[3]), *bent(box[2], box[1]))  # fmt: skip
            mesh.append((box, quad))
    bent_paper = paper.transform(
        paper.size, Image.Transform.MESH, mesh, Image.Resampling.BILINEAR, fillcolor=240
    )
    folds = Image.new("L", paper.size, 128)
    pen = ImageDraw.Draw(folds)
    for _ in range(rng.randint(1, 4)):
        y = rng.randint(0, height)
        pen.line(
            (0, y, width, y + rng.randint(-80, 80)),
            fill=rng.choice((100, 160)),
            width=rng.randint(8, 30),
        )
    folds = folds.filter(ImageFilter.GaussianBlur(12))
    return _light(bent_paper, folds)


def _light(picture: Image.Image, light: Image.Image) -> Image.Image:
    """`picture` lit by `light` (128 = unchanged, lower darker, higher brighter)."""
    return ImageMath.lambda_eval(
        lambda a: a["convert"](a["min"](a["p"] * a["l"] / 128, 255), "L"), p=picture, l=light
    )


def photograph(receipt: Receipt, rng: random.Random, size: tuple[int, int]) -> bytes:
    """The receipt on a table, as a phone shoots it (portrait `size`), as a JPEG."""
    paper = _crumple(draw_receipt(receipt, rng), rng)
    width, height = size
    scale = rng.uniform(0.78, 0.92) * height / paper.height
    scale = min(scale, 0.9 * width / paper.width)
    paper = paper.resize(
        (int(paper.width * scale), int(paper.height * scale)), Image.Resampling.BILINEAR
    )
    table_colour = tuple(rng.randint(60, 170) for _ in range(3))
    photo = Image.new("RGB", size, table_colour)
    noise = Image.effect_noise((width // 4, height // 4), 30).resize(size).convert("RGB")
    photo = Image.blend(photo, noise, 0.15)
    angle = rng.uniform(-6, 6)
    mask = Image.new("L", paper.size, 255).rotate(angle, expand=True)
    paper_rgb = Image.merge("RGB", (paper, paper, paper)).rotate(
        angle, expand=True, fillcolor=(0, 0, 0)
    )
    left = (width - paper_rgb.width) // 2 + rng.randint(-width // 20, width // 20)
    top = (height - paper_rgb.height) // 2 + rng.randint(-height // 40, height // 40)
    photo.paste(paper_rgb, (left, top), mask)
    # Perspective: the camera not quite above the receipt (a quadrilateral of the frame).
    jitter = [rng.uniform(0, 0.05) for _ in range(8)]
    left_x, right_x = (width * j for j in jitter[0:2]), (width * (1 - j) for j in jitter[2:4])
    top_y, bottom_y = (height * j for j in jitter[4:6]), (height * (1 - j) for j in jitter[6:8])
    (x0, x1), (x2, x3), (y0, y3), (y1, y2) = left_x, right_x, top_y, bottom_y
    quad = (x0, y0, x1, y1, x2, y2, x3, y3)  # top left, bottom left, bottom right, top right
    photo = photo.transform(size, Image.Transform.QUAD, quad, Image.Resampling.BILINEAR)
    # A shadow (a hand, the phone) across part of the frame.
    shadow = Image.new("L", size, 128)
    pen = ImageDraw.Draw(shadow)
    corner = rng.choice(((0, 0), (width, 0), (0, height), (width, height)))
    reach = rng.uniform(0.3, 0.7) * width
    pen.ellipse(
        (corner[0] - reach, corner[1] - reach, corner[0] + reach, corner[1] + reach),
        fill=rng.randint(70, 105),
    )
    shadow = (
        shadow.resize((width // 8, height // 8)).filter(ImageFilter.GaussianBlur(12)).resize(size)
    )
    photo = Image.merge("RGB", [_light(channel, shadow) for channel in photo.split()])
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.4) * width / 1536))
    grain = Image.effect_noise(size, rng.uniform(6, 16)).convert("RGB")
    photo = Image.blend(photo, grain, 0.06)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=rng.randint(70, 90))
    return buffer.getvalue()


def invoice_html(receipt: Receipt) -> str:
    font = {"shop": "DejaVu Sans", "fuel": "DejaVu Sans Mono", "restaurant": "DejaVu Serif",
            "hotel": "DejaVu Serif", "train": "DejaVu Sans Condensed"}[receipt.kind]  # fmt: skip
    rows = "".join(
        f"<tr><td>{label}</td><td>{rate_text(rate)} %</td><td class=n>{euros(amount)}</td></tr>"
        for label, amount, rate in receipt.items
    )
    vat = "".join(
        f"<tr><td>TVA {rate_text(rate)} %</td><td class=n>{euros(base)}</td>"
        f"<td class=n>{euros(amount)}</td></tr>"
        for rate, base, amount, _incl in receipt.vat_lines()
    )
    siret = f"<p>SIRET : {receipt.siret}</p>" if receipt.siret else ""
    return f"""<html><head><meta charset=utf-8><style>
      body {{ font-family: "{font}"; font-size: 11pt; }} td {{ padding: 2pt 8pt; }}
      .n {{ text-align: right; }} h1 {{ font-size: 16pt; }}</style></head><body>
      <h1>{receipt.supplier}</h1><p>{receipt.extra[0]}<br>{receipt.extra[1]}</p>{siret}
      <h2>Facture</h2><p>Date : {date_text(receipt)}</p>
      <table>{rows}</table>
      <table><tr><td>Taux</td><td>Base HT</td><td>TVA</td></tr>{vat}</table>
      <p><b>{receipt.total_label} : {euros(receipt.total)} €</b></p>
      </body></html>"""


def text_pdf(receipt: Receipt) -> bytes:
    from weasyprint import HTML

    return HTML(string=invoice_html(receipt)).write_pdf(pdf_variant="pdf/a-3b")


def facturx_pdf(receipt: Receipt, number: str) -> bytes:
    """The text PDF with its EN 16931 XML, as `factur-x` builds them for the portal's own
    invoices (portal/sales/documents.py)."""
    from facturx import generate_from_binary, generate_xml

    vat_lines = receipt.vat_lines()
    basis = sum(base for _r, base, _v, _i in vat_lines)
    tax = sum(vat for _r, _b, vat, _i in vat_lines)
    postcode, city = receipt.extra[1].split(" ", 1)
    seller = {"name": receipt.supplier, "addr_l1": receipt.extra[0], "postcode": postcode,
              "city": city, "country_code": "FR"}  # fmt: skip
    if receipt.siret:
        seller["legal_identifier"] = receipt.siret[:9]
        seller["legal_identifier_schemeid"] = "0002"
        seller["identifiers"] = {"0009": receipt.siret}
    data = {
        "BT-1": number,
        "BT-2": receipt.issued,
        "BT-3": "380",
        "BT-5": "EUR",
        "BT-9": receipt.issued,
        "BT-72": receipt.issued,
        "BG-4": seller,
        "BG-7": {"name": "Coopérative Exemple", "country_code": "FR"},
        "BG-23": [
            {
                "BT-116": f"{base:.2f}",
                "BT-117": f"{vat:.2f}",
                "BT-118": "S",
                "BT-119": f"{rate:.2f}",
            }
            for rate, base, vat, _incl in vat_lines
        ],
        "BT-106": f"{basis:.2f}",
        "BT-109": f"{basis:.2f}",
        "BT-110": f"{tax:.2f}",
        "BT-112": f"{receipt.total:.2f}",
        "BT-115": f"{receipt.total:.2f}",
        "BG-25": [
            {
                "BT-126": str(position),
                "BT-153": f"Taux {rate_text(rate)} %",
                "BT-129": "1",
                "BT-130": "C62",
                "BT-146": f"{base:.2f}",
                "BT-131": f"{base:.2f}",
                "BT-151": "S",
                "BT-152": f"{rate:.2f}",
            }
            for position, (rate, base, _vat, _incl) in enumerate(vat_lines, 1)
        ],
    }
    xml = generate_xml(data, flavor="factur-x", level="en16931", check_schematron=False)
    return generate_from_binary(
        text_pdf(receipt), xml, flavor="factur-x", level="en16931", check_xsd=False, lang="fr-FR"
    )


def build(folder: Path, count: int, seed: int, today: date, photo_size=(1536, 2048),
          large_photos: int = 2) -> list[Path]:  # fmt: skip
    """`count` receipts of each kind as photos, text PDFs and Factur-X PDFs, plus
    `large_photos` 12-megapixel photos; returns the files (each with `.json` beside it)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    made = []
    for index in range(count):
        for kind in KINDS:
            for form in ("photo", "text", "facturx"):
                receipt = make_receipt(rng, kind, today)
                name = f"{kind}-{index:02d}-{form}"
                if form == "photo":
                    path, content = folder / f"{name}.jpg", photograph(receipt, rng, photo_size)
                elif form == "text":
                    path, content = folder / f"{name}.pdf", text_pdf(receipt)
                else:
                    path, content = folder / f"{name}.pdf", facturx_pdf(receipt, f"F-{index:04d}")
                path.write_bytes(content)
                truth = {**receipt.truth(), "source": "ocr" if form == "photo" else form}
                path.with_suffix(".json").write_text(
                    json.dumps(truth, ensure_ascii=False, indent=1)
                )
                made.append(path)
    for index in range(large_photos):
        receipt = make_receipt(rng, KINDS[index % len(KINDS)], today)
        path = folder / f"large-{index:02d}-photo.jpg"
        path.write_bytes(photograph(receipt, rng, (3024, 4032)))
        path.with_suffix(".json").write_text(
            json.dumps({**receipt.truth(), "source": "ocr"}, ensure_ascii=False, indent=1)
        )
        made.append(path)
    return made


def samples(folder: Path, seed: int = 27) -> None:
    """The few small files the tests read (tests/reference/receipts/): a Factur-X PDF, a
    text PDF and a restaurant photo of 1200 × 1600, each with its truth."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    today = date(2026, 12, 1)
    for name, kind in (("facturx.pdf", "hotel"), ("text.pdf", "shop"), ("photo.jpg", "restaurant")):
        receipt = make_receipt(rng, kind, today)
        path = folder / name
        if path.suffix == ".jpg":
            content, source = photograph(receipt, rng, (1200, 1600)), "ocr"
        elif name.startswith("facturx"):
            content, source = facturx_pdf(receipt, "F-0001"), "facturx"
        else:
            content, source = text_pdf(receipt), "text"
        path.write_bytes(content)
        truth = {**receipt.truth(), "source": source}
        path.with_suffix(".json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--count", type=int, default=10, help="receipts of each kind and form")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--samples", action="store_true", help="the tests' few files instead")
    arguments = parser.parse_args(argv)
    if arguments.samples:
        samples(arguments.folder)
        return
    made = build(arguments.folder, arguments.count, arguments.seed, date(2026, 12, 1))
    print(f"{len(made)} files in {arguments.folder}")


if __name__ == "__main__":
    main(sys.argv[1:])
