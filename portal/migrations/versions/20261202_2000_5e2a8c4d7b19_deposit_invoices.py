"""Deposit invoices: which of a quote's invoices are deposits (facture d'acompte)

Revision ID: 5e2a8c4d7b19
Revises: 9b4d2e6f1a37
Create Date: 2026-12-02 20:00:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5e2a8c4d7b19"
down_revision = "9b4d2e6f1a37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing references quote_invoices: SQLite adds the column in place.
    op.add_column(
        "quote_invoices",
        sa.Column("is_deposit", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # The deposits made so far are the invoices whose lines the portal wrote as deposits, in
    # French: "Acompte de 30 % sur le devis D2026-00001" (portal/quotes/invoicing.py).
    op.execute(
        "UPDATE quote_invoices SET is_deposit = TRUE WHERE invoice_id IN ("
        "SELECT invoice_id FROM invoice_lines WHERE description LIKE 'Acompte de % sur le devis %')"
    )


def downgrade() -> None:
    with op.batch_alter_table("quote_invoices") as batch_op:
        batch_op.drop_column("is_deposit")
