"""payments: their excl. VAT part, fixed when recorded

Revision ID: 1ee73af9f974
Revises: b0a66163636a
Create Date: 2026-12-02 04:45:17.821074+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "1ee73af9f974"
down_revision = "b0a66163636a"
branch_labels = None
depends_on = None

# Each payment's part: the rounded excl. VAT part of what was paid on its invoice up to and
# including it (in the order payments were recorded), less that of what was paid before it.
PAID_THROUGH = (
    "(SELECT CAST(SUM(earlier.amount_cents) AS BIGINT) FROM payments AS earlier "
    "WHERE earlier.invoice_id = payments.invoice_id AND earlier.id <= payments.id)"
)
BACKFILL = (
    "UPDATE payments SET amount_excl_vat_cents = ("  # noqa: S608 (no input: the text above)
    f"SELECT (2 * {PAID_THROUGH} * i.total_excl_vat_cents + i.total_incl_vat_cents)"
    " / (2 * i.total_incl_vat_cents)"
    f" - (2 * ({PAID_THROUGH} - payments.amount_cents) * i.total_excl_vat_cents"
    " + i.total_incl_vat_cents) / (2 * i.total_incl_vat_cents)"
    " FROM invoices AS i WHERE i.id = payments.invoice_id)"
)


def upgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("amount_excl_vat_cents", sa.Integer(), nullable=True))
    op.execute(BACKFILL)
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("amount_excl_vat_cents", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("amount_excl_vat_cents")
