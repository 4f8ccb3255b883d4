"""Page versions: the tokens that name what each member's kept pages show

Revision ID: 9b4d2e6f1a37
Revises: 3c1e5a7f9b20
Create Date: 2026-12-02 16:00:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9b4d2e6f1a37"
down_revision = "3c1e5a7f9b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_versions",
        sa.Column("scope", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_page_versions")),
    )


def downgrade() -> None:
    op.drop_table("page_versions")
