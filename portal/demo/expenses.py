"""A year of Camille's receipts, with photos drawn for the demo, and a mileage claim."""

import io
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.expenses import services as expenses
from portal.expenses.models import ExpenseCategory, PaidBy, Receipt
from portal.members.services import member_by_email
from portal.sales.models import Customer

# (supplier, category, amount incl. VAT, {VAT rate: VAT}, paid by the coop?)
DEMO_RECEIPTS = (
    ("Brasserie des Terreaux", "Repas d'affaires", "42.90", {"0.10": "3.90"}, False),
    ("SNCF Voyageurs", "Transport (train, avion, taxi)", "67.00", {"0.10": "6.09"}, False),
    (
        "TotalEnergies Villeurbanne",
        "Carburant (voiture particulière)",
        "58.20",
        {"0.20": "9.70"},
        False,
    ),
    ("Bureau Vallée", "Fournitures, logiciels, matériel", "23.88", {"0.20": "3.98"}, False),
    ("Hôtel du Parc", "Hébergement", "89.00", {"0.10": "8.09"}, False),
    ("DeepL SE", "Abonnements", "10.99", {"0.20": "1.83"}, True),
    ("APRR", "Péages", "14.60", {"0.20": "2.43"}, False),
    ("Le Bouchon Lyonnais", "Repas d'affaires", "61.50", {"0.10": "3.50", "0.20": "4.00"}, False),
)


def till_font(size: int) -> ImageFont.FreeTypeFont:
    """A till's monospace type where the system has it (Pillow's own font draws no accents:
    "Bureau Vallée" came out with a box for its "é")."""
    try:
        return ImageFont.truetype("DejaVuSansMono.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def receipt_photo(supplier: str, on: date, amount: str, vat: dict[str, str]) -> bytes:
    """A phone-photo-like picture of a till receipt, drawn for the demo."""
    image = Image.new("RGB", (900, 1400), (214, 208, 196))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 60, 780, 1340), fill=(252, 251, 247))
    big, small = till_font(38), till_font(28)
    lines = [(supplier, big), (on.strftime("%d/%m/%Y  12:%M"), small), ("", small)]
    lines += [
        (f"TVA {Decimal(rate) * 100:g} %   {value} EUR", small) for rate, value in vat.items()
    ]
    lines += [("", small), (f"TOTAL TTC   {amount} EUR", big), ("", small), ("Merci !", small)]
    y = 120
    for text, font in lines:
        draw.text((160, y), text, fill=(30, 30, 30), font=font)
        y += 70
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def seed_receipts(session: Session) -> Iterator[str]:
    """A year of Camille's receipts: every category, most approved and reimbursed, the
    recent ones waiting, one rejected, and one mileage claim."""
    camille = member_by_email(session, "camille@demo.coop")
    staff = member_by_email(session, "equipe@demo.coop")
    if session.scalar(select(Receipt.id).where(Receipt.member_id == camille.id).limit(1)):
        return
    names = {category.name: category.id for category in session.scalars(select(ExpenseCategory))}
    # Business meals name the customer they were with (the invoices' customers).
    customer_ids = list(
        session.scalars(
            select(Customer.id).where(Customer.member_id == camille.id).order_by(Customer.id)
        )
    )
    today = paris_today()
    count = 0
    for month_back in range(12):
        for index in range(3):
            supplier, category, amount, vat, by_coop = DEMO_RECEIPTS[
                (month_back * 3 + index) % len(DEMO_RECEIPTS)
            ]
            on = today - timedelta(days=month_back * 30 + index * 9 + 1)
            receipt, _ = expenses.create_receipt(
                session,
                camille,
                expenses.ReceiptInput(
                    spent_on=on,
                    supplier=supplier,
                    amount=Decimal(amount),
                    category_id=names[category],
                    paid_by=PaidBy.COOP if by_coop else PaidBy.MEMBER,
                    vat_by_rate={Decimal(rate): Decimal(value) for rate, value in vat.items()},
                    activity_id=camille.activities[index % len(camille.activities)].id,
                    customer_id=customer_ids[count % len(customer_ids)]
                    if customer_ids and category == "Repas d'affaires"
                    else None,
                ),
                receipt_photo(supplier, on, amount, vat),
                f"demo{month_back:02d}{index:02d}".ljust(32, "0"),
            )
            count += 1
            if month_back == 0 and index == 0:
                continue  # the latest one stays a draft
            expenses.submit_receipt(session, receipt)
            if month_back == 0:
                continue  # waiting in the support team's queue
            if month_back == 2 and index == 1:
                expenses.reject_receipt(
                    session, receipt, staff, "Le ticket est illisible : reprenez la photo."
                )
                continue
            expenses.approve_receipt(session, receipt, staff)
            if month_back > 1 and receipt.to_reimburse:
                expenses.record_reimbursement(session, receipt)
    claim, _ = expenses.create_mileage_claim(
        session,
        camille,
        expenses.MileageInput(
            spent_on=today - timedelta(days=20),
            distance_km=Decimal("84"),
            fiscal_horsepower=5,
            purpose="Lyon – Vienne, cours d'anglais chez un client",
            activity_id=camille.activities[0].id,
        ),
        "demomileage".ljust(32, "0"),
    )
    expenses.submit_receipt(session, claim)
    yield f"Receipts: {count} with photos and 1 mileage claim for camille@demo.coop"
