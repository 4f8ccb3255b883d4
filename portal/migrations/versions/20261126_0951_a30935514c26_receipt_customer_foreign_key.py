"""receipt customer foreign key

Revision ID: a30935514c26
Revises: e7bac9c582db
Create Date: 2026-11-26 09:51:59.686223+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a30935514c26"
down_revision = "e7bac9c582db"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The column existed without a key and no form set it; any value not naming one of the
    # receipt's own member's customers is meaningless, so it is cleared before the key exists.
    op.execute(
        sa.text(
            "UPDATE receipts SET customer_id = NULL WHERE customer_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM customers WHERE customers.id = receipts.customer_id "
            "AND customers.member_id = receipts.member_id)"
        )
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_customer_id"), ["customer_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_receipts_customer_id_customers"),
            "customers",
            ["customer_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_receipts_customer_id_customers"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_receipts_customer_id"))
