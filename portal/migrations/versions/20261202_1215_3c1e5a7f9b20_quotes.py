"""Quotes (devis) with their lines, their number pattern, and the quote each invoice comes from

Revision ID: 3c1e5a7f9b20
Revises: 3c1e7a9b5d20
Create Date: 2026-12-02 12:15:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "3c1e5a7f9b20"
down_revision = "3c1e7a9b5d20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "validated",
                "sent",
                "accepted",
                "refused",
                name="quote_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("series", sa.String(length=20), nullable=True),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("number_sequence", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=35), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column(
            "operation_type",
            sa.Enum(
                "services", "goods", "mixed", name="operation_type", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("payment_terms", sa.String(length=300), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("total_excl_vat_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_vat_cents", sa.Integer(), nullable=False),
        sa.Column("return_comment", sa.Text(), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=True),
        sa.Column("seller", sa.JSON(), nullable=True),
        sa.Column("buyer", sa.JSON(), nullable=True),
        sa.Column("access_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validated_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("signed_from_ip", sa.String(length=45), nullable=False),
        sa.Column("signed_copy_key", sa.String(length=300), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(number IS NULL) = (status IN ('draft', 'submitted', 'returned'))",
            name=op.f("ck_quotes_numbered_when_issued"),
        ),
        sa.CheckConstraint("valid_until >= issue_date", name=op.f("ck_quotes_valid_after_issue")),
        sa.CheckConstraint(
            "total_excl_vat_cents >= 0 AND vat_cents >= 0 AND total_incl_vat_cents >= 0",
            name=op.f("ck_quotes_amounts_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_quotes_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_quotes_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_quotes_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_id"], ["members.id"], name=op.f("fk_quotes_validated_by_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("access_token", name="uq_quotes_access_token"),
        sa.UniqueConstraint("member_id", "form_token", name="uq_quotes_member_form_token"),
        sa.UniqueConstraint("number", name="uq_quotes_number_text"),
        sa.UniqueConstraint("series", "number_year", "number_sequence", name="uq_quotes_number"),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_quotes_member_id_desc", ["member_id", "id"], unique=False)
        batch_op.create_index(
            "ix_quotes_status_submitted", ["status", "submitted_at"], unique=False
        )

    op.create_table(
        "quote_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "discount_percent >= 0 AND discount_percent <= 100",
            name=op.f("ck_quote_lines_discount_range"),
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_quote_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price_cents >= 0", name=op.f("ck_quote_lines_unit_price_positive")
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_lines_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
        sa.UniqueConstraint("quote_id", "position", name=op.f("uq_quote_lines_quote_id_position")),
    )

    op.create_table(
        "quote_invoices",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_quote_invoices_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_invoices_quote_id_quotes"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_quote_invoices")),
    )
    op.create_index(
        op.f("ix_quote_invoices_quote_id"), "quote_invoices", ["quote_id"], unique=False
    )

    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "quote_number_pattern",
                sa.String(length=40),
                server_default="D{year}-{number:05}",
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_column("quote_number_pattern")
    op.drop_index(op.f("ix_quote_invoices_quote_id"), table_name="quote_invoices")
    op.drop_table("quote_invoices")
    op.drop_table("quote_lines")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_status_submitted")
        batch_op.drop_index("ix_quotes_member_id_desc")
        batch_op.drop_index(batch_op.f("ix_quotes_customer_id"))
    op.drop_table("quotes")
