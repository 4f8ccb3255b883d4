"""coop payroll rates for the salary simulator

Revision ID: f13cfa2c6709
Revises: 14d2b0b612c4
Create Date: 2026-11-26 07:15:14.902316+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f13cfa2c6709"
down_revision = "14d2b0b612c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("work_accident_rate", sa.Numeric(precision=6, scale=5), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "mobility_levy_rate",
                sa.Numeric(precision=6, scale=5),
                server_default="0",
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_coop_settings_work_accident_rate_range"),
            "work_accident_rate IS NULL OR (work_accident_rate > 0 AND work_accident_rate <= 1)",
        )
        batch_op.create_check_constraint(
            op.f("ck_coop_settings_mobility_levy_rate_range"),
            "mobility_levy_rate >= 0 AND mobility_levy_rate <= 1",
        )


def downgrade() -> None:
    with op.batch_alter_table("coop_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_coop_settings_mobility_levy_rate_range"), type_="check")
        batch_op.drop_constraint(op.f("ck_coop_settings_work_accident_rate_range"), type_="check")
        batch_op.drop_column("mobility_levy_rate")
        batch_op.drop_column("work_accident_rate")
