from datetime import date

import pytest

from portal.db import utcnow
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.services import InvoiceInput, create_invoice, submit_invoice, validate_invoice
from tests.helpers import lines


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
