"""A year of Camille's customers, invoices, payments and a credit note; Léo's last months."""

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from portal.dates import paris_today
from portal.members.services import member_by_email
from portal.money import from_cents
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Customer, CustomerKind, PaymentMethod
from portal.sales.totals import LineInput

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
# Léo, still supported, gardens for one customer: his home page shows the salary this
# activity sustains once salaried. Same fields as above.
LEO_INVOICES = (
    (3, 0, 0, "Entretien du jardin, printemps", "1", "LS", "1650", "paid"),
    (2, 0, 0, "Taille des haies et des massifs", "1", "LS", "1900", "paid"),
    (1, 0, 0, "Création d'un potager", "1", "LS", "2100", "paid"),
)


def seed_demo_invoices(session: Session) -> Iterator[str]:
    """A year of Camille's invoicing: paid, partly paid, sent, validated, one awaiting
    validation, a draft, and a partial credit note; Léo's last three months, paid. Issued
    oldest first, whoever's they are, so numbers follow dates."""
    camille = member_by_email(session, "camille@demo.coop")
    leo = member_by_email(session, "leo@demo.coop")
    staff = member_by_email(session, "equipe@demo.coop")
    if camille is None or leo is None or staff is None:
        return
    if session.query(Customer).filter_by(member_id=camille.id).first() is not None:
        return
    customers = {
        camille.id: [
            create_customer(session, camille, CustomerInput(**fields)) for fields in DEMO_CUSTOMERS
        ],
        leo.id: [create_customer(session, leo, CustomerInput(**DEMO_CUSTOMERS[3]))],
    }
    plan = [(row, camille) for row in DEMO_INVOICES] + [(row, leo) for row in LEO_INVOICES]
    plan.sort(key=lambda item: -item[0][0])  # stable: each member's order kept
    today = paris_today()
    for (months, customer, activity, text, quantity, unit, price, fate), member in plan:
        day = today - timedelta(days=30 * months + 3)
        moment = datetime.combine(day, time(10), tzinfo=UTC)
        invoice, _created = sales.create_invoice(
            session,
            member,
            sales.InvoiceInput(
                customer=customers[member.id][customer],
                activity_id=member.activities[activity].id,
                issue_date=day,
                due_date=None,
                service_date=day - timedelta(days=2),
                lines=[LineInput(text, Decimal(quantity), Decimal(price), Decimal(20), unit)],
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
                    customer=customers[member.id][customer],
                    activity_id=invoice.activity_id,
                    issue_date=day + timedelta(days=5),
                    due_date=day + timedelta(days=5),
                    lines=[
                        LineInput(
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
    yield f"Invoices: {len(LEO_INVOICES)} for leo@demo.coop"
