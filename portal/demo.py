"""Demo data: a coop with its support team and three entrepreneurs. Safe to run twice."""

import calendar
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.coop.services import get_coop_settings
from portal.dates import PARIS, paris_today
from portal.db import utcnow
from portal.expenses import services as expenses
from portal.expenses.models import ExpenseCategory, PaidBy, Receipt
from portal.meetings import services as meetings
from portal.meetings.models import Meeting
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member, member_by_email
from portal.money import from_cents, to_cents
from portal.payroll import compute_payslip, effective_dates
from portal.projection.compute import add_months, first_of_month
from portal.projection.models import Payslip
from portal.projection.services import record_balance, record_payslip
from portal.sales import services as sales
from portal.sales.models import Customer, CustomerKind, PaymentMethod
from portal.workshops.models import Attendance
from portal.workshops.services import (
    book_seat,
    create_or_update_workshop,
    record_attendance,
    workshop_by_ref,
)

DEMO_PASSWORD = "demo-password"  # noqa: S105 (printed by `make run`, demo only)

DEMO_MEMBERS = (
    dict(email="admin@demo.coop", full_name="Alex Martin", role=Role.ADMIN),
    dict(email="equipe@demo.coop", full_name="Nadia Benali", role=Role.STAFF),
    dict(
        email="camille@demo.coop",
        full_name="Camille Durand",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.EMPLOYEE,
        contract_hours_per_week=Decimal(24),
        hourly_gross_rate_cents=1450,
        activities=("Traduction", "Cours d'anglais"),
    ),
    dict(
        email="leo@demo.coop",
        full_name="Léo Petit",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.SUPPORTED,
        activities=("Jardinage",),
    ),
    dict(
        email="sam@demo.coop",
        full_name="Sam Moreau",
        role=Role.ENTREPRENEUR,
        status=MemberStatus.ASSOCIATE,
        contract_hours_per_week=Decimal(35),
        hourly_gross_rate_cents=1800,
        activities=("Conception web",),
    ),
)


def seed_demo_data(session: Session) -> Iterator[str]:
    settings = get_coop_settings(session)
    if not settings.legal_name:
        settings.legal_name = "Coopérative Démo"
        settings.address = "12 rue de la Coopération\n69001 Lyon"
        settings.siren = "732829320"
        settings.siret = "73282932000074"
        settings.vat_number = "FR44732829320"
        settings.rcs = "RCS Lyon 732 829 320"
        settings.share_capital_cents = 1_500_000
        settings.headcount = 20
        settings.iban = "FR7630006000011234567890189"
        settings.bic = "AGRIFRPP"
        yield "Coop settings: Coopérative Démo"
    for fields in DEMO_MEMBERS:
        if member_by_email(session, fields["email"]) is None:
            create_member(session, password=DEMO_PASSWORD, **fields)
            yield f"Member: {fields['email']} ({fields['role']})"
    yield from seed_demo_invoices(session)
    yield from seed_receipts(session)
    yield from seed_demo_workshops(session)
    yield from seed_meetings(session)
    yield from seed_demo_payroll(session)


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def seed_demo_payroll(session: Session) -> Iterator[str]:
    """Camille's payslips for the eleven months before this one, as the back office would
    push them, and the balance it sent at the end of the month four months ago; a balance
    for Léo, still supported, so his page shows what his activity could pay him."""
    camille = member_by_email(session, "camille@demo.coop")
    leo = member_by_email(session, "leo@demo.coop")
    if camille is None or leo is None:
        return
    if session.scalar(select(Payslip.id).where(Payslip.member_id == camille.id)):
        return
    this_month = first_of_month(paris_today())
    earliest_rates = effective_dates()[0]
    for back in range(11, 0, -1):
        period = add_months(this_month, -back)
        payslip = compute_payslip(Decimal("1508.00"), 24, max(period, earliest_rates))
        record_payslip(
            session,
            camille,
            period=f"{period:%Y-%m}",
            gross_cents=to_cents(payslip.gross),
            net_cents=to_cents(payslip.net_before_tax),
            employer_cost_cents=to_cents(payslip.employer_cost),
            paid_on=_month_end(period),
        )
    last_month_end = _month_end(add_months(this_month, -1))
    record_balance(
        session,
        camille,
        on=_month_end(add_months(this_month, -4)),
        amount_cents=9_820_00,
        today=paris_today(),
    )
    record_balance(session, leo, on=last_month_end, amount_cents=2_450_00, today=paris_today())
    yield "Payslips and balances: camille@demo.coop (11 months), leo@demo.coop"


