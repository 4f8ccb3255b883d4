"""Coop provisions (reserve, paid leave, meal vouchers, health plan shares, CAPE minimum) and
fixed fees as a list

Revision ID: 9d3f2a382e22
Revises: 909033d1e847
Create Date: 2026-12-02 05:03:13.546039+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9d3f2a382e22"
down_revision = "909033d1e847"
branch_labels = None
depends_on = None

# The coop's single fixed amount becomes the first fee of the list, under this label.
FEES_LABEL = "Frais fixes"


def upgrade() -> None:
    fixed_fees = op.create_table(
        "fixed_fees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("monthly_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("monthly_cents > 0", name=op.f("ck_fixed_fees_monthly_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fixed_fees")),
    )
    connection = op.get_bind()
    fees = connection.execute(
        sa.text("SELECT fixed_monthly_fees_cents FROM coop_settings WHERE id = 1")
    ).scalar()
    if fees:
        op.bulk_insert(fixed_fees, [{"label": FEES_LABEL, "monthly_cents": fees}])
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_coop_settings_contribution_amounts_positive"), type_="check"
        )
        batch_op.drop_column("fixed_monthly_fees_cents")
        batch_op.add_column(
            sa.Column(
                "contribution_yearly_minimum_cape_cents",
                sa.Integer(),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "reserve_rate", sa.Numeric(precision=5, scale=4), server_default="0", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("reserve_amount_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "paid_leave_rate",
                sa.Numeric(precision=5, scale=4),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("meal_vouchers_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "health_plan_employer_cents", sa.Integer(), server_default="2000", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "health_plan_employee_cents", sa.Integer(), server_default="2000", nullable=False
            )
        )
        batch_op.create_check_constraint(
            "contribution_amounts_positive", "contribution_yearly_minimum_cents >= 0"
        )
        batch_op.create_check_constraint(
            "provision_amounts_positive",
            "contribution_yearly_minimum_cape_cents >= 0 AND reserve_amount_cents >= 0 "
            "AND meal_vouchers_cents >= 0 AND health_plan_employer_cents >= 0 "
            "AND health_plan_employee_cents >= 0",
        )
        batch_op.create_check_constraint(
            "provision_rates_range",
            "reserve_rate >= 0 AND reserve_rate <= 1 AND paid_leave_rate >= 0 "
            "AND paid_leave_rate < 1",
        )
    # The CAPE minimum was the one minimum until now.
    op.execute(
        "UPDATE coop_settings SET contribution_yearly_minimum_cape_cents = "
        "contribution_yearly_minimum_cents"
    )


def downgrade() -> None:
    connection = op.get_bind()
    fees = connection.execute(sa.text("SELECT SUM(monthly_cents) FROM fixed_fees")).scalar()
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_coop_settings_provision_rates_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_coop_settings_provision_amounts_positive"), type_="check")
        batch_op.drop_constraint(
            op.f("ck_coop_settings_contribution_amounts_positive"), type_="check"
        )
        batch_op.drop_column("health_plan_employee_cents")
        batch_op.drop_column("health_plan_employer_cents")
        batch_op.drop_column("meal_vouchers_cents")
        batch_op.drop_column("paid_leave_rate")
        batch_op.drop_column("reserve_amount_cents")
        batch_op.drop_column("reserve_rate")
        batch_op.drop_column("contribution_yearly_minimum_cape_cents")
        batch_op.add_column(
            sa.Column("fixed_monthly_fees_cents", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            "contribution_amounts_positive",
            "contribution_yearly_minimum_cents >= 0 AND fixed_monthly_fees_cents >= 0",
        )
    # The list's total is the one amount again (its labels are lost).
    op.execute(
        sa.text("UPDATE coop_settings SET fixed_monthly_fees_cents = :fees").bindparams(
            fees=int(fees or 0)
        )
    )
    op.drop_table("fixed_fees")
