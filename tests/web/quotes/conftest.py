from datetime import date

import pytest

from portal.db import utcnow
from portal.quotes.services import QuoteInput, create_quote, submit_quote, validate_quote
from tests.helpers import lines
from tests.web.sales.conftest import customer, issued_invoice, make_invoice  # noqa: F401


@pytest.fixture
def make_quote(db_session, entrepreneur, customer):  # noqa: F811
    def make(*specs, member=None, for_customer=None, valid_until=None):
        quote, _ = create_quote(
            db_session,
            member or entrepreneur,
            QuoteInput(
                customer=for_customer or customer,
                issue_date=date(2026, 11, 2),
                valid_until=valid_until,
                lines=lines(*(specs or [("2", "500", "20")])),
                activity_id=(member or entrepreneur).activities[0].id,
                payment_terms="30 % à la commande",
            ),
        )
        db_session.commit()
        return quote

    return make


@pytest.fixture
def issue_quote(db_session, staff, coop):
    """A quote submitted and validated by the support team on `today`."""

    def issue(quote, today=date(2026, 11, 26)):
        submit_quote(db_session, quote, utcnow())
        validate_quote(db_session, quote, staff, today, utcnow())
        db_session.commit()
        return quote

    return issue


@pytest.fixture
def issued_quote(make_quote, issue_quote):
    return issue_quote(make_quote(("2", "500", "20"), ("1", "99.99", "5.5")))