DEMO_CUSTOMERS = (
    dict(
        name="Éditions du Rhône",
        siren="542107651",
        vat_number="FR13542107651",
        address="8 quai Saint-Vincent",
        postcode="69001",
        city="Lyon",
    ),
    dict(
        name="Agence Babel SARL",
        siren="552081317",
        vat_number="FR03552081317",
        address="21 rue de la République",
        postcode="69002",
        city="Lyon",
    ),
    dict(
        name="Lycée Ampère",
        siren="180020026",
        address="31 rue de la Bourse",
        postcode="69002",
        city="Lyon",
    ),
    dict(
        name="Martine Leroy",
        kind=CustomerKind.INDIVIDUAL,
        address="4 chemin des Vignes",
        postcode="69290",
        city="Craponne",
    ),
)
# (months ago, customer, activity, description, quantity, unit, unit price, fate)
DEMO_INVOICES = (
    (11, 0, 0, "Traduction d'un catalogue (anglais → français)", "12", "HUR", "45", "paid"),
    (10, 1, 0, "Traduction technique, 6 200 mots", "1", "LS", "930", "paid"),
    (9, 2, 1, "Cours d'anglais, classe de terminale", "10", "HUR", "55", "paid"),
    (8, 0, 0, "Relecture d'épreuves", "6", "HUR", "40", "paid"),
    (7, 3, 1, "Cours particuliers d'anglais", "8", "HUR", "35", "paid"),
    (6, 1, 0, "Traduction de sous-titres", "3", "DAY", "320", "paid"),
    (5, 2, 1, "Atelier de conversation", "12", "HUR", "55", "paid"),
    (4, 0, 0, "Traduction d'un rapport annuel", "1", "LS", "1450", "credited"),
    (3, 1, 0, "Interprétariat de liaison", "2", "DAY", "380", "partly_paid"),
    (2, 2, 1, "Cours d'anglais, BTS", "15", "HUR", "55", "sent"),
    (1, 0, 0, "Traduction de fiches produits", "40", "C62", "18.50", "sent"),
    (0, 1, 0, "Localisation d'un site web", "4", "DAY", "350", "validated"),
    (0, 3, 1, "Cours particuliers d'anglais", "6", "HUR", "35", "submitted"),
    (0, 0, 0, "Traduction d'un dossier de presse", "1", "LS", "600", "draft"),
)


def seed_demo_invoices(session: Session) -> Iterator[str]:
    """A year of Camille's invoicing: paid, partly paid, sent, validated, one awaiting
    validation, a draft, and a partial credit note."""
    camille = member_by_email(session, "camille@demo.coop")
    staff = member_by_email(session, "equipe@demo.coop")
    if camille is None or staff is None:
        return
    if session.query(Customer).filter_by(member_id=camille.id).first() is not None:
        return
    customers = [
        sales.create_customer(session, camille, sales.CustomerInput(**fields))
        for fields in DEMO_CUSTOMERS
    ]
    today = paris_today()
    for months, customer, activity, text, quantity, unit, price, fate in DEMO_INVOICES:
        day = today - timedelta(days=30 * months + 3)
        moment = datetime.combine(day, time(10), tzinfo=UTC)
        invoice, _created = sales.create_invoice(
            session,
            camille,
            sales.InvoiceInput(
                customer=customers[customer],
                activity_id=camille.activities[activity].id,
                issue_date=day,
                due_date=None,
                service_date=day - timedelta(days=2),
                lines=[sales.LineInput(text, Decimal(quantity), Decimal(price), Decimal(20), unit)],
            ),
        )
        if fate == "draft":
            continue
        sales.submit_invoice(session, invoice, moment)
        if fate == "submitted":
            continue
        sales.validate_invoice(session, invoice, staff, day, moment)
        if fate == "validated":
            continue
        sales.mark_sent(session, invoice, moment)
        paid_on = day + timedelta(days=25)
        if fate == "paid":
            amount = from_cents(invoice.total_incl_vat_cents)
            method = (PaymentMethod.TRANSFER, PaymentMethod.CHEQUE)[invoice.id % 2]
            reference = f"VIR SEPA {invoice.number}" if method is PaymentMethod.TRANSFER else ""
            sales.record_payment(session, invoice, amount, paid_on, staff, reference, method)
        elif fate == "partly_paid":
            sales.record_payment(
                session, invoice, Decimal(300), paid_on, staff, "Acompte", PaymentMethod.CARD
            )
        elif fate == "credited":
            credit = sales.create_credit_note(session, invoice, day + timedelta(days=5))
            sales.update_invoice(
                session,
                credit,
                sales.InvoiceInput(
                    customer=customers[customer],
                    activity_id=invoice.activity_id,
                    issue_date=day + timedelta(days=5),
                    due_date=day + timedelta(days=5),
                    lines=[
                        sales.LineInput(
                            "Remise commerciale sur le rapport annuel",
                            Decimal(1),
                            Decimal(150),
                            Decimal(20),
                            "LS",
                        )
                    ],
                ),
            )
            sales.submit_invoice(session, credit, moment)
            sales.validate_invoice(session, credit, staff, day + timedelta(days=5), moment)
            rest = from_cents(invoice.outstanding_cents)
            sales.record_payment(
                session, invoice, rest, paid_on, staff, f"VIR SEPA {invoice.number}"
            )
    yield f"Invoices: {len(DEMO_INVOICES)} for camille@demo.coop, with 1 credit note"


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


