"""payslips, balance snapshots, contribution scheme

Revision ID: f245aa02922d
Revises: cc721f871a16
Create Date: 2026-11-26 07:21:32.756851+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "f245aa02922d"
down_revision = "cc721f871a16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contribution_bands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("start_cents", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.CheckConstraint("rate >= 0 AND rate < 1", name=op.f("ck_contribution_bands_rate_range")),
        sa.CheckConstraint("start_cents >= 0", name=op.f("ck_contribution_bands_start_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_bands")),
        sa.UniqueConstraint("start_cents", name=op.f("uq_contribution_bands_start_cents")),
    )
    op.create_table(
        "balance_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_balance_snapshots_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_snapshots")),
        sa.UniqueConstraint("member_id", "date", name=op.f("uq_balance_snapshots_member_id_date")),
    )
    op.create_table(
        "payslips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("gross_cents", sa.Integer(), nullable=False),
        sa.Column("net_cents", sa.Integer(), nullable=False),
        sa.Column("employer_cost_cents", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period LIKE '____-__'", name=op.f("ck_payslips_period_format")),
        sa.CheckConstraint(
            "gross_cents >= 0 AND net_cents >= 0 AND net_cents <= gross_cents AND employer_cost_cents >= gross_cents",
            name=op.f("ck_payslips_amounts_consistent"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_payslips_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payslips")),
        sa.UniqueConstraint("member_id", "period", name=op.f("uq_payslips_member_id_period")),
    )
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "contribution_scheme",
                sa.Enum("flat", "banded", name="contribution_scheme", native_enum=False, length=20),
                nullable=False,
                server_default="flat",
            )
        )
        batch_op.add_column(
            sa.Column(
                "contribution_basis",
                sa.Enum(
                    "invoiced", "collected", name="contribution_basis", native_enum=False, length=20
                ),
                nullable=False,
                server_default="invoiced",
            )
        )
        batch_op.add_column(
            sa.Column(
                "contribution_yearly_minimum_cents",
                sa.Integer(),
                nullable=False,
                server_default="0",
            )
        )
        batch_op.add_column(
            sa.Column("fixed_monthly_fees_cents", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint(
            "contribution_amounts_positive",
            "contribution_yearly_minimum_cents >= 0 AND fixed_monthly_fees_cents >= 0",
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_monthly_gross_cents", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "contract_gross_positive",
            "contract_monthly_gross_cents IS NULL OR contract_monthly_gross_cents > 0",
        )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_members_contract_gross_positive"), type_="check")
        batch_op.drop_column("contract_monthly_gross_cents")

    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_coop_settings_contribution_amounts_positive"), type_="check"
        )
        batch_op.drop_column("fixed_monthly_fees_cents")
        batch_op.drop_column("contribution_yearly_minimum_cents")
        batch_op.drop_column("contribution_basis")
        batch_op.drop_column("contribution_scheme")

    op.drop_table("payslips")
    op.drop_table("balance_snapshots")
    op.drop_table("contribution_bands")
