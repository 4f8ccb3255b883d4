"""Internal transfers between entrepreneurs (transfert de charges) and the coop's limit

Revision ID: 3c1e7a9b5d20
Revises: d23a7e5c1f90
Create Date: 2026-12-02 12:15:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "3c1e7a9b5d20"
down_revision = "d23a7e5c1f90"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "internal_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subcontractor_id", sa.Integer(), nullable=False),
        sa.Column("contractor_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "issued",
                "accepted",
                "refused",
                "validated",
                name="transfer_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("number_year", sa.Integer(), nullable=True),
        sa.Column("number_sequence", sa.Integer(), nullable=True),
        sa.Column("number", sa.String(length=35), nullable=True),
        sa.Column("validated_on", sa.Date(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("refused_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validated_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("validated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(number IS NULL) = (status <> 'validated')",
            name=op.f("ck_internal_transfers_numbered_when_validated"),
        ),
        sa.CheckConstraint(
            "(validated_on IS NULL) = (status <> 'validated')",
            name=op.f("ck_internal_transfers_dated_when_validated"),
        ),
        sa.CheckConstraint(
            "(reverses_id IS NULL AND amount_cents > 0) "
            "OR (reverses_id IS NOT NULL AND amount_cents < 0)",
            name=op.f("ck_internal_transfers_reversal_negative"),
        ),
        sa.CheckConstraint(
            "subcontractor_id <> contractor_id", name=op.f("ck_internal_transfers_two_members")
        ),
        sa.ForeignKeyConstraint(
            ["contractor_id"],
            ["members.id"],
            name=op.f("fk_internal_transfers_contractor_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["internal_transfers.id"],
            name=op.f("fk_internal_transfers_reverses_id_internal_transfers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["subcontractor_id"],
            ["members.id"],
            name=op.f("fk_internal_transfers_subcontractor_id_members"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["validated_by_id"],
            ["members.id"],
            name=op.f("fk_internal_transfers_validated_by_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_transfers")),
        sa.UniqueConstraint("number", name="uq_internal_transfers_number"),
        sa.UniqueConstraint(
            "number_year", "number_sequence", name="uq_internal_transfers_sequence"
        ),
        sa.UniqueConstraint(
            "subcontractor_id", "form_token", name="uq_internal_transfers_form_token"
        ),
    )
    with op.batch_alter_table("internal_transfers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_internal_transfers_contractor",
            ["contractor_id", "validated_on", "status", "amount_cents"],
            unique=False,
        )
        batch_op.create_index(
            "ix_internal_transfers_subcontractor",
            ["subcontractor_id", "validated_on", "status", "amount_cents"],
            unique=False,
        )
        batch_op.create_index("ix_internal_transfers_status", ["status", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_internal_transfers_reverses_id"), ["reverses_id"], unique=False
        )

    op.create_table(
        "internal_transfer_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["internal_transfers.id"],
            name=op.f("fk_internal_transfer_lines_transfer_id_internal_transfers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_transfer_lines")),
        sa.UniqueConstraint(
            "transfer_id",
            "position",
            name=op.f("uq_internal_transfer_lines_transfer_id_position"),
        ),
    )
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "transfer_limit_cents", sa.Integer(), server_default="2000000", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_column("transfer_limit_cents")
    op.drop_table("internal_transfer_lines")
    with op.batch_alter_table("internal_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_internal_transfers_reverses_id"))
        batch_op.drop_index("ix_internal_transfers_status")
        batch_op.drop_index("ix_internal_transfers_subcontractor")
        batch_op.drop_index("ix_internal_transfers_contractor")
    op.drop_table("internal_transfers")
