from datetime import date
from decimal import Decimal

import pytest

from portal.coop.services import get_coop_settings
from portal.db import utcnow
from portal.sales.services import (
    CustomerInput,
    InvoiceInput,
    LineInput,
    create_customer,
    create_invoice,
    submit_invoice,
    validate_invoice,
)


@pytest.fixture
def coop(db_session):
    settings = get_coop_settings(db_session)
    settings.legal_name = "Coopérative Test"
    settings.address = "12 rue de la Coopération\n69001 Lyon"
    settings.siren = "732829320"
    settings.siret = "73282932000074"
    settings.vat_number = "FR44732829320"
    settings.rcs = "RCS Lyon 732 829 320"
    settings.share_capital_cents = 1_500_000
    settings.iban = "FR7630006000011234567890189"
    db_session.commit()
    return settings


@pytest.fixture
def customer(db_session, entrepreneur):
    customer = create_customer(
        db_session,
        entrepreneur,
        CustomerInput(
            name="Client SAS",
            address="2 avenue du Client",
            postcode="75001",
            city="Paris",
            siren="542107651",
            vat_number="FR13542107651",
        ),
    )
    db_session.commit()
    return customer


def lines(*specs):
    return [
        LineInput(
            description=f"Ligne {n}",
            quantity=Decimal(q),
            unit_price=Decimal(p),
            vat_rate=Decimal(r),
            unit="HUR",
        )
        for n, (q, p, r) in enumerate(specs, 1)
    ]


@pytest.fixture
def make_invoice(db_session, entrepreneur, customer):
    def make(*specs, member=None, for_customer=None):
        invoice, _ = create_invoice(
            db_session,
            member or entrepreneur,
            InvoiceInput(
                customer=for_customer or customer,
                issue_date=date(2026, 11, 2),
                due_date=None,
                lines=lines(*(specs or [("2", "500", "20")])),
                activity_id=(member or entrepreneur).activities[0].id,
            ),
        )
        db_session.commit()
        return invoice

    return make


@pytest.fixture
def issued_invoice(db_session, make_invoice, staff, coop):
    invoice = make_invoice(("2", "500", "20"), ("1", "99.99", "5.5"))
    submit_invoice(db_session, invoice, utcnow())
    validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
    db_session.commit()
    return invoice