def receipt_photo(supplier: str, on: date, amount: str, vat: dict[str, str]) -> bytes:
    """A phone-photo-like picture of a till receipt, drawn for the demo."""
    image = Image.new("RGB", (900, 1400), (214, 208, 196))
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 60, 780, 1340), fill=(252, 251, 247))
    big, small = ImageFont.load_default(size=46), ImageFont.load_default(size=32)
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
                    session, receipt, staff, "Le ticket est illisible : reprenez la photo."
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


# (ref, days from today, start hour, hours, seats, title, place, description, who books)
# Who books: members' emails in booking order; seats run out, the rest wait.
DEMO_WORKSHOPS = (
    (
        "DEMO-PAST-1",
        -300,
        9,
        3,
        12,
        "Bien démarrer dans la coopérative",
        "Salle Jacquard",
        "Le fonctionnement de la CAE, le parcours **accompagné → salarié → associé**, "
        "et les outils du portail.",
        ("camille@demo.coop", "leo@demo.coop"),
    ),
    (
        "DEMO-PAST-2",
        -200,
        14,
        2,
        10,
        "Fixer ses prix",
        "Salle Jacquard",
        "Calculer un prix de revient, un taux journalier, et savoir dire non.",
        ("camille@demo.coop", "sam@demo.coop"),
    ),
    (
        "DEMO-PAST-3",
        -90,
        9,
        3,
        8,
        "Prospecter sans se décourager",
        "En ligne",
        "- Trouver ses premiers clients\n- Relancer sans gêner\n- Suivre ses contacts",
        ("camille@demo.coop", "leo@demo.coop", "sam@demo.coop"),
    ),
    (
        "DEMO-PAST-4",
        -30,
        14,
        2,
        15,
        "Notes de frais et justificatifs",
        "Salle Jacquard",
        "Ce qui est remboursable, comment photographier un ticket, les délais.",
        ("camille@demo.coop",),
    ),
    (
        "DEMO-NEXT-1",
        6,
        9,
        3,
        12,
        "Réseaux sociaux pour indépendants",
        "Salle Jacquard",
        "Choisir **un** réseau et s'y tenir. Apportez votre téléphone.",
        ("camille@demo.coop", "sam@demo.coop"),
    ),
    (
        "DEMO-NEXT-2",
        13,
        14,
        2,
        2,
        "Devis et factures : les mentions obligatoires",
        "Salle Soie",
        "Atelier en petit groupe : venez avec un devis en cours.",
        ("leo@demo.coop", "sam@demo.coop", "camille@demo.coop"),
    ),
    (
        "DEMO-NEXT-3",
        20,
        18,
        2,
        20,
        "Devenir associé : questions-réponses",
        "En ligne",
        "Parts sociales, vote en assemblée générale, ce que cela change.",
        (),
    ),
    (
        "DEMO-NEXT-4",
        34,
        9,
        7,
        10,
        "Journée comptabilité",
        "Salle Jacquard",
        "Lire son compte de résultat et sa trésorerie dans le portail.",
        (),
    ),
)


def _paris(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def seed_demo_workshops(session: Session) -> Iterator[str]:
    """A year of workshops: past ones with attendance, coming ones with bookings, one full
    with a waiting list (Camille waits)."""
    today = utcnow().astimezone(PARIS).date()
    for ref, days, hour, hours, seats, title, place, description, emails in DEMO_WORKSHOPS:
        if workshop_by_ref(session, ref) is not None:
            continue
        starts_at = _paris(today + timedelta(days=days), hour)
        workshop = create_or_update_workshop(
            session,
            ref,
            {
                "title": title,
                "description": description,
                "facilitator": "Nadia Benali",
                "place": "" if place == "En ligne" else place,
                "video_url": "https://visio.example.org/atelier" if place == "En ligne" else "",
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(hours=hours),
                "seats": seats,
            },
        )
        booked_at = starts_at - timedelta(days=10)
        bookings = []
        for number, email in enumerate(emails):
            member = member_by_email(session, email)
            at = booked_at + timedelta(minutes=number)
            bookings.append(book_seat(session, workshop, member, by=member, now=at))
        if days < 0 and bookings:
            marks = {b.id: Attendance.PRESENT for b in bookings}
            marks[bookings[-1].id] = Attendance.EXCUSED if days == -90 else Attendance.PRESENT
            record_attendance(session, workshop, marks, starts_at + timedelta(hours=hours))
        yield f"Workshop: {title}"


MEETING_THEMES = (
    ("Trésorerie et délais de paiement", "relances clients, acomptes, délais de paiement"),
    ("Prospection et réseau", "salons, bouche-à-oreille, sous-traitance entre membres"),
    ("Fixer ses prix", "calcul du prix de revient, contribution coopérative, marge"),
    ("Assurances et responsabilité", "responsabilité civile professionnelle, sinistres"),
    ("Outils numériques", "facturation sur le portail, photos des justificatifs"),
    ("Devenir associé", "parts sociales, vote en assemblée générale, engagement"),
    ("Formation professionnelle", "plan de formation, OPCO, ateliers thématiques"),
    ("Congés et temps de travail", "heures du contrat, congés payés, saisonnalité"),
    ("Communication", "site web, réseaux sociaux, cartes de visite de la coopérative"),
    ("Frais professionnels", "notes de frais, indemnités kilométriques, justificatifs"),
    ("Bilan de l'année", "chiffre d'affaires collectif, projets, nouveaux membres"),
    ("Entraide et sous-traitance", "annuaire des compétences, chantiers communs"),
)


def _first_tuesday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(1 - day.weekday()) % 7)


