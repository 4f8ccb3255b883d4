"""Covering indexes for the projection's aggregates over invoices and receipts

Revision ID: eae26bdc1f8f
Revises: a30935514c26
Create Date: 2026-11-26 09:54:33.165543+00:00
"""

from alembic import op

revision = "eae26bdc1f8f"
down_revision = "a30935514c26"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_projection",
            [
                "member_id",
                "issue_date",
                "status",
                "kind",
                "total_excl_vat_cents",
                "vat_cents",
                "total_incl_vat_cents",
                "paid_cents",
                "credited_cents",
                "activity_id",
            ],
            unique=False,
        )

    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_receipts_projection",
            [
                "member_id",
                "spent_on",
                "status",
                "amount_cents",
                "vat_recoverable_cents",
                "activity_id",
            ],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index("ix_receipts_projection")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_projection")
