"""Outbox messages written at delivery: the composer and its key; subject and body empty
until then

Revision ID: 7c1e5a9d3f60
Revises: 6f3b9d1c2a48
Create Date: 2026-12-03 08:00:00.000000+00:00

Every message queued before it was written when queued: nothing to fill."""

import sqlalchemy as sa
from alembic import op

revision = "7c1e5a9d3f60"
down_revision = "6f3b9d1c2a48"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("composer", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("composer_key", sa.Integer(), nullable=True))
        batch.alter_column("subject", existing_type=sa.String(length=200), nullable=True)
        batch.alter_column("body", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    # A message still to be written cannot be kept without its words: it is dropped.
    op.execute("DELETE FROM outbox_messages WHERE body IS NULL")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch.alter_column("subject", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("composer_key")
        batch.drop_column("composer")