def _month_back(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 - months
    return index // 12, index % 12 + 1


def seed_meetings(session: Session) -> Iterator[str]:
    """A year of monthly meetings with notes (camille has not read the last two), the next
    one that camille has not answered yet, and a general assembly for the associés (sam)."""
    if session.scalar(select(Meeting.id).limit(1)) is not None:
        return
    now = utcnow()
    today = meetings.paris_time(now).date()
    camille, leo, sam = (
        member_by_email(session, f"{name}@demo.coop") for name in ("camille", "leo", "sam")
    )
    past = []
    for months_back in range(12, 0, -1):
        year, month = _month_back(today, months_back)
        day = _first_tuesday(year, month)
        theme, topics = MEETING_THEMES[month - 1]
        details = meetings.MeetingDetails(
            title=f"Réunion mensuelle : {theme}",
            day=day,
            start=time(18, 30),
            end=time(20, 30),
            location="Salle commune, 12 rue de la Coopération, Lyon",
            agenda=f"1. Tour de table\n2. {theme} ({topics})\n3. Questions diverses",
        )
        starts = meetings.paris_to_utc(day, time(18, 30))
        meeting = meetings.schedule_meeting(session, details, starts - timedelta(days=20))
        for member, answer, comment in (
            (camille, "yes", ""),
            (leo, "maybe" if month % 3 else "no", "Chantier en cours" if month % 3 == 0 else ""),
            (sam, "yes", "J'arriverai vers 19 h" if month % 4 == 0 else ""),
        ):
            meetings.answer_invitation(
                session, meeting, member, answer, comment, starts - timedelta(days=5)
            )
        notes = (
            f"## {theme}\n\nPrésents : Camille, Sam et l'équipe d'accompagnement.\n\n"
            f"Nous avons parlé de : {topics}.\n\n"
            "- Chacun partage une difficulté du mois et une réussite.\n"
            "- L'équipe rappelle que les factures se saisissent sur le portail.\n\n"
            "**Prochaine étape** : un atelier sur le sujet sera proposé.\n"
        )
        after = starts + timedelta(days=1)
        meetings.publish_notes(session, meeting, notes, [], after)
        meetings.set_attendance(session, meeting, {camille.id, sam.id}, after)
        past.append((meeting, after))
    for meeting, after in past[:-2]:
        invitation = meetings.invitation_for(session, meeting, camille)
        meetings.mark_notes_read(session, invitation, after + timedelta(days=1))
    yield "Meetings: a year of monthly meetings with notes"

    year, month = _month_back(today, -1)
    upcoming = _first_tuesday(year, month)
    meeting = meetings.schedule_meeting(
        session,
        meetings.MeetingDetails(
            title="Réunion mensuelle : préparer la rentrée",
            day=upcoming,
            start=time(18, 30),
            end=time(20, 30),
            location="Salle commune, 12 rue de la Coopération, Lyon",
            video_url="https://visio.example.org/cae-reunion",
            agenda="1. Nouvelles des membres\n2. Ateliers du trimestre\n3. Pot de l'amitié",
        ),
        now,
    )
    meetings.answer_invitation(session, meeting, leo, "yes", "", now)
    meetings.schedule_meeting(
        session,
        meetings.MeetingDetails(
            title="Assemblée générale ordinaire",
            day=today + timedelta(days=24),
            start=time(10, 0),
            end=time(12, 30),
            location="Maison des associations, Lyon",
            agenda="1. Rapport de gestion\n2. Approbation des comptes\n3. Élection du conseil",
            general_assembly=True,
        ),
        now,
    )
    yield "Meetings: the next monthly meeting and a general assembly"
