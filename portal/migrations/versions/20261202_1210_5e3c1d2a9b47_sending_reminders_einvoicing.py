"""Invoices mailed to customers and reminded: outbox Reply-To and attachments, invoice
history, the coop's automatic reminder days, electronic invoicing addresses

Revision ID: 5e3c1d2a9b47
Revises: d8c356d8744f
Create Date: 2026-12-02 12:10:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "5e3c1d2a9b47"
down_revision = "d8c356d8744f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))
    op.create_table(
        "outbox_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_attachments_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attachments")),
    )
    op.create_index(op.f("ix_outbox_attachments_message_id"), "outbox_attachments", ["message_id"])
    op.create_table(
        "invoice_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("sent", "reminded", name="invoice_event_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("at", portal.db.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("reminder_level", sa.Integer(), nullable=True),
        sa.Column("automatic_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["members.id"],
            name=op.f("fk_invoice_events_actor_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_events_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_events")),
        sa.UniqueConstraint(
            "invoice_id", "automatic_step", name="uq_invoice_events_automatic_step"
        ),
    )
    op.create_index(op.f("ix_invoice_events_invoice_id"), "invoice_events", ["invoice_id"])
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(
            sa.Column(
                "einvoicing_address", sa.String(length=125), server_default="", nullable=False
            )
        )
    with op.batch_alter_table("coop_settings") as batch_op:
        batch_op.add_column(
            sa.Column(
                "einvoicing_address", sa.String(length=125), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("reminder_days", sa.String(length=40), server_default="", nullable=False)
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch would copy the customers
    # table and drop the original, which the invoices' foreign keys refuse.
    op.drop_column("coop_settings", "reminder_days")
    op.drop_column("coop_settings", "einvoicing_address")
    op.drop_column("customers", "einvoicing_address")
    op.drop_index(op.f("ix_invoice_events_invoice_id"), table_name="invoice_events")
    op.drop_table("invoice_events")
    op.drop_index(op.f("ix_outbox_attachments_message_id"), table_name="outbox_attachments")
    op.drop_table("outbox_attachments")
    op.drop_column("outbox_messages", "reply_to")
