"""Fifty transfers validated at once by ten staff sessions, real commits, on SQLite and on
PostgreSQL: every one validated once, numbers 1..50 of their own series without a gap or a
duplicate, and what the subcontractors' projections gained equals what the contractors'
lost."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.dates import paris_today
from portal.db import db
from portal.members.models import Member, Role
from portal.money import from_cents
from portal.projection.services import coop_terms, projections
from portal.transfers.models import InternalTransfer, TransferStatus
from tests.helpers import committed_app, seed_transfers_to_validate, validating_threads

TRANSFERS = 50
WORKERS = 10


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_concurrent_validations_are_gapless_and_both_sides_add_up(
    committed_database, tmp_path, kind
):
    app = committed_app(committed_database(kind), tmp_path / "data")
    try:
        ids = seed_transfers_to_validate(app, TRANSFERS)
        errors = []
        threads = validating_threads(app, ids, WORKERS, errors, path="/transfers/{}/validate")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            rows = db.session.execute(
                select(InternalTransfer.number_sequence, InternalTransfer.number,
                       InternalTransfer.status, InternalTransfer.amount_cents)
            ).all()  # fmt: skip
            entrepreneurs = select(Member).where(Member.role == Role.ENTREPRENEUR)
            members = list(db.session.scalars(entrepreneurs))
            today = paris_today()
            figures = projections(db.session, members, today, coop_terms(db.session))
    finally:
        app.extensions["database"].engine.dispose()
    assert sorted(row.number_sequence for row in rows) == list(range(1, TRANSFERS + 1))
    assert len({row.number for row in rows}) == TRANSFERS
    assert {row.status for row in rows} == {TransferStatus.VALIDATED}
    total = from_cents(sum(row.amount_cents for row in rows))
    revenue = sum((sum(m.invoiced for m in p.months) for p in figures.values()), Decimal(0))
    expenses = sum((sum(m.expenses for m in p.months) for p in figures.values()), Decimal(0))
    assert revenue == expenses == total
