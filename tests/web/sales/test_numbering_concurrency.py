"""Legal numbering under load: many validations at once, real commits, gapless and unique."""

import pytest
from sqlalchemy import select

from portal.db import db
from portal.sales.models import Invoice
from tests.helpers import committed_app, seed_invoices_to_validate, validating_threads

INVOICES = 50
WORKERS = 10


def _validate_all_at_once(app, ids):
    errors = []
    threads = validating_threads(app, ids, WORKERS, errors)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        return db.session.execute(
            select(Invoice.number_sequence, Invoice.number, Invoice.status)
        ).all()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_validations_get_contiguous_unique_numbers(committed_database, tmp_path, kind):
    app = committed_app(committed_database(kind), tmp_path / "data")
    try:
        ids = seed_invoices_to_validate(app, INVOICES)
        rows = _validate_all_at_once(app, ids)
    finally:
        app.extensions["database"].engine.dispose()
    assert sorted(row.number_sequence for row in rows) == list(range(1, INVOICES + 1))
    assert len({row.number for row in rows}) == INVOICES
    assert all(row.status.value == "validated" for row in rows)
