"""Notifications (in the app, with each member's email settings) and HTML mail in the outbox

Revision ID: 6ad0d073f1b0
Revises: e7d00583680c
Create Date: 2026-12-02 07:45:22.433985+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "6ad0d073f1b0"
down_revision = "e7d00583680c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice_validated",
                "invoice_returned",
                "invoice_paid",
                "receipt_approved",
                "receipt_refused",
                "receipt_reimbursed",
                "payslip_recorded",
                "booking_confirmed",
                "booking_promoted",
                "workshop_changed",
                "workshop_cancelled",
                "meeting_invitation",
                "meeting_reminder",
                "meeting_notes",
                "invoice_submitted",
                "receipt_submitted",
                name="notification_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "email",
            sa.Enum("at_once", "daily", "off", name="email_delivery", native_enum=False, length=20),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_notification_settings_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "kind", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice_validated",
                "invoice_returned",
                "invoice_paid",
                "receipt_approved",
                "receipt_refused",
                "receipt_reimbursed",
                "payslip_recorded",
                "booking_confirmed",
                "booking_promoted",
                "workshop_changed",
                "workshop_cancelled",
                "meeting_invitation",
                "meeting_reminder",
                "meeting_notes",
                "invoice_submitted",
                "receipt_submitted",
                name="notification_kind",
                native_enum=False,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("awaits_digest", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_notifications_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_member_unread", ["member_id", "read_at"], unique=False
        )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("html")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_member_unread")

    op.drop_table("notifications")
    op.drop_table("notification_settings")
