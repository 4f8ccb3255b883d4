"""The audit trail (audit_events) and reset requests counted for throttling

Revision ID: b0a66163636a
Revises: 6fbdbe32e146
Create Date: 2026-12-02 04:49:56.888047+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "b0a66163636a"
down_revision = "6fbdbe32e146"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.create_index("ix_password_reset_requests_email_at", ["email", "at"], unique=False)
        batch_op.create_index("ix_password_reset_requests_ip_at", ["ip", "at"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_label", sa.String(length=254), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["members.id"],
            name=op.f("fk_audit_events_actor_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["members.id"],
            name=op.f("fk_audit_events_subject_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_actor_at", ["actor_id", "at"], unique=False)
        batch_op.create_index("ix_audit_events_at", ["at"], unique=False)
        batch_op.create_index("ix_audit_events_event_at", ["event", "at"], unique=False)
        batch_op.create_index("ix_audit_events_subject_at", ["subject_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject_at")
        batch_op.drop_index("ix_audit_events_event_at")
        batch_op.drop_index("ix_audit_events_at")
        batch_op.drop_index("ix_audit_events_actor_at")

    op.drop_table("audit_events")
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_password_reset_requests_ip_at")
        batch_op.drop_index("ix_password_reset_requests_email_at")

    op.drop_table("password_reset_requests")
