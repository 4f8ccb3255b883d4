"""Directory cards with their skills and full-text search; network requests, private threads

Revision ID: d23a7e5c1f90
Revises: 5e3c1d2a9b47
Create Date: 2026-12-02 12:10:00.000000+00:00
"""

import sqlalchemy as sa
from alembic import op

import portal.db

revision = "d23a7e5c1f90"
down_revision = "5e3c1d2a9b47"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("activity", sa.String(length=120), nullable=False),
        sa.Column("area", sa.String(length=120), nullable=False),
        sa.Column("presentation", sa.Text(), nullable=False),
        sa.Column("skills_text", sa.Text(), nullable=False),
        sa.Column("show_email", sa.Boolean(), nullable=False),
        sa.Column("show_phone", sa.Boolean(), nullable=False),
        sa.Column("photo_key", sa.String(length=200), nullable=True),
        sa.Column("updated_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(presentation) <= 2000",
            name=op.f("ck_directory_cards_presentation_length"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_directory_cards_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_cards")),
        sa.UniqueConstraint("member_id", name=op.f("uq_directory_cards_member_id")),
    )
    with op.batch_alter_table("directory_cards", schema=None) as batch_op:
        batch_op.create_index("ix_directory_cards_listed", ["listed", "member_id"], unique=False)

    op.create_table(
        "directory_skills",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["directory_cards.id"],
            name=op.f("fk_directory_skills_card_id_directory_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("card_id", "tag", name=op.f("pk_directory_skills")),
    )
    with op.batch_alter_table("directory_skills", schema=None) as batch_op:
        batch_op.create_index("ix_directory_skills_key", ["key", "card_id"], unique=False)

    op.create_table(
        "network_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=150), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("place", sa.String(length=120), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(details) <= 2000", name=op.f("ck_network_requests_details_length")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_network_requests_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_requests")),
    )
    with op.batch_alter_table("network_requests", schema=None) as batch_op:
        batch_op.create_index("ix_network_requests_ends_on", ["ends_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_network_requests_member_id"), ["member_id"], unique=False
        )

    op.create_table(
        "network_request_tags",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["network_requests.id"],
            name=op.f("fk_network_request_tags_request_id_network_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "tag", name=op.f("pk_network_request_tags")),
    )
    op.create_table(
        "network_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("answerer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answerer_id"],
            ["members.id"],
            name=op.f("fk_network_threads_answerer_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["network_requests.id"],
            name=op.f("fk_network_threads_request_id_network_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_threads")),
        sa.UniqueConstraint(
            "request_id", "answerer_id", name=op.f("uq_network_threads_request_id_answerer_id")
        ),
    )
    with op.batch_alter_table("network_threads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_threads_answerer_id"), ["answerer_id"], unique=False
        )

    op.create_table(
        "network_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(body) <= 2000", name=op.f("ck_network_messages_body_length")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name=op.f("fk_network_messages_author_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["network_threads.id"],
            name=op.f("fk_network_messages_thread_id_network_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_messages")),
    )
    with op.batch_alter_table("network_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_network_messages_thread_id"), ["thread_id"], unique=False
        )
    create_search()


def downgrade() -> None:
    drop_search()
    with op.batch_alter_table("network_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_messages_thread_id"))
    op.drop_table("network_messages")
    with op.batch_alter_table("network_threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_threads_answerer_id"))
    op.drop_table("network_threads")
    op.drop_table("network_request_tags")
    with op.batch_alter_table("network_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_requests_member_id"))
        batch_op.drop_index("ix_network_requests_ends_on")
    op.drop_table("network_requests")
    with op.batch_alter_table("directory_skills", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_skills_key")
    op.drop_table("directory_skills")
    with op.batch_alter_table("directory_cards", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_cards_listed")
    op.drop_table("directory_cards")


# Full-text search of the cards (see portal/directory/queries.py), made as the meeting notes'
# is: not in the models, named in portal.db.SEARCH_OBJECTS so schema comparisons skip it.


ACCENTED = "àâäáãåçéèêëíìîïñóòôöõúùûüýÿÀÂÄÁÃÅÇÉÈÊËÍÌÎÏÑÓÒÔÖÕÚÙÛÜÝŸ"
PLAIN = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUYY"


def _folded(column: str) -> str:
    return f"translate(coalesce({column}, ''), '{ACCENTED}', '{PLAIN}')"


def create_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The area weighted A, so that a place is looked for in it alone (`:*A`). Accents are
        # folded as on SQLite (translate() is immutable, as a generated column needs; the
        # same letters as portal/directory/queries.py folds in what is typed), so that
        # "etienne" finds "Saint-Étienne".
        op.execute(
            "ALTER TABLE directory_cards ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            f"setweight(to_tsvector('french', {_folded('area')}), 'A') || "
            f"setweight(to_tsvector('french', {_folded('activity')} || ' ' || "
            f"{_folded('skills_text')}), 'B') || "
            f"setweight(to_tsvector('french', {_folded('presentation')}), 'C')) STORED"
        )
        op.execute(
            "CREATE INDEX ix_directory_cards_search ON directory_cards USING gin (search_vector)"
        )
        return
    # External-content FTS5 table over the cards, kept in step by triggers; accents folded.
    op.execute(
        "CREATE VIRTUAL TABLE directory_search USING fts5("
        "activity, area, presentation, skills_text, "
        "content='directory_cards', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER directory_search_insert AFTER INSERT ON directory_cards BEGIN "
        "INSERT INTO directory_search(rowid, activity, area, presentation, skills_text) "
        "VALUES (new.id, new.activity, new.area, new.presentation, new.skills_text); END"
    )
    op.execute(
        "CREATE TRIGGER directory_search_delete AFTER DELETE ON directory_cards BEGIN "
        "INSERT INTO directory_search"
        "(directory_search, rowid, activity, area, presentation, skills_text) "
        "VALUES ('delete', old.id, old.activity, old.area, old.presentation, old.skills_text); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER directory_search_update AFTER UPDATE OF "
        "activity, area, presentation, skills_text ON directory_cards BEGIN "
        "INSERT INTO directory_search"
        "(directory_search, rowid, activity, area, presentation, skills_text) "
        "VALUES ('delete', old.id, old.activity, old.area, old.presentation, old.skills_text); "
        "INSERT INTO directory_search(rowid, activity, area, presentation, skills_text) "
        "VALUES (new.id, new.activity, new.area, new.presentation, new.skills_text); END"
    )


def drop_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_directory_cards_search")
        op.execute("ALTER TABLE directory_cards DROP COLUMN IF EXISTS search_vector")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS directory_search_{trigger}")
    op.execute("DROP TABLE IF EXISTS directory_search")
