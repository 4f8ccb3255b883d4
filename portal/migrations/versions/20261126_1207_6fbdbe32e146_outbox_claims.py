"""Outbox claims: a deliverer marks a message before sending it

Revision ID: 6fbdbe32e146
Revises: eae26bdc1f8f
Create Date: 2026-11-26 12:07:02.939991+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "6fbdbe32e146"
down_revision = "eae26bdc1f8f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_at", portal.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
