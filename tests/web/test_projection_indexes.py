"""The projection's aggregates read covering indexes: the running totals sum a member's
months from them at each write (the whole history when rebuilt), the projection a balance's
month and this year's activities, and visiting each table row made them twice as slow."""

from datetime import date

import pytest
from sqlalchemy import create_engine, event

from portal.projection import queries

STATEMENTS = {
    "invoice flows": (queries.INVOICE_FLOWS.for_members, "ix_invoices_projection"),
    "receipt flows": (queries.RECEIPT_FLOWS.for_members, "ix_receipts_projection"),
    "one member's invoice flows": (
        queries.INVOICE_FLOWS.for_one_between,
        "ix_invoices_projection",
    ),
    "one member's receipt flows": (
        queries.RECEIPT_FLOWS.for_one_between,
        "ix_receipts_projection",
    ),
    "one member's revenue from transfers": (
        queries.TRANSFER_REVENUE_FLOWS.for_one_between,
        "ix_internal_transfers_subcontractor",
    ),
    "one member's expenses from transfers": (
        queries.TRANSFER_EXPENSE_FLOWS.for_one_between,
        "ix_internal_transfers_contractor",
    ),
    "outstanding invoices": (queries.OUTSTANDING, "ix_invoices_outstanding"),
    "invoiced per activity": (queries.ACTIVITY_INVOICED, "ix_invoices_projection"),
    "expenses per activity": (queries.ACTIVITY_EXPENSES, "ix_receipts_projection"),
}
PARAMETERS = {
    "member_ids": [1],
    "member_id": 1,
    "since": date.min,
    "until": date.max,
    "year_start": date(2026, 1, 1),
    "year_end": date(2026, 12, 31),
}


@pytest.mark.parametrize("name", STATEMENTS)
def test_projection_sums_read_a_covering_index_alone(committed_database, name):
    statement, index = STATEMENTS[name]
    engine = create_engine(committed_database("sqlite"))
    sent = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2:4]))
    with engine.connect() as connection:
        connection.execute(statement, PARAMETERS).all()
        sql, parameters = sent[-1]
        plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters).all()
    engine.dispose()
    details = [row[-1] for row in plan]
    assert any(f"COVERING INDEX {index}" in detail for detail in details), details
