"""Sales: customers, invoices and credit notes, numbering counters, payments; coop invoice
settings and the per-entrepreneur trusted flag.

Revision ID: a5be7cdc0523
Revises: f13cfa2c6709
Create Date: 2026-11-26 07:16:41.353934+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "a5be7cdc0523"
down_revision = "f13cfa2c6709"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("company", "individual", name="customer_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("vat_number", sa.String(length=14), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_customers_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_member_name", ["member_id", "name"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("invoice", "credit_note", name="invoice_kind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "validated",
                "sent",
                "partly_paid",
                "paid",
                name="invoice_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("credited_invoice_id", sa.Integer(), nullable=True),
        sa.Column("series", sa.String(length=20), nullable=True),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("number_sequence", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=35), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column(
            "operation_type",
            sa.Enum(
                "services", "goods", "mixed", name="operation_type", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("purchase_order", sa.String(length=60), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("total_excl_vat_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("total_incl_vat_cents", sa.Integer(), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("credited_cents", sa.Integer(), nullable=False),
        sa.Column("return_comment", sa.Text(), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=True),
        sa.Column("seller", sa.JSON(), nullable=True),
        sa.Column("buyer", sa.JSON(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validated_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'credit_note') = (credited_invoice_id IS NOT NULL)",
            name=op.f("ck_invoices_credit_note_references_invoice"),
        ),
        sa.CheckConstraint(
            "(number IS NULL) = (status IN ('draft', 'submitted', 'returned'))",
            name=op.f("ck_invoices_numbered_when_issued"),
        ),
        sa.CheckConstraint("due_date >= issue_date", name=op.f("ck_invoices_due_after_issue")),
        sa.CheckConstraint(
            "total_excl_vat_cents >= 0 AND vat_cents >= 0 AND paid_cents >= 0",
            name=op.f("ck_invoices_amounts_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_invoices_activity_id_activities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credited_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoices_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_invoices_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_id"], ["members.id"], name=op.f("fk_invoices_validated_by_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("member_id", "form_token", name="uq_invoices_member_form_token"),
        sa.UniqueConstraint("number", name="uq_invoices_number_text"),
        sa.UniqueConstraint("series", "number_year", "number_sequence", name="uq_invoices_number"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoices_credited_invoice_id"), ["credited_invoice_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invoices_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_invoices_member_id_desc", ["member_id", "id"], unique=False)
        batch_op.create_index(
            "ix_invoices_status_submitted", ["status", "submitted_at"], unique=False
        )

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
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
            name=op.f("ck_invoice_lines_discount_range"),
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_invoice_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price_cents >= 0", name=op.f("ck_invoice_lines_unit_price_positive")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint(
            "invoice_id", "position", name=op.f("uq_invoice_lines_invoice_id_position")
        ),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payments_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["members.id"], name=op.f("fk_payments_recorded_by_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_invoice_id"), ["invoice_id"], unique=False)

    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "invoice_number_pattern",
                sa.String(length=40),
                nullable=False,
                server_default="F{year}-{number:05}",
            )
        )
        batch_op.add_column(
            sa.Column(
                "credit_note_number_pattern",
                sa.String(length=40),
                nullable=False,
                server_default="A{year}-{number:05}",
            )
        )
        batch_op.add_column(
            sa.Column(
                "late_penalty_terms",
                sa.String(length=300),
                nullable=False,
                server_default="Pénalités de retard : taux de refinancement de la BCE majoré de 10 points.",
            )
        )
        batch_op.add_column(
            sa.Column(
                "early_payment_terms",
                sa.String(length=300),
                nullable=False,
                server_default="Pas d'escompte pour paiement anticipé.",
            )
        )
        batch_op.add_column(
            sa.Column("iban", sa.String(length=34), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("bic", sa.String(length=11), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("vat_on_debits", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trusted_invoicing", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("trusted_invoicing")

    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_column("vat_on_debits")
        batch_op.drop_column("bic")
        batch_op.drop_column("iban")
        batch_op.drop_column("early_payment_terms")
        batch_op.drop_column("late_penalty_terms")
        batch_op.drop_column("credit_note_number_pattern")
        batch_op.drop_column("invoice_number_pattern")

    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_invoice_id"))

    op.drop_table("payments")
    op.drop_table("invoice_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_status_submitted")
        batch_op.drop_index("ix_invoices_member_id_desc")
        batch_op.drop_index(batch_op.f("ix_invoices_customer_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_credited_invoice_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_member_name")

    op.drop_table("customers")
    op.drop_table("invoice_counters")
