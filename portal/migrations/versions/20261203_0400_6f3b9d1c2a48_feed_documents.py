"""Feed documents: the representations the change feed keeps as JSON

Revision ID: 6f3b9d1c2a48
Revises: 5e2a8c4d7b19
Create Date: 2026-12-03 04:00:00.000000+00:00

No backfill: an entity without a document is built on read, as before, until its next write
(or `portal rebuild-feed-documents`)."""

import sqlalchemy as sa
from alembic import op

revision = "6f3b9d1c2a48"
down_revision = "5e2a8c4d7b19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_documents",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "entity_id", name=op.f("pk_feed_documents")),
    )


def downgrade() -> None:
    op.drop_table("feed_documents")
