"""member profile, status history, associate requests

Members get a phone, an address and an IBAN; entrepreneurs a dated history of their status,
which starts with their current one from the day they joined, and their requests to become
an associate with the team's decision.

Revision ID: e7d00583680c
Revises: 9d3f2a382e22
Create Date: 2026-12-02 07:42:20.973089+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "e7d00583680c"
down_revision = "9d3f2a382e22"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "associate_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column(
            "decision",
            sa.Enum("accepted", "refused", name="associate_decision", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["members.id"],
            name=op.f("fk_associate_requests_decided_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_associate_requests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_associate_requests")),
    )
    with op.batch_alter_table("associate_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_associate_requests_one_pending",
            ["member_id"],
            unique=True,
            sqlite_where=sa.text("decision IS NULL"),
            postgresql_where=sa.text("decision IS NULL"),
        )

    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "accompagne",
                "salarie",
                "associe",
                name="member_status",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "accompagne",
                "salarie",
                "associe",
                name="member_status",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_status_changes_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["members.id"],
            name=op.f("fk_status_changes_recorded_by_id_members"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_changes_member_id"), ["member_id"], unique=False
        )

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("phone", sa.String(length=30), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("address", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("iban", sa.String(length=34), nullable=True))

    # Every entrepreneur's history starts with their current status, from the day they joined.
    joined = (
        "date(created_at)"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(created_at AT TIME ZONE 'Europe/Paris' AS DATE)"
    )
    insert = (  # no input: `joined` is one of two fixed texts
        "INSERT INTO status_changes (member_id, from_status, to_status, effective_on, "  # noqa: S608
        f"recorded_at, note) SELECT id, NULL, status, {joined}, created_at, '' "
        "FROM members WHERE status IS NOT NULL"
    )
    op.execute(insert)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch would copy the members table,
    # and dropping the old one fails on the rows that point to it.
    op.drop_column("members", "iban")
    op.drop_column("members", "address")
    op.drop_column("members", "phone")

    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_changes_member_id"))

    op.drop_table("status_changes")
    with op.batch_alter_table("associate_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_associate_requests_one_pending",
            sqlite_where=sa.text("decision IS NULL"),
            postgresql_where=sa.text("decision IS NULL"),
        )

    op.drop_table("associate_requests")
