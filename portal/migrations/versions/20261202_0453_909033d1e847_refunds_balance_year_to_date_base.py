"""refunds owed on credit notes of paid invoices; a balance's year-to-date base

Revision ID: 909033d1e847
Revises: 1ee73af9f974
Create Date: 2026-12-02 04:53:40.780804+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "909033d1e847"
down_revision = "1ee73af9f974"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "transfer",
                "check",
                "card",
                "cash",
                "direct_debit",
                "other",
                name="payment_method",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["invoices.id"],
            name=op.f("fk_refunds_credit_note_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["members.id"], name=op.f("fk_refunds_recorded_by_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refunds_credit_note_id"), ["credit_note_id"], unique=False
        )

    with op.batch_alter_table("balance_snapshots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("year_to_date_base_cents", sa.Integer(), nullable=True))

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refund_due_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("refunded_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_index(batch_op.f("ix_invoices_projection"))
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
                "refund_due_cents",
                "credited_invoice_id",
            ],
            unique=False,
        )
    _backfill_refunds_due()


def _backfill_refunds_due() -> None:
    """Credit notes already issued on money received: what was paid beyond what is left to
    pay goes back to the customer, owed by the latest credit notes first (the earlier ones
    were issued while something was still unpaid)."""
    connection = op.get_bind()
    overpaid = connection.execute(
        sa.text(
            "SELECT id, paid_cents + credited_cents - total_incl_vat_cents FROM invoices "
            "WHERE kind = 'invoice' AND paid_cents + credited_cents > total_incl_vat_cents"
        )
    ).all()
    for invoice_id, excess in overpaid:
        credit_notes = connection.execute(
            sa.text(
                "SELECT id, total_incl_vat_cents FROM invoices WHERE credited_invoice_id = :id "
                "AND number IS NOT NULL ORDER BY id DESC"
            ),
            {"id": invoice_id},
        ).all()
        for credit_note_id, amount in credit_notes:
            due = min(excess, amount)
            if due <= 0:
                break
            connection.execute(
                sa.text("UPDATE invoices SET refund_due_cents = :due WHERE id = :id"),
                {"due": due, "id": credit_note_id},
            )
            excess -= due


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch would copy the invoices
    # table and drop the original, which the payments' foreign keys refuse.
    op.drop_index("ix_invoices_projection", table_name="invoices")
    op.drop_column("invoices", "refunded_cents")
    op.drop_column("invoices", "refund_due_cents")
    op.create_index(
        "ix_invoices_projection",
        "invoices",
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
    op.drop_column("balance_snapshots", "year_to_date_base_cents")
    op.drop_index(op.f("ix_refunds_credit_note_id"), table_name="refunds")
    op.drop_table("refunds")
