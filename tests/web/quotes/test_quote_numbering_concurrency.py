"""Quote numbering under load: validations at once from threads, real commits, on SQLite and
PostgreSQL: every number unique, the series gapless, invoices' series untouched."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.db import db, utcnow
from portal.members.models import Member
from portal.quotes.models import Quote, QuoteStatus
from portal.quotes.services import QuoteInput, create_quote, submit_quote
from portal.sales.models import Customer, InvoiceCounter
from portal.sales.totals import LineInput
from tests.helpers import (
    committed_app,
    login,
    seed_invoices_to_validate,
    until_served,
)

QUOTES = 40
WORKERS = 8


def _seed_quotes(app, count: int) -> list[int]:
    """The coop, staff@example.org and e@example.org of `seed_invoices_to_validate` (with no
    invoice), and `count` of the entrepreneur's quotes submitted, committed."""
    seed_invoices_to_validate(app, 0)
    with app.app_context():
        session = db.session
        member = session.scalar(select(Member).where(Member.email == "e@example.org"))
        customer = session.scalar(select(Customer).where(Customer.member_id == member.id))
        ids = []
        for _ in range(count):
            quote, _created = create_quote(
                session,
                member,
                QuoteInput(
                    customer=customer,
                    issue_date=date(2026, 11, 2),
                    valid_until=None,
                    lines=[LineInput("x", Decimal(1), Decimal(100), Decimal(20))],
                ),
            )
            submit_quote(session, quote, utcnow())
            ids.append(quote.id)
        session.commit()
        return ids


def _validate_all_at_once(app, ids: list[int]) -> list:
    errors = []
    barrier = threading.Barrier(WORKERS)

    def validate(chunk):
        try:
            client = app.test_client()
            assert login(client, "staff@example.org").status_code == 303
            barrier.wait()
            for quote_id in chunk:
                path = f"/quotes/{quote_id}/validate"
                status = until_served(
                    lambda p=path: client.post(p, data={"confirmed": "1"}).status_code
                )
                assert status == 303
        except Exception as error:
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=validate, args=(ids[n::WORKERS],)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_validations_give_quotes_contiguous_unique_numbers(
    committed_database, tmp_path, kind
):
    app = committed_app(committed_database(kind), tmp_path / "data")
    try:
        ids = _seed_quotes(app, QUOTES)
        assert _validate_all_at_once(app, ids) == []
        with app.app_context():
            rows = db.session.execute(
                select(Quote.number_sequence, Quote.number, Quote.status)
            ).all()
            counters = {
                row.series: row.last_number for row in db.session.scalars(select(InvoiceCounter))
            }
    finally:
        app.extensions["database"].engine.dispose()
    assert sorted(row.number_sequence for row in rows) == list(range(1, QUOTES + 1))
    assert len({row.number for row in rows}) == QUOTES
    assert all(row.status is QuoteStatus.VALIDATED for row in rows)
    assert counters == {"quote": QUOTES}
