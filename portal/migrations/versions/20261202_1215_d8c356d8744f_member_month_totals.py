"""each member's movements summed per month, kept by every write (the projection's running
totals), filled from the movements already recorded; an index of unsettled invoices

Revision ID: d8c356d8744f
Revises: 6ad0d073f1b0
Create Date: 2026-12-02 12:15:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d8c356d8744f"
down_revision = "6ad0d073f1b0"
branch_labels = None
depends_on = None

# The sums of portal/projection/queries.py's FLOW_SOURCES over the whole history, written
# out for this schema (the migration must not change with the code): {month} and {year} are
# the dialect's "YYYY-MM" and "YYYY" of a date.
BACKFILL = """
INSERT INTO member_month_totals (
    member_id, month, earlier_year, invoiced_cents, collected_cents, vat_invoiced_cents,
    expenses_cents, vat_recoverable_cents, salary_cost_cents
)
SELECT member_id, month, earlier_year, SUM(invoiced), SUM(collected), SUM(vat_invoiced),
    SUM(expenses), SUM(vat_recoverable), SUM(salary_cost)
FROM (
    SELECT i.member_id AS member_id, {month_i} AS month,
        CASE WHEN {year_c} < {year_i} THEN CAST({year_c} AS INTEGER) ELSE 0 END
            AS earlier_year,
        CASE WHEN i.kind = 'credit_note' THEN -i.total_excl_vat_cents
            ELSE i.total_excl_vat_cents END AS invoiced,
        -COALESCE(
            (2 * CAST(i.refund_due_cents AS BIGINT) * i.total_excl_vat_cents
                + NULLIF(i.total_incl_vat_cents, 0))
            / (2 * NULLIF(i.total_incl_vat_cents, 0)),
            0
        ) AS collected,
        CASE WHEN i.kind = 'credit_note' THEN -i.vat_cents ELSE i.vat_cents END
            AS vat_invoiced,
        0 AS expenses, 0 AS vat_recoverable, 0 AS salary_cost
    FROM invoices i LEFT OUTER JOIN invoices c ON c.id = i.credited_invoice_id
    WHERE i.status IN ('validated', 'sent', 'partly_paid', 'paid')
    UNION ALL
    SELECT i.member_id, {month_p}, 0, 0, p.amount_excl_vat_cents, 0, 0, 0, 0
    FROM payments p JOIN invoices i ON i.id = p.invoice_id
    UNION ALL
    SELECT r.member_id, {month_r}, 0, 0, 0, 0, r.amount_cents - r.vat_recoverable_cents,
        r.vat_recoverable_cents, 0
    FROM receipts r WHERE r.status IN ('approved', 'reimbursed')
    UNION ALL
    SELECT s.member_id, {month_s}, 0, 0, 0, 0, 0, 0, s.employer_cost_cents
    FROM payslips s
) movements
GROUP BY member_id, month, earlier_year
"""


def _backfill() -> None:
    if op.get_bind().dialect.name == "sqlite":
        month, year = "substr({}, 1, 7)", "substr({}, 1, 4)"
    else:
        month, year = "to_char({}, 'YYYY-MM')", "to_char({}, 'YYYY')"
    op.execute(
        BACKFILL.format(
            month_i=month.format("i.issue_date"),
            year_i=year.format("i.issue_date"),
            year_c=year.format("c.issue_date"),
            month_p=month.format("p.received_on"),
            month_r=month.format("r.spent_on"),
            month_s=month.format("s.paid_on"),
        )
    )


def upgrade() -> None:
    op.create_table(
        "member_month_totals",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("earlier_year", sa.Integer(), nullable=False),
        sa.Column("invoiced_cents", sa.BigInteger(), nullable=False),
        sa.Column("collected_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_invoiced_cents", sa.BigInteger(), nullable=False),
        sa.Column("expenses_cents", sa.BigInteger(), nullable=False),
        sa.Column("vat_recoverable_cents", sa.BigInteger(), nullable=False),
        sa.Column("salary_cost_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_member_month_totals_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "member_id", "month", "earlier_year", name=op.f("pk_member_month_totals")
        ),
    )
    _backfill()
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_outstanding",
            [
                "member_id",
                "status",
                "kind",
                "total_incl_vat_cents",
                "paid_cents",
                "credited_cents",
                "total_excl_vat_cents",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_outstanding")
    op.drop_table("member_month_totals")
